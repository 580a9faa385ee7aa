"""System query options (OGC 18-088 §9.3): $top, $skip, $count, $orderby, $select.

Runs on a server of its own so that whole entity sets can be counted and ordered.
"""

import pytest

import support as s
from support import ref

NAMES = ["charlie", "alpha", "echo", "bravo", "delta"]          # creation order
DESCRIPTIONS = {"alpha": "y", "bravo": "x", "charlie": "y", "delta": "x", "echo": "x"}


@pytest.fixture(scope="module")
def api(fresh_api):
    return fresh_api


@pytest.fixture(scope="module")
def data(api):
    things = {name: api.create_id("Things", s.thing(name, description=DESCRIPTIONS[name])) for name in NAMES}
    sensor = api.create_id("Sensors", s.sensor())
    op = api.create_id("ObservedProperties", s.observed_property())
    ds = api.create_id("Datastreams", s.datastream(things["alpha"], sensor, op))
    foi = api.create_id("FeaturesOfInterest", s.feature())
    rows = [(s.at(0), 2, None), (s.at(1), 1, "2024-05-01T12:00:00Z"), (s.at(2), 2, None),
            (s.at(3), 1, "2024-05-01T11:00:00Z")]
    obs = []
    for phenomenon_time, result, result_time in rows:
        body = s.observation(phenomenon_time, result, Datastream=ref(ds), FeatureOfInterest=ref(foi))
        if result_time:
            body["resultTime"] = result_time
        obs.append(api.create_id("Observations", body))
    return {"things": things, "ds": ds, "obs": obs}


def names(api, path):
    return [entity["name"] for entity in api.get_json(path)["value"]]


def obs_ids(api, query, data):
    return [o["@iot.id"] for o in api.get_json(f"Datastreams({data['ds']})/Observations?{query}")["value"]]


# ---------------------------------------------------------------- $top / $skip


def test_top(api, data):
    assert names(api, "Things?$orderby=name&$top=2") == ["alpha", "bravo"]


def test_top_zero_returns_no_entities(api, data):
    assert api.get_json("Things?$top=0")["value"] == []


def test_skip(api, data):
    assert names(api, "Things?$orderby=name&$skip=3") == ["delta", "echo"]


@pytest.mark.parametrize("query", ["$skip=1&$top=2&$orderby=name", "$top=2&$skip=1&$orderby=name",
                                   "$orderby=name&$top=2&$skip=1"])
def test_skip_applies_before_top_whatever_the_order(api, data, query):
    assert names(api, f"Things?{query}") == ["bravo", "charlie"]


def test_skip_past_the_end_is_empty_without_next_link(api, data):
    body = api.get_json("Things?$skip=10")
    assert body["value"] == [] and "@iot.nextLink" not in body


def test_top_and_skip_without_orderby_are_stable(api, data):
    # §9.3.3.3/4: without $orderby the service imposes a stable order across requests.
    seen = names(api, "Things?$top=2") + names(api, "Things?$skip=2&$top=2") + names(api, "Things?$skip=4&$top=2")
    assert sorted(seen) == sorted(NAMES)


# ---------------------------------------------------------------- $count


def test_count_true(api, data):
    body = api.get_json("Things?$count=true")
    assert body["@iot.count"] == 5 and len(body["value"]) == 5


@pytest.mark.parametrize("query", ["$top=2", "$skip=4", "$top=1&$skip=1", "$top=0"])
def test_count_ignores_top_and_skip(api, data, query):
    assert api.get_json(f"Things?$count=true&{query}")["@iot.count"] == 5


def test_count_respects_filter(api, data):
    assert api.get_json("Things?$count=true&$top=1&$filter=description eq 'x'")["@iot.count"] == 3


@pytest.mark.parametrize("query", ["", "?$count=false"])
def test_no_count_unless_asked(api, data, query):
    assert "@iot.count" not in api.get_json(f"Things{query}")


