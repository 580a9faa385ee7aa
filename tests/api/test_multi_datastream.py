"""The MultiDatastream extension (OGC 18-088 §12): creation, constraints, Observations."""

import pytest

import support as s
from support import assert_entity, assert_error, ref


@pytest.fixture(scope="module")
def g(api):
    graph = s.Graph(api)
    graph.ops = [api.create_id("ObservedProperties", s.observed_property(f"mdp-{i}")) for i in range(3)]
    graph.foi = api.create_id("FeaturesOfInterest", s.feature())
    return graph


@pytest.fixture(scope="module")
def multi(api, g):
    # Linked in reverse id order: the order of the ObservedProperties is part of the
    # entity (§12 Req multi-datastream/constraints), not a by-product of ids.
    body = s.multi_datastream(g.thing, g.sensor, [g.ops[1], g.ops[0]])
    entity = api.create("MultiDatastreams", body)
    assert_entity(api, entity, "MultiDatastreams")
    return entity


def test_created_multi_datastream_has_its_properties(multi):
    assert multi["observationType"] == s.OM_COMPLEX
    assert multi["multiObservationDataTypes"] == [s.OM_MEASUREMENT, s.OM_MEASUREMENT]
    assert multi["unitOfMeasurements"] == [s.CELSIUS, s.PERCENT]


def test_observed_properties_keep_their_order(api, g, multi):
    ids = [op["@iot.id"] for op in api.get_json(f"MultiDatastreams({multi['@iot.id']})/ObservedProperties")["value"]]
    assert ids == [g.ops[1], g.ops[0]]


def test_links_from_thing_sensor_and_observed_property(api, g, multi):
    mid = multi["@iot.id"]
    assert api.get_json(f"MultiDatastreams({mid})/Thing")["@iot.id"] == g.thing
    assert api.get_json(f"MultiDatastreams({mid})/Sensor")["@iot.id"] == g.sensor
    assert mid in api.ids(f"Things({g.thing})/MultiDatastreams")
    assert mid in api.ids(f"Sensors({g.sensor})/MultiDatastreams")
    assert mid in api.ids(f"ObservedProperties({g.ops[0]})/MultiDatastreams")


def test_observation_with_matching_result_array(api, g, multi):
    mid = multi["@iot.id"]
    body = s.observation("2024-05-01T10:00:00Z", [21.5, 64], MultiDatastream=ref(mid), FeatureOfInterest=ref(g.foi))
    obs = api.create("Observations", body)
    assert_entity(api, obs, "Observations", ["MultiDatastream", "FeatureOfInterest"])
    assert obs["result"] == [21.5, 64]
    assert api.get_json(f"Observations({obs['@iot.id']})/MultiDatastream")["@iot.id"] == mid
    assert obs["@iot.id"] in api.ids(f"MultiDatastreams({mid})/Observations")


def test_observation_through_navigation_collection(api, g, multi):
    mid = multi["@iot.id"]
    obs = api.create(f"MultiDatastreams({mid})/Observations",
                     s.observation("2024-05-01T10:10:00Z", [20.0, 60], FeatureOfInterest=ref(g.foi)))
    assert api.get_json(f"Observations({obs['@iot.id']})/MultiDatastream")["@iot.id"] == mid


@pytest.mark.parametrize("result", [[21.5], [21.5, 64, 3], 21.5, "21.5,64", None])
def test_observation_result_must_be_an_array_of_matching_length(api, g, multi, result):
    mid = multi["@iot.id"]
    before = api.count(f"MultiDatastreams({mid})/Observations")
    body = s.observation("2024-05-01T10:00:00Z", result, MultiDatastream=ref(mid), FeatureOfInterest=ref(g.foi))
    assert_error(api.post("Observations", body), 400)
    assert api.count(f"MultiDatastreams({mid})/Observations") == before


def test_observation_may_not_belong_to_both_kinds(api, g, multi):
    before = api.count("Observations")
    body = s.observation("2024-05-01T10:00:00Z", [1, 2], MultiDatastream=ref(multi["@iot.id"]),
                         Datastream=ref(g.datastream), FeatureOfInterest=ref(g.foi))
    assert_error(api.post("Observations", body), 400)
    assert api.count("Observations") == before


@pytest.mark.parametrize("change", [
    {"unitOfMeasurements": [s.CELSIUS]},                                   # 1 unit, 2 properties
    {"multiObservationDataTypes": [s.OM_MEASUREMENT] * 3},                 # 3 types, 2 properties
    {"observationType": s.OM_MEASUREMENT},                                 # must be OM_ComplexObservation
    {"ObservedProperties": []},                                            # one or more are mandatory
])
def test_inconsistent_multi_datastream_is_400(api, g, change):
    body = s.multi_datastream(g.thing, g.sensor, [g.ops[0], g.ops[1]])
    body.update(change)
    before = api.count("MultiDatastreams")
    assert_error(api.post("MultiDatastreams", body), 400)
    assert api.count("MultiDatastreams") == before


