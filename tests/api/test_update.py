"""Updating entities (OGC 18-088 §10.3): PATCH merges, PUT replaces, links, validation."""

import pytest

import support as s
from support import assert_error, describe, ref

MISSING_ID = 987654321


def assert_updated(response):
    # "Upon successful completion, the service must respond with 200 OK or 204 No Content."
    assert response.status_code in (200, 204), describe(response)


@pytest.fixture
def g(api):
    graph = s.Graph(api, properties={"owner": "Tiefbauamt", "floors": 3})
    graph.foi = api.create_id("FeaturesOfInterest", s.feature())
    graph.obs = graph.observe("2024-05-01T10:00:00Z", 1.5, FeatureOfInterest=ref(graph.foi))
    return graph


def test_patch_changes_only_the_given_properties(api, g):
    before = api.get_json(f"Things({g.thing})")
    response = api.patch(f"Things({g.thing})", {"description": "patched"})
    assert_updated(response)
    if response.status_code == 200 and response.content:
        assert response.json()["description"] == "patched"
    after = api.get_json(f"Things({g.thing})")
    assert after["description"] == "patched"
    assert after["name"] == before["name"]
    assert after["properties"] == {"owner": "Tiefbauamt", "floors": 3}
    assert after["@iot.id"] == g.thing


def test_patch_each_kind_of_property(api, g):
    assert_updated(api.patch(f"Locations({g.location})", {"location": s.point(10.75, 54.5)}))
    s.assert_same_point(api.get_json(f"Locations({g.location})")["location"], 10.75, 54.5)

    unit = {"name": "metre", "symbol": "m", "definition": "http://unitsofmeasure.org/ucum.html#para-28"}
    assert_updated(api.patch(f"Datastreams({g.datastream})", {"unitOfMeasurement": unit}))
    assert api.get_json(f"Datastreams({g.datastream})")["unitOfMeasurement"] == unit

    assert_updated(api.patch(f"Observations({g.obs})", {"result": 2.75, "phenomenonTime": "2024-05-01T11:00:00Z"}))
    obs = api.get_json(f"Observations({g.obs})")
    assert obs["result"] == 2.75
    assert s.parse_time(obs["phenomenonTime"]) == s.parse_time("2024-05-01T11:00:00Z")

    assert_updated(api.patch(f"Sensors({g.sensor})", {"metadata": "https://example.org/v2.pdf"}))
    assert api.get_json(f"Sensors({g.sensor})")["metadata"] == "https://example.org/v2.pdf"


def test_patch_ignores_the_id_in_the_body(api, g):
    # §10.3: "The service ignores the entity id in the payload when applying the update."
    assert_updated(api.patch(f"Things({g.thing})", {"@iot.id": MISSING_ID, "description": "same id"}))
    assert api.get_json(f"Things({g.thing})")["description"] == "same id"
    assert not api.exists("Things", MISSING_ID)


def test_patch_replaces_a_to_one_link(api, g):
    other_sensor = api.create_id("Sensors", s.sensor())
    assert_updated(api.patch(f"Datastreams({g.datastream})", {"Sensor": ref(other_sensor)}))
    assert api.get_json(f"Datastreams({g.datastream})/Sensor")["@iot.id"] == other_sensor
    assert g.datastream not in api.ids(f"Sensors({g.sensor})/Datastreams")


def test_patch_thing_locations_replaces_them_and_records_history(api, g):
    history_before = api.ids(f"Things({g.thing})/HistoricalLocations")
    new_location = api.create_id("Locations", s.location(10.9, 54.4))
    assert_updated(api.patch(f"Things({g.thing})", {"Locations": [ref(new_location)]}))
    assert api.ids(f"Things({g.thing})/Locations") == [new_location]
    history = api.ids(f"Things({g.thing})/HistoricalLocations")
    added = set(history) - set(history_before)
    assert len(added) == 1 and len(history) == len(history_before) + 1
    (hid,) = added
    assert api.ids(f"HistoricalLocations({hid})/Locations") == [new_location]
    recorded = s.parse_time(api.get_json(f"HistoricalLocations({hid})")["time"])
    assert abs((recorded - s.now()).total_seconds()) < 300