def test_count_of_a_navigation_collection(api, data):
    assert api.get_json(f"Datastreams({data['ds']})/Observations?$count=true&$top=1")["@iot.count"] == 4


# ---------------------------------------------------------------- $orderby


@pytest.mark.parametrize("query,expected", [
    ("$orderby=name", ["alpha", "bravo", "charlie", "delta", "echo"]),
    ("$orderby=name asc", ["alpha", "bravo", "charlie", "delta", "echo"]),
    ("$orderby=name desc", ["echo", "delta", "charlie", "bravo", "alpha"]),
    ("$orderby=description,name desc", ["echo", "delta", "bravo", "charlie", "alpha"]),
    ("$orderby=description desc, name", ["alpha", "charlie", "bravo", "delta", "echo"]),
])
def test_orderby(api, data, query, expected):
    assert names(api, f"Things?{query}") == expected


def test_orderby_id(api, data):
    ids = [t["@iot.id"] for t in api.get_json("Things?$orderby=id desc")["value"]]
    assert ids == sorted(data["things"].values(), reverse=True)


def test_orderby_two_keys_on_observations(api, data):
    o = data["obs"]
    assert obs_ids(api, "$orderby=result desc,phenomenonTime asc", data) == [o[0], o[2], o[1], o[3]]
    assert obs_ids(api, "$orderby=result,phenomenonTime desc", data) == [o[3], o[1], o[2], o[0]]


def test_nulls_first_ascending_last_descending(api, data):
    # §9.3.3.1: "Null values SHALL come before non-null values when sorting in
    # ascending order and after non-null values when sorting in descending order."
    o = data["obs"]
    assert obs_ids(api, "$orderby=resultTime,id", data) == [o[0], o[2], o[3], o[1]]
    assert obs_ids(api, "$orderby=resultTime desc,id", data) == [o[1], o[3], o[0], o[2]]


# ---------------------------------------------------------------- $select


def assert_only(entity, properties, allowed_annotations=("@iot.id", "@iot.selfLink")):
    plain = {key for key in entity if "@" not in key}
    assert plain == set(properties), entity
    extra = {key for key in entity if "@" in key} - set(allowed_annotations)
    assert not extra, f"unexpected {extra} in {entity}"


def test_select_properties(api, data):
    for entity in api.get_json("Things?$select=name,description")["value"]:
        assert_only(entity, ["name", "description"])
        assert entity["description"] == DESCRIPTIONS[entity["name"]]


def test_select_id(api, data):
    for entity in api.get_json("Things?$select=id,name")["value"]:
        assert_only(entity, ["name"])
        assert entity["@iot.id"] == data["things"][entity["name"]]


def test_select_on_an_entity(api, data):
    tid = data["things"]["bravo"]
    assert_only(api.get_json(f"Things({tid})?$select=description"), ["description"])


def test_select_a_navigation_property_gives_its_link(api, data):
    tid = data["things"]["alpha"]
    entity = api.get_json(f"Things({tid})?$select=Datastreams")
    assert_only(entity, [], ("@iot.id", "@iot.selfLink", "Datastreams@iot.navigationLink"))
    assert entity["Datastreams@iot.navigationLink"].endswith(f"Things({tid})/Datastreams")


def test_select_with_orderby_on_another_property(api, data):
    body = api.get_json("Things?$select=name&$orderby=description,name")
    assert [e["name"] for e in body["value"]] == ["bravo", "delta", "echo", "alpha", "charlie"]
    for entity in body["value"]:
        assert_only(entity, ["name"])


def test_select_on_a_navigation_collection(api, data):
    body = api.get_json(f"Datastreams({data['ds']})/Observations?$select=result,phenomenonTime&$orderby=phenomenonTime")
    assert [o["result"] for o in body["value"]] == [2, 1, 2, 1]
    for entity in body["value"]:
        assert_only(entity, ["result", "phenomenonTime"])