def test_deep_insert_of_multi_datastream_with_new_observed_properties(api, g):
    body = s.multi_datastream(g.thing, g.sensor, [0, 0])
    body["ObservedProperties"] = [s.observed_property("deep-a"), s.observed_property("deep-b")]
    body["Observations"] = [s.observation("2024-05-01T10:00:00Z", [1.5, 2.5], FeatureOfInterest=ref(g.foi))]
    mid = api.create_id("MultiDatastreams", body)
    names = [op["name"] for op in api.get_json(f"MultiDatastreams({mid})/ObservedProperties")["value"]]
    assert names == ["deep-a", "deep-b"]
    results = [o["result"] for o in api.get_json(f"MultiDatastreams({mid})/Observations")["value"]]
    assert results == [[1.5, 2.5]]


# §12 (multi-datastream/constraints) holds after updates too: an update that
# leaves the lists of different lengths, or the wrong observationType, is a 400
# and changes nothing.
@pytest.mark.parametrize("change", [
    {"multiObservationDataTypes": [s.OM_MEASUREMENT]},
    {"unitOfMeasurements": []},
    {"observationType": s.OM_MEASUREMENT},
    "add an ObservedProperty only",
], ids=["types", "units", "observationType", "observedProperty"])
def test_update_that_breaks_the_constraints_is_400_and_changes_nothing(api, g, change):
    mid = api.create_id("MultiDatastreams", s.multi_datastream(g.thing, g.sensor, [g.ops[0], g.ops[1]]))
    if change == "add an ObservedProperty only":
        change = {"ObservedProperties": [ref(g.ops[2])]}
    before = api.get_json(f"MultiDatastreams({mid})")
    ops_before = api.ids(f"MultiDatastreams({mid})/ObservedProperties")
    assert_error(api.patch(f"MultiDatastreams({mid})", change), 400)
    assert api.get_json(f"MultiDatastreams({mid})") == before
    assert api.ids(f"MultiDatastreams({mid})/ObservedProperties") == ops_before


def test_put_that_breaks_the_constraints_is_400(api, g):
    mid = api.create_id("MultiDatastreams", s.multi_datastream(g.thing, g.sensor, [g.ops[0], g.ops[1]]))
    body = s.multi_datastream(g.thing, g.sensor, [g.ops[0]])
    del body["ObservedProperties"]
    before = api.get_json(f"MultiDatastreams({mid})")
    assert_error(api.put(f"MultiDatastreams({mid})", body), 400)
    assert api.get_json(f"MultiDatastreams({mid})") == before


def test_update_that_keeps_the_constraints_is_applied(api, g):
    mid = api.create_id("MultiDatastreams", s.multi_datastream(g.thing, g.sensor, [g.ops[0], g.ops[1]]))
    change = {"multiObservationDataTypes": [s.OM_MEASUREMENT] * 3,
              "unitOfMeasurements": [s.CELSIUS, s.PERCENT, s.CELSIUS],
              "ObservedProperties": [ref(g.ops[2])]}
    response = api.patch(f"MultiDatastreams({mid})", change)
    assert response.status_code in (200, 204), s.describe(response)
    assert api.ids(f"MultiDatastreams({mid})/ObservedProperties") == [g.ops[0], g.ops[1], g.ops[2]]
    assert len(api.get_json(f"MultiDatastreams({mid})")["unitOfMeasurements"]) == 3


def test_the_same_observed_property_twice_is_400(api, g):
    before = api.count("MultiDatastreams")
    assert_error(api.post("MultiDatastreams", s.multi_datastream(g.thing, g.sensor, [g.ops[0], g.ops[0]])), 400)
    assert api.count("MultiDatastreams") == before


def test_absent_datastream_of_an_observation_is_204(api, g, multi):
    # An Observation of a MultiDatastream has no Datastream. OData 4.0 Part 1
    # §11.2.6: "If the relationship terminates on a single entity [...] If no
    # entity is related, the service returns 204 No Content" -- as for a null
    # single-valued property (OGC 18-088 §9.2, Usage 4). An unknown entity
    # further up the path is still 404.
    mid = multi["@iot.id"]
    oid = api.create_id("Observations", s.observation("2024-05-01T11:00:00Z", [20.5, 61],
                                                      MultiDatastream=ref(mid), FeatureOfInterest=ref(g.foi)))
    assert api.get_json(f"Observations({oid})?$expand=Datastream")["Datastream"] is None
    for path in (f"Observations({oid})/Datastream", f"Observations({oid})/Datastream/$ref"):
        response = api.get(path)
        assert response.status_code == 204, s.describe(response)
        assert response.content == b"", s.describe(response)
    assert api.get_json(f"Observations({oid})/MultiDatastream")["@iot.id"] == mid
    assert_error(api.get("Observations(987654321)/Datastream"), 404)
    assert_error(api.get(f"Observations({oid})/Datastream/Thing"), 404)
    assert_error(api.get(f"Observations({oid})/Datastream/name"), 404)
