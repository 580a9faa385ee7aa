"""Deep insert (OGC 18-088 §10.2.2.2): related entities created inline, all or nothing."""

import pytest

import support as s
from support import assert_entity, assert_error, ref


def deep_thing():
    """A Thing with one Location and two Datastreams, each with Sensor, ObservedProperty and Observations."""
    return s.thing(
        name=s.uniq("deep"),
        properties={"site": "Holtenau"},
        Locations=[s.location(10.15, 54.37, name="deep-location")],
        Datastreams=[
            s.datastream(
                name="deep-water-level",
                Sensor=s.sensor(name="deep-sensor-a"),
                ObservedProperty=s.observed_property(name="deep-op-a"),
                Observations=[
                    s.observation("2024-05-01T10:00:00Z", 1.25),
                    s.observation("2024-05-01T10:10:00Z", 1.5,
                                  FeatureOfInterest=s.feature(10.2, 54.4, name="deep-foi")),
                ]),
            s.datastream(
                name="deep-temperature",
                Sensor=s.sensor(name="deep-sensor-b"),
                ObservedProperty=s.observed_property(name="deep-op-b"),
                Observations=[s.observation("2024-05-01T10:00:00Z", 12.0)]),
        ])


@pytest.fixture(scope="module")
def created(api):
    before = api.counts()
    body = deep_thing()
    response = api.post("Things", body)
    assert response.status_code == 201, s.describe(response)
    entity = response.json()
    assert response.headers["Location"] == entity["@iot.selfLink"]
    return {"before": before, "after": api.counts(), "thing": entity, "body": body}


def test_answers_with_the_thing(api, created):
    thing = created["thing"]
    assert_entity(api, thing, "Things")
    assert thing["name"] == created["body"]["name"]
    assert thing["properties"] == {"site": "Holtenau"}


def test_every_entity_was_created(created):
    before, after = created["before"], created["after"]
    expected = {"Things": 1, "Locations": 1, "HistoricalLocations": 1, "Datastreams": 2, "MultiDatastreams": 0,
                "Sensors": 2, "ObservedProperties": 2, "Observations": 3}
    for set_name, n in expected.items():
        assert after[set_name] - before[set_name] == n, f"{set_name}: {before[set_name]} -> {after[set_name]}"
    # One explicit feature; the two Observations without one share the one derived
    # from the Thing's Location (§10.2.1, special case #1).
    assert after["FeaturesOfInterest"] - before["FeaturesOfInterest"] == 2


def test_locations_are_linked(api, created):
    tid = created["thing"]["@iot.id"]
    locations = api.get_json(f"Things({tid})/Locations")["value"]
    assert [loc["name"] for loc in locations] == ["deep-location"]
    s.assert_same_point(locations[0]["location"], 10.15, 54.37)
    assert tid in api.ids(f"Locations({locations[0]['@iot.id']})/Things")


def test_datastreams_are_linked_with_sensor_and_observed_property(api, created):
    tid = created["thing"]["@iot.id"]
    datastreams = {ds["name"]: ds for ds in api.get_json(f"Things({tid})/Datastreams")["value"]}
    assert set(datastreams) == {"deep-water-level", "deep-temperature"}
    for name, suffix in (("deep-water-level", "a"), ("deep-temperature", "b")):
        did = datastreams[name]["@iot.id"]
        assert api.get_json(f"Datastreams({did})/Thing")["@iot.id"] == tid
        assert api.get_json(f"Datastreams({did})/Sensor")["name"] == f"deep-sensor-{suffix}"
        assert api.get_json(f"Datastreams({did})/ObservedProperty")["name"] == f"deep-op-{suffix}"


def test_observations_are_linked(api, created):
    tid = created["thing"]["@iot.id"]
    level = [ds for ds in api.get_json(f"Things({tid})/Datastreams")["value"] if ds["name"] == "deep-water-level"][0]
    observations = api.get_json(f"Datastreams({level['@iot.id']})/Observations?$orderby=phenomenonTime")["value"]
    assert [o["result"] for o in observations] == [1.25, 1.5]
    explicit = api.get_json(f"Observations({observations[1]['@iot.id']})/FeatureOfInterest")
    assert explicit["name"] == "deep-foi"
    derived = api.get_json(f"Observations({observations[0]['@iot.id']})/FeatureOfInterest")
    s.assert_same_point(derived["feature"], 10.15, 54.37)


