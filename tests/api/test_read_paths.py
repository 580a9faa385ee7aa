"""Resource paths (OGC 18-088 §9.2): collections, entities, navigation, properties, $value, $ref."""

import pytest

import support as s
from support import assert_entity, assert_error, describe, ref


@pytest.fixture(scope="module")
def g(api):
    graph = s.Graph(api, 10.5, 54.25, properties={"owner": "Stadt Kiel", "floors": 2})
    graph.foi = api.create_id("FeaturesOfInterest", s.feature(10.5, 54.25))
    graph.obs = [graph.observe(s.at(i), 20.0 + i, FeatureOfInterest=ref(graph.foi)) for i in range(3)]
    graph.null_result_time_obs = graph.obs[0]
    graph.timed_obs = graph.observe("2024-05-01T10:00:00Z", 9.5, resultTime="2024-05-01T10:00:30Z",
                                    FeatureOfInterest=ref(graph.foi))
    graph.other = s.Graph(api)
    graph.other_obs = graph.other.observe(s.at(0), 1.0, FeatureOfInterest=ref(graph.foi))
    return graph


def test_collection(api, g):
    body = api.get_json("Things")
    assert isinstance(body["value"], list) and body["value"]
    for entity in body["value"]:
        assert_entity(api, entity, "Things")


@pytest.mark.parametrize("set_name", s.ENTITY_SETS)
def test_every_collection_holds_valid_entities(api, g, set_name):
    for entity in api.get_json(f"{set_name}?$top=20")["value"]:
        assert_entity(api, entity, set_name)
        for field in s.MANDATORY[set_name]:
            assert field in entity, f"{set_name} entity lacks {field}: {entity}"


def test_entity(api, g):
    thing = api.get_json(f"Things({g.thing})")
    assert_entity(api, thing, "Things")
    assert thing["properties"] == {"owner": "Stadt Kiel", "floors": 2}
    assert isinstance(thing["name"], str) and isinstance(thing["description"], str)


def test_observation_has_all_mandatory_properties(api, g):
    obs = api.get_json(f"Observations({g.obs[0]})")
    assert_entity(api, obs, "Observations", ["Datastream", "FeatureOfInterest"])
    assert s.parse_time(obs["phenomenonTime"]) == s.parse_time(s.at(0))
    assert obs["result"] == 20.0
    # resultTime is mandatory but null when the client did not give one (§8.2.7).
    assert obs.get("resultTime") is None


def test_to_many_navigation(api, g):
    body = api.get_json(f"Things({g.thing})/Datastreams")
    assert [ds["@iot.id"] for ds in body["value"]] == [g.datastream]
    assert_entity(api, body["value"][0], "Datastreams")


def test_to_one_navigation_is_an_entity(api, g):
    thing = api.get_json(f"Datastreams({g.datastream})/Thing")
    assert "value" not in thing
    assert thing["@iot.id"] == g.thing
    assert_entity(api, thing, "Things")


def test_chained_to_one_navigation(api, g):
    assert api.get_json(f"Observations({g.obs[1]})/Datastream/Thing")["@iot.id"] == g.thing
    assert api.get_json(f"Observations({g.obs[1]})/Datastream/Sensor")["@iot.id"] == g.sensor


def test_chained_path_through_an_entity_of_a_collection(api, g):
    body = api.get_json(f"Things({g.thing})/Datastreams({g.datastream})/Observations")
    assert sorted(o["@iot.id"] for o in body["value"]) == sorted(g.obs + [g.timed_obs])


def test_entity_within_a_navigation_collection(api, g):
    assert api.get_json(f"Datastreams({g.datastream})/Observations({g.obs[2]})")["@iot.id"] == g.obs[2]
    assert api.get_json(f"Datastreams({g.datastream})/Observations({g.obs[2]})/FeatureOfInterest")["@iot.id"] == g.foi
    assert s.parse_time(api.get_json(f"Datastreams({g.datastream})/Observations({g.obs[2]})/phenomenonTime")
                        ["phenomenonTime"]) == s.parse_time(s.at(2))


def test_navigation_through_historical_locations(api, g):
    history = api.get_json(f"Things({g.thing})/HistoricalLocations")["value"]
    assert len(history) == 1
    hid = history[0]["@iot.id"]
    assert api.get_json(f"HistoricalLocations({hid})/Thing")["@iot.id"] == g.thing
    assert api.ids(f"HistoricalLocations({hid})/Locations") == [g.location]
    assert api.ids(f"Things({g.thing})/HistoricalLocations({hid})/Locations") == [g.location]


