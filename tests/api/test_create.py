"""Creating entities (OGC 18-088 §10.2): one per type, validation, links."""

import copy

import pytest

import support as s
from support import assert_entity, assert_error, assert_error_names, describe, ref

MISSING_ID = 987654321


@pytest.fixture(scope="module")
def g(api):
    graph = s.Graph(api)
    graph.foi = api.create_id("FeaturesOfInterest", s.feature())
    graph.op2 = api.create_id("ObservedProperties", s.observed_property())
    return graph


def valid_body(set_name, g):
    """A complete body for `set_name` linking to the existing entities of `g`."""
    if set_name == "Things":
        return s.thing(properties={"owner": "Tiefbauamt", "floors": 3, "tags": ["a", "b"]})
    if set_name == "Locations":
        return s.location(10.5, 54.25, properties={"district": "Gaarden"})
    if set_name == "HistoricalLocations":
        return {"time": "2020-01-01T10:00:00Z", "Thing": ref(g.thing), "Locations": [ref(g.location)]}
    if set_name == "Datastreams":
        return s.datastream(g.thing, g.sensor, g.op, properties={"interval": "PT10M"})
    if set_name == "MultiDatastreams":
        return s.multi_datastream(g.thing, g.sensor, [g.op, g.op2])
    if set_name == "Sensors":
        return s.sensor(properties={"serial": "A-17"})
    if set_name == "ObservedProperties":
        return s.observed_property(properties={"kind": "physical"})
    if set_name == "Observations":
        return s.observation("2024-05-01T10:00:00Z", 21.5, Datastream=ref(g.datastream),
                             FeatureOfInterest=ref(g.foi), resultTime="2024-05-01T10:00:05Z",
                             validTime="2024-05-01T10:00:00Z/2024-05-01T11:00:00Z",
                             parameters={"battery": 0.5}, resultQuality={"accuracy": 0.25})
    if set_name == "FeaturesOfInterest":
        return s.feature(10.25, 54.5, properties={"water": "Kiel Fjord"})
    raise AssertionError(set_name)


TIME_PROPERTIES = {"phenomenonTime", "resultTime", "validTime", "time"}


def assert_echoes(body, entity):
    """Every property of the create body comes back with the same value."""
    for key, sent in body.items():
        if isinstance(sent, dict) and "@iot.id" in sent or isinstance(sent, list) and sent and \
                isinstance(sent[0], dict) and "@iot.id" in sent[0]:
            continue  # a link, not a property
        assert key in entity, f"{key} missing from {entity}"
        got = entity[key]
        if key in TIME_PROPERTIES:
            assert s.parse_interval(got) == s.parse_interval(sent), f"{key}: sent {sent}, got {got}"
        elif key in ("location", "feature"):
            assert s.geometry_of(got) == s.geometry_of(sent), f"{key}: sent {sent}, got {got}"
        else:
            assert got == sent, f"{key}: sent {sent!r}, got {got!r}"


@pytest.mark.parametrize("set_name", s.ENTITY_SETS)
def test_create_answers_201_with_location_and_entity(api, g, set_name):
    body = valid_body(set_name, g)
    response = api.post(set_name, body)
    assert response.status_code == 201, describe(response)
    entity = response.json()
    navigations = s.NAVIGATIONS[set_name]
    if set_name == "Observations":
        navigations = navigations + ["Datastream"]
    entity_id = assert_entity(api, entity, set_name, navigations)
    assert response.headers["Location"] == api.self_link(set_name, entity_id)
    assert_echoes(body, entity)
    # The entity is readable at its Location and equals what the POST answered.
    again = api.get_json(response.headers["Location"])
    assert_echoes(body, again)
    assert again["@iot.id"] == entity_id


def test_ids_are_distinct_integers(api):
    ids = [api.create_id("Sensors", s.sensor()) for _ in range(3)]
    assert all(s.is_int(i) for i in ids) and len(set(ids)) == 3, ids