def test_historical_location_records_the_location(api, created):
    tid = created["thing"]["@iot.id"]
    history = api.get_json(f"Things({tid})/HistoricalLocations")["value"]
    assert len(history) == 1
    names = [loc["name"] for loc in api.get_json(f"HistoricalLocations({history[0]['@iot.id']})/Locations")["value"]]
    assert names == ["deep-location"]


def test_deep_insert_of_datastream_with_new_thing_sensor_and_property(api):
    body = s.datastream(name=s.uniq("ds"), Thing=s.thing(name="inline-thing"),
                        Sensor=s.sensor(name="inline-sensor"), ObservedProperty=s.observed_property(name="inline-op"))
    did = api.create_id("Datastreams", body)
    assert api.get_json(f"Datastreams({did})/Thing")["name"] == "inline-thing"
    assert api.get_json(f"Datastreams({did})/Sensor")["name"] == "inline-sensor"
    assert api.get_json(f"Datastreams({did})/ObservedProperty")["name"] == "inline-op"


def test_deep_insert_of_observation_with_new_feature(api):
    graph = s.Graph(api, with_location=False)
    obs = api.create_id("Observations", s.observation("2024-05-01T10:00:00Z", 4.0, Datastream=ref(graph.datastream),
                                                      FeatureOfInterest=s.feature(10.3, 54.3, name="inline-foi")))
    foi = api.get_json(f"Observations({obs})/FeatureOfInterest")
    assert foi["name"] == "inline-foi"
    s.assert_same_point(foi["feature"], 10.3, 54.3)


def test_deep_insert_mixes_new_and_existing_entities(api):
    sensor_id = api.create_id("Sensors", s.sensor())
    before = api.count("Sensors")
    body = s.thing(Datastreams=[s.datastream(Sensor=ref(sensor_id), ObservedProperty=s.observed_property())])
    tid = api.create_id("Things", body)
    assert api.count("Sensors") == before
    datastreams = api.get_json(f"Things({tid})/Datastreams")["value"]
    assert len(datastreams) == 1
    assert api.get_json(f"Datastreams({datastreams[0]['@iot.id']})/Sensor")["@iot.id"] == sensor_id


def test_id_inside_an_inline_entity_with_properties_is_ignored(api):
    # §10.2.2.2: "If the inline representation contains a value for a computed
    # property (i.e., id), the service SHALL ignore that value".
    taken = api.create_id("ObservedProperties", s.observed_property(name="already-there"))
    body = s.thing(Datastreams=[s.datastream(Sensor=s.sensor(),
                                             ObservedProperty={**s.observed_property(name="brand-new"),
                                                               "@iot.id": taken})])
    response = api.post("Things", body)
    if response.status_code == 201:
        tid = response.json()["@iot.id"]
        did = api.ids(f"Things({tid})/Datastreams")[0]
        assert api.get_json(f"Datastreams({did})/ObservedProperty")["name"] == "brand-new"
        assert api.get_json(f"ObservedProperties({taken})")["name"] == "already-there"
    else:
        # A server may instead refuse the ambiguous body; then it must write nothing.
        assert_error(response, 400)


# ---------------------------------------------------------------- all or nothing


def failing_bodies():
    last_obs_invalid = deep_thing()
    del last_obs_invalid["Datastreams"][1]["Observations"][0]["result"]
    bad_location = deep_thing()
    bad_location["Locations"][0]["location"] = {"type": "Point", "coordinates": "nowhere"}
    missing_sensor = deep_thing()
    missing_sensor["Datastreams"][1]["Sensor"] = ref(987654321)
    nested_missing_property = deep_thing()
    del nested_missing_property["Datastreams"][1]["ObservedProperty"]["definition"]
    bad_time = deep_thing()
    bad_time["Datastreams"][0]["Observations"][1]["phenomenonTime"] = "not a time"
    return {
        "last nested Observation lacks result": (last_obs_invalid, 400),
        "Location has invalid GeoJSON": (bad_location, 400),
        "nested link to a missing Sensor": (missing_sensor, (400, 404)),
        "nested ObservedProperty lacks definition": (nested_missing_property, 400),
        "nested Observation has invalid time": (bad_time, 400),
    }


@pytest.mark.parametrize("case", sorted(failing_bodies()))
def test_failing_deep_insert_writes_nothing(api, case):
    body, statuses = failing_bodies()[case]
    statuses = statuses if isinstance(statuses, tuple) else (statuses,)
    before = api.counts()
    assert_error(api.post("Things", body), *statuses)
    assert api.counts() == before