def test_put_replaces_the_entity(api, g):
    name = s.uniq("put")
    response = api.put(f"Things({g.thing})", {"name": name, "description": "replaced"})
    assert_updated(response)
    after = api.get_json(f"Things({g.thing})")
    assert after["name"] == name and after["description"] == "replaced"
    # §10.3: PUT replaces all structural properties; the omitted optional one is reset.
    assert after.get("properties") in (None, {}), after


def test_put_without_a_mandatory_property_is_400_and_changes_nothing(api, g):
    before = api.get_json(f"Things({g.thing})")
    assert_error(api.put(f"Things({g.thing})", {"name": "only a name"}), 400)
    assert api.get_json(f"Things({g.thing})") == before


INVALID_PATCHES = [
    ("Things", "thing", {"name": 42}),
    ("Things", "thing", {"name": None}),
    ("Things", "thing", {"properties": "not an object"}),
    ("Locations", "location", {"location": {"type": "Point", "coordinates": "nowhere"}}),
    ("Datastreams", "datastream", {"unitOfMeasurement": "metre"}),
    ("Datastreams", "datastream", {"Thing": None}),
    ("Observations", "obs", {"phenomenonTime": "yesterday"}),
    ("Observations", "obs", {"resultTime": "soon"}),
    ("FeaturesOfInterest", "foi", {"feature": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}),
    # §10.3: "The entity SHALL NOT contain related entities as inline content."
    ("Things", "thing", {"Datastreams": [s.datastream(name="inline", Sensor=s.sensor(),
                                                      ObservedProperty=s.observed_property())]}),
    ("Things", "thing", {"Locations": [s.location()]}),
    ("Datastreams", "datastream", {"Sensor": s.sensor()}),
]


def check_rejected_patch(api, set_name, entity_id, body, *statuses):
    before = api.get_json(f"{set_name}({entity_id})")
    counts = api.counts()
    assert_error(api.patch(f"{set_name}({entity_id})", body), *statuses)
    assert api.get_json(f"{set_name}({entity_id})") == before
    assert api.counts() == counts


@pytest.mark.parametrize("set_name,attr,body", INVALID_PATCHES, ids=lambda v: str(v)[:40])
def test_invalid_patch_is_400_and_changes_nothing(api, g, set_name, attr, body):
    check_rejected_patch(api, set_name, getattr(g, attr), body, 400)


def test_patch_linking_a_missing_entity_is_rejected_and_changes_nothing(api, g):
    check_rejected_patch(api, "Datastreams", g.datastream, {"Sensor": ref(MISSING_ID)}, 400, 404)


def test_malformed_patch_body_is_400(api, g):
    response = api.patch(f"Things({g.thing})", data="{\"name\": ", headers={"Content-Type": "application/json"})
    assert_error(response, 400)


# A valid set of structural properties per set, so that only the missing entity is wrong.
FULL_PROPERTIES = {
    "Things": lambda: s.thing(),
    "Locations": lambda: s.location(),
    "HistoricalLocations": lambda: {"time": "2024-05-01T10:00:00Z"},
    "Datastreams": lambda: s.datastream(),
    "MultiDatastreams": lambda: {k: v for k, v in s.multi_datastream(1, 1, [1]).items()
                                 if k not in ("Thing", "Sensor", "ObservedProperties")},
    "Sensors": lambda: s.sensor(),
    "ObservedProperties": lambda: s.observed_property(),
    "Observations": lambda: s.observation("2024-05-01T10:00:00Z", 1.0),
    "FeaturesOfInterest": lambda: s.feature(),
}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("set_name", s.ENTITY_SETS)
def test_update_of_a_missing_entity_is_404(api, method, set_name):
    response = api.request(method, f"{set_name}({MISSING_ID})", json=FULL_PROPERTIES[set_name]())
    assert_error(response, 404)
    assert not api.exists(set_name, MISSING_ID)


def test_clearing_thing_locations_records_no_history(api):
    # A HistoricalLocation links one or more Locations (§8.2.3); a Thing whose
    # Locations are removed has not moved anywhere.
    tid = api.create_id("Things", s.thing(Locations=[s.location(10.2, 54.1)]))
    history_before = api.ids(f"Things({tid})/HistoricalLocations")
    assert_updated(api.patch(f"Things({tid})", {"Locations": []}))
    assert api.ids(f"Things({tid})/Locations") == []
    assert api.ids(f"Things({tid})/HistoricalLocations") == history_before