def test_links_to_existing_entities_are_established(api, g):
    ds = api.create_id("Datastreams", s.datastream(g.thing, g.sensor, g.op))
    assert api.get_json(f"Datastreams({ds})/Thing")["@iot.id"] == g.thing
    assert api.get_json(f"Datastreams({ds})/Sensor")["@iot.id"] == g.sensor
    assert api.get_json(f"Datastreams({ds})/ObservedProperty")["@iot.id"] == g.op
    obs = api.create_id("Observations", s.observation("2024-05-01T10:00:00Z", 1.0, Datastream=ref(ds),
                                                      FeatureOfInterest=ref(g.foi)))
    assert api.get_json(f"Observations({obs})/Datastream")["@iot.id"] == ds
    assert api.get_json(f"Observations({obs})/FeatureOfInterest")["@iot.id"] == g.foi


# Mandatory properties and mandatory links (Table 24), one case each.
MISSING_CASES = [(set_name, field) for set_name, fields in s.MANDATORY.items() for field in fields] + [
    ("Datastreams", "Thing"), ("Datastreams", "Sensor"), ("Datastreams", "ObservedProperty"),
    ("MultiDatastreams", "Thing"), ("MultiDatastreams", "Sensor"), ("MultiDatastreams", "ObservedProperties"),
    ("Observations", "Datastream"), ("HistoricalLocations", "Thing"), ("HistoricalLocations", "Locations"),
]


@pytest.mark.parametrize("set_name,field", MISSING_CASES)
def test_missing_mandatory_field_is_400_naming_it(api, g, set_name, field):
    body = valid_body(set_name, g)
    del body[field]
    before = api.count(set_name)
    assert_error_names(api.post(set_name, body), field)
    assert api.count(set_name) == before


WRONG_TYPES = [
    ("Things", "name", 42),
    ("Things", "name", None),
    ("Things", "description", ["not", "a", "string"]),
    ("Things", "properties", "not an object"),
    ("Things", "properties", [1, 2]),
    ("Locations", "encodingType", 5),
    ("Locations", "location", "POINT (10 54)"),
    ("Datastreams", "unitOfMeasurement", "degree Celsius"),
    ("Datastreams", "observationType", 7),
    ("Datastreams", "Thing", 5),
    ("Sensors", "name", {"de": "Pegel"}),
    ("ObservedProperties", "definition", 3.5),
    ("Observations", "parameters", "battery=0.5"),
    ("Observations", "Datastream", "Datastreams(1)"),
    ("FeaturesOfInterest", "feature", 5),
    ("MultiDatastreams", "unitOfMeasurements", {"name": "percent"}),
    ("MultiDatastreams", "multiObservationDataTypes", "OM_Measurement"),
]


@pytest.mark.parametrize("set_name,field,value", WRONG_TYPES)
def test_wrong_type_is_400(api, g, set_name, field, value):
    body = valid_body(set_name, g)
    body[field] = value
    before = api.count(set_name)
    assert_error_names(api.post(set_name, body), field)
    assert api.count(set_name) == before