@pytest.mark.parametrize("path", [
    "Things({other_thing})/Datastreams({datastream})",
    "Things({other_thing})/Datastreams({datastream})/Observations",
    "Datastreams({datastream})/Observations({other_obs})",
    "Things({thing})/Locations({other_location})",
])
def test_mismatched_chain_is_404(api, g, path):
    path = path.format(other_thing=g.other.thing, datastream=g.datastream, other_obs=g.other_obs,
                       thing=g.thing, other_location=g.other.location)
    assert_error(api.get(path), 404)


def test_property(api, g):
    thing = api.get_json(f"Things({g.thing})")
    assert api.get_json(f"Things({g.thing})/name") == {"name": thing["name"]}
    assert api.get_json(f"Things({g.thing})/properties") == {"properties": {"owner": "Stadt Kiel", "floors": 2}}
    assert api.get_json(f"Observations({g.obs[1]})/result") == {"result": 21.0}


def test_property_of_a_complex_property(api, g):
    # §9.2.4: "properties of that value can be addressed by further property name composition".
    assert api.get_json(f"Datastreams({g.datastream})/unitOfMeasurement/name") == {"name": "degree Celsius"}


def test_null_property_is_204(api, g):
    # §9.2.4: "If the property is single-valued and has the null value, the service SHALL respond with 204".
    response = api.get(f"Observations({g.null_result_time_obs})/resultTime")
    assert response.status_code == 204, describe(response)
    assert response.content == b""


def test_value_of_a_string_property(api, g):
    name = api.get_json(f"Things({g.thing})")["name"]
    response = api.get(f"Things({g.thing})/name/$value")
    assert response.status_code == 200, describe(response)
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == name


def test_value_of_time_and_number(api, g):
    response = api.get(f"Observations({g.timed_obs})/resultTime/$value")
    assert response.status_code == 200, describe(response)
    assert s.parse_time(response.text.strip()) == s.parse_time("2024-05-01T10:00:30Z")
    response = api.get(f"Observations({g.timed_obs})/result/$value")
    assert response.status_code == 200, describe(response)
    assert float(response.text) == 9.5


def test_ref_of_a_collection(api, g):
    body = api.get_json(f"Datastreams({g.datastream})/Observations/$ref")
    links = body["value"]
    assert sorted(links, key=lambda e: e["@iot.selfLink"]) == sorted(
        ({"@iot.selfLink": api.self_link("Observations", i)} for i in g.obs + [g.timed_obs]),
        key=lambda e: e["@iot.selfLink"])


def test_ref_of_an_entity(api, g):
    # §9.2.7 describes the answer as {"value": [...]} for every association link;
    # OData's entity reference of a to-one navigation is the bare object. Either
    # form holds exactly the selfLink.
    body = api.get_json(f"Datastreams({g.datastream})/Thing/$ref")
    link = {"@iot.selfLink": api.self_link("Things", g.thing)}
    assert body in (link, {"value": [link]}), body


@pytest.mark.parametrize("path", [
    "Nothings",
    "Things({thing})/nonsense",
    "Things({thing})/Sensors",
    "Things({thing})/Datastream",
    "Things(987654321)",
    "Things(987654321)/Datastreams",
    "Datastreams({datastream})/Observations(987654321)",
])
def test_unknown_is_404(api, g, path):
    assert_error(api.get(path.format(thing=g.thing, datastream=g.datastream)), 404)


def test_segment_after_a_primitive_property_is_rejected(api, g):
    # Whether this is an unknown resource (404) or a malformed path (400) the
    # standard leaves open; it must not be answered as if it were `name`.
    assert_error(api.get(f"Things({g.thing})/name/nonsense"), 400, 404)


def test_property_of_a_collection_is_not_addressable(api, g):
    # Usage 4 addresses a property of an entity, not of an entity set.
    assert_error(api.get("Things/name"), 400, 404)


def test_value_of_a_number_is_plain_text(api, g):
    # $value is the raw value (§9.2.5); OData serves raw primitives as text/plain.
    response = api.get(f"Observations({g.timed_obs})/result/$value")
    assert response.status_code == 200, describe(response)
    assert response.headers["Content-Type"].startswith("text/plain"), response.headers
    assert float(response.text) == 9.5