INVALID_GEOJSON = [
    {"type": "Point", "coordinates": "10.5,54.25"},
    {"type": "Point"},
    {"coordinates": [10.5, 54.25]},
    {"type": "Pointy", "coordinates": [10.5, 54.25]},
    {"type": "Point", "coordinates": [10.5]},
    {"type": "Point", "coordinates": ["10.5", "54.25"]},
    {"type": "LineString", "coordinates": [[10.5, 54.25]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"}},
    # RFC 7946 §4: WGS 84 longitude in [-180, 180], latitude in [-90, 90].
    {"type": "Point", "coordinates": [180.5, 54.25]},
    {"type": "Point", "coordinates": [10.5, -90.5]},
    {"type": "Point", "coordinates": [54.25, 100.5]},
    {"type": "LineString", "coordinates": [[10.5, 54.25], [-190, 54.25]]},
]


@pytest.mark.parametrize("geojson", INVALID_GEOJSON, ids=lambda g: str(g)[:40])
@pytest.mark.parametrize("set_name,field", [("Locations", "location"), ("FeaturesOfInterest", "feature")])
def test_invalid_geojson_is_400(api, g, set_name, field, geojson):
    body = valid_body(set_name, g)
    body[field] = geojson
    before = api.count(set_name)
    assert_error_names(api.post(set_name, body), field)
    assert api.count(set_name) == before


INVALID_TIMES = [
    ("Observations", "phenomenonTime", "yesterday"),
    ("Observations", "phenomenonTime", "2024-13-01T00:00:00Z"),
    ("Observations", "phenomenonTime", "2024-05-01T25:00:00Z"),
    ("Observations", "phenomenonTime", 1714557600),
    ("Observations", "phenomenonTime", "2024-05-01T00:00:00Z/later"),
    ("Observations", "resultTime", "soon"),
    ("Observations", "validTime", "2024-05-01T00:00:00Z/nonsense"),
    ("HistoricalLocations", "time", "noon"),
]


@pytest.mark.parametrize("set_name,field,value", INVALID_TIMES)
def test_invalid_time_is_400(api, g, set_name, field, value):
    body = valid_body(set_name, g)
    body[field] = value
    before = api.count(set_name)
    assert_error_names(api.post(set_name, body), field)
    assert api.count(set_name) == before


def test_time_with_offset_is_the_same_instant(api, g):
    obs = api.create("Observations", s.observation("2024-05-01T12:00:00+02:00", 3.0,
                                                   Datastream=ref(g.datastream), FeatureOfInterest=ref(g.foi)))
    assert s.parse_time(obs["phenomenonTime"]) == s.parse_time("2024-05-01T10:00:00Z")


def test_interval_phenomenon_time_is_kept(api, g):
    body = s.observation("2024-05-01T10:00:00Z/2024-05-01T10:15:00Z", 3.0,
                         Datastream=ref(g.datastream), FeatureOfInterest=ref(g.foi))
    obs = api.create("Observations", body)
    assert s.parse_interval(obs["phenomenonTime"]) == s.parse_interval(body["phenomenonTime"])


def test_results_of_any_json_type_round_trip(api, g):
    # OM_Observation: the result may be of any type (Table 12).
    ds = g.add_datastream(observationType=s.OM + "OM_Observation")
    for result in (0, -1.25, "category:wet", True, {"level": 3, "trend": "up"}, [1, 2, 3]):
        obs = api.create("Observations", s.observation("2024-05-01T10:00:00Z", result,
                                                       Datastream=ref(ds), FeatureOfInterest=ref(g.foi)))
        assert obs["result"] == result
        assert api.get_json(f"Observations({obs['@iot.id']})")["result"] == result


# ---------------------------------------------------------------- links to missing entities


def test_datastream_linking_a_missing_thing_writes_nothing(api, g):
    before = api.counts()
    body = s.datastream(MISSING_ID, op_id=g.op, Sensor=s.sensor())
    assert_error(api.post("Datastreams", body), 400, 404)
    assert api.counts() == before


def test_observation_linking_a_missing_datastream_is_rejected(api, g):
    before = api.count("Observations")
    body = s.observation("2024-05-01T10:00:00Z", 1, Datastream=ref(MISSING_ID), FeatureOfInterest=ref(g.foi))
    assert_error(api.post("Observations", body), 400, 404)
    assert api.count("Observations") == before


def test_observation_linking_a_missing_feature_is_rejected(api, g):
    before = api.count("Observations")
    body = s.observation("2024-05-01T10:00:00Z", 1, Datastream=ref(g.datastream), FeatureOfInterest=ref(MISSING_ID))
    assert_error(api.post("Observations", body), 400, 404)
    assert api.count("Observations") == before


def test_thing_linking_a_missing_location_writes_nothing(api):
    before = api.counts()
    assert_error(api.post("Things", s.thing(Locations=[ref(MISSING_ID)])), 400, 404)
    assert api.counts() == before


# ---------------------------------------------------------------- POST to a navigation collection


def test_post_to_datastream_observations_links_implicitly(api, g):
    obs = api.create(f"Datastreams({g.datastream})/Observations",
                     s.observation("2024-05-01T11:00:00Z", 7.5, FeatureOfInterest=ref(g.foi)))
    assert_entity(api, obs, "Observations", ["Datastream", "FeatureOfInterest"])
    assert api.get_json(f"Observations({obs['@iot.id']})/Datastream")["@iot.id"] == g.datastream
    assert obs["@iot.id"] in api.ids(f"Datastreams({g.datastream})/Observations")


def test_post_to_thing_datastreams_links_implicitly(api, g):
    ds = api.create(f"Things({g.thing})/Datastreams", s.datastream(sensor_id=g.sensor, op_id=g.op))
    assert api.get_json(f"Datastreams({ds['@iot.id']})/Thing")["@iot.id"] == g.thing


def test_post_to_feature_observations_links_implicitly(api, g):
    foi = api.create_id("FeaturesOfInterest", s.feature())
    obs = api.create(f"FeaturesOfInterest({foi})/Observations",
                     s.observation("2024-05-01T11:00:00Z", 1.5, Datastream=ref(g.datastream)))
    assert api.get_json(f"Observations({obs['@iot.id']})/FeatureOfInterest")["@iot.id"] == foi


def test_post_below_a_missing_parent_is_rejected(api):
    before = api.count("Observations")
    response = api.post(f"Datastreams({MISSING_ID})/Observations", s.observation("2024-05-01T11:00:00Z", 1))
    assert_error(response, 404, 400)
    assert api.count("Observations") == before


def test_identical_bodies_create_distinct_entities(api, g):
    body = valid_body("Things", g)
    first = api.create("Things", copy.deepcopy(body))
    second = api.create("Things", copy.deepcopy(body))
    assert first["@iot.id"] != second["@iot.id"]


# Error bodies name the offending member by its path from the top of the
# request body, as they do for properties ("description",
# "Datastreams[0].unitOfMeasurement"), so that a client can point at it.
def test_missing_link_is_named_by_its_member(api, g):
    body = s.datastream(g.thing, None, g.op)
    response = api.post("Datastreams", body)
    assert assert_error(response, 400).get("field") == "Sensor", response.text


def test_missing_link_inside_a_deep_insert_is_named_by_its_path(api, g):
    body = s.thing(Datastreams=[s.datastream(None, g.sensor, g.op), s.datastream(None, None, g.op)])
    before = api.counts()
    response = api.post("Things", body)
    assert assert_error(response, 400).get("field") == "Datastreams[1].Sensor", response.text
    assert api.counts() == before


def test_underivable_feature_of_interest_is_named_by_its_path(api, g):
    # A new Thing without Location: its Observation cannot get a FeatureOfInterest.
    body = s.thing(Datastreams=[s.datastream(None, g.sensor, g.op,
                                             Observations=[s.observation(s.at(0), 1.0)])])
    before = api.counts()
    response = api.post("Things", body)
    body = assert_error(response, 400)
    assert body.get("field") == "Datastreams[0].Observations[0].FeatureOfInterest", response.text
    assert api.counts() == before


def test_inconsistent_multi_datastream_names_a_member(api, g):
    body = s.multi_datastream(g.thing, g.sensor, [g.op, g.op2])
    body["multiObservationDataTypes"] = body["multiObservationDataTypes"][:1]
    response = api.post("MultiDatastreams", body)
    assert assert_error(response, 400).get("field") == "multiObservationDataTypes", response.text


def test_wrong_result_of_a_multi_datastream_observation_is_named_by_its_path(api, g):
    body = s.multi_datastream(g.thing, g.sensor, [g.op, g.op2],
                              Observations=[s.observation(s.at(0), [1, 2]), s.observation(s.at(1), 3)])
    before = api.counts()
    response = api.post("MultiDatastreams", body)
    assert assert_error(response, 400).get("field") == "Observations[1].result", response.text
    assert api.counts() == before


def test_body_link_contradicting_the_path_is_400(api, g):
    # POST to Datastreams(a)/Observations creates an Observation of Datastream a;
    # a body that names Datastream b contradicts the request and must not win.
    other = g.add_datastream()
    before = api.count("Observations")
    response = api.post(f"Datastreams({g.datastream})/Observations",
                        s.observation("2024-05-01T11:30:00Z", 1.0, Datastream=ref(other),
                                      FeatureOfInterest=ref(g.foi)))
    assert assert_error(response, 400).get("field") == "Datastream", response.text
    assert api.count("Observations") == before
    # Naming the same Datastream as the path is no contradiction.
    obs = api.create(f"Datastreams({g.datastream})/Observations",
                     s.observation("2024-05-01T11:31:00Z", 2.0, Datastream=ref(g.datastream),
                                   FeatureOfInterest=ref(g.foi)))
    assert api.get_json(f"Observations({obs['@iot.id']})/Datastream")["@iot.id"] == g.datastream


def test_nested_link_contradicting_its_parent_is_400(api, g):
    other_thing = api.create_id("Things", s.thing())
    before = api.counts()
    body = s.thing(Datastreams=[s.datastream(other_thing, g.sensor, g.op)])
    response = api.post("Things", body)
    assert assert_error(response, 400).get("field") == "Datastreams[0].Thing", response.text
    assert api.counts() == before
