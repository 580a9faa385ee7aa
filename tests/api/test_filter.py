"""$filter through the API (OGC 18-088 §9.3.3.5, OData 4.0 URL conventions §5.1.1).

Runs on a server of its own: the module creates a small, known world of Things,
Locations, Datastreams and Observations and checks which entities each filter
returns. The examples of the standard's tables 22 and 23 are here, and an
injection suite that sends hostile text in every position and then proves the
data intact.
"""

from urllib.parse import quote

import pytest

import support as s
from support import assert_error, describe, ref


@pytest.fixture(scope="module")
def api(fresh_api):
    return fresh_api


@pytest.fixture(scope="module")
def world(api):
    kiel = api.create_id("Locations", s.location(10.13, 54.32, name="Kiel"))
    munich = api.create_id("Locations", s.location(11.58, 48.14, name="München"))
    gauge = api.create_id("Things", s.thing("Pegel Holtenau", description="Sensor Things",
                                            properties={"owner": "Stadt Kiel", "level": {"max": 7.5},
                                                        "tags": ["water", "tide"]},
                                            Locations=[ref(kiel)]))
    rain = api.create_id("Things", s.thing("Regen Gaarden", description="rain gauge",
                                           properties={"owner": "Stadtwerke", "level": {"max": "n/a"}},
                                           Locations=[ref(munich)]))
    bare = api.create_id("Things", s.thing("it's bare", description="  x  "))
    sensor = api.create_id("Sensors", s.sensor())
    op = api.create_id("ObservedProperties", s.observed_property())
    level = api.create_id("Datastreams", s.datastream(gauge, sensor, op, name="level",
                                                      unitOfMeasurement={"name": "centimetre", "symbol": "cm",
                                                                         "definition": "http://unitsofmeasure.org/ucum.html#cm"}))
    rainfall = api.create_id("Datastreams", s.datastream(rain, sensor, op, name="rainfall"))
    foi = api.create_id("FeaturesOfInterest", s.feature(10.13, 54.32, name="Holtenau"))
    rows = [("2025-11-18T10:00:00Z", 500.5, level), ("2025-11-18T11:00:00Z", 512, level),
            ("2025-11-18T12:00:00Z", "offline", level), ("2025-11-19T10:00:00Z", 3, rainfall),
            ("2025-11-19T11:00:00Z/2025-11-19T12:00:00Z", 0, rainfall)]
    obs = []
    for time, result, ds in rows:
        obs.append(api.create_id("Observations", s.observation(time, result, Datastream=ref(ds),
                                                                FeatureOfInterest=ref(foi))))
    return {"things": {"gauge": gauge, "rain": rain, "bare": bare}, "ds": {"level": level, "rain": rainfall},
            "obs": obs, "locations": {"kiel": kiel, "munich": munich}}


def ids(api, path, expression):
    sep = "&" if "?" in path else "?"
    return api.ids(f"{path}{sep}$filter={quote(expression, safe='')}")


def things(api, world, expression):
    by_id = {v: k for k, v in world["things"].items()}
    return sorted(by_id[i] for i in ids(api, "Things", expression))


def obs(api, world, expression):
    return [world["obs"].index(i) for i in ids(api, "Observations", expression)]


# ---- Operators (table 22) ----

@pytest.mark.parametrize("expression, expected", [
    ("result lt 10.00", [3, 4]),
    ("result gt 20.0", [0, 1]),
    ("result ge 512", [1]),
    ("result le 100", [3, 4]),
    ("result eq 'offline'", [2]),
    ("result ne 'offline'", [0, 1, 3, 4]),
    ("result le 3.5 and result gt 0", [3]),
    ("result gt 20 or result le 0", [0, 1, 4]),
    ("result add 5 gt 10", [0, 1]),
    ("result sub 5 gt 10", [0, 1]),
    ("result mul 2 gt 1000", [0, 1]),
    ("result div 2 gt 4", [0, 1]),
    ("result mod 2 eq 0", [1, 4]),
    ("(result sub 5) gt 10", [0, 1]),
])
def test_operators(api, world, expression, expected):
    assert obs(api, world, expression) == expected


def test_not(api, world):
    assert things(api, world, "not startswith(description,'Sensor')") == ["bare", "rain"]


def test_navigation_to_one(api, world):
    level = world["ds"]["level"]
    assert obs(api, world, f"Datastream/id eq {level}") == [0, 1, 2]
    assert obs(api, world, "Datastream/name eq 'rainfall'") == [3, 4]
    assert obs(api, world, "Datastream/Thing/properties/owner eq 'Stadt Kiel'") == [0, 1, 2]
    assert obs(api, world, "FeatureOfInterest/name eq 'Holtenau' and result gt 510") == [1]


def test_navigation_to_many_means_any(api, world):
    assert things(api, world, "Datastreams/name eq 'level'") == ["gauge"]
    assert things(api, world, "Datastreams/Observations/result eq 'offline'") == ["gauge"]
    assert things(api, world, "Datastreams/Observations/result gt 100") == ["gauge"]
    assert things(api, world, "Locations/name eq 'München'") == ["rain"]


def test_json_members(api, world):
    assert things(api, world, "properties/owner eq 'Stadtwerke'") == ["rain"]
    assert things(api, world, "properties/level/max gt 5") == ["gauge"]
    assert things(api, world, "properties/level/max eq 'n/a'") == ["rain"]
    assert things(api, world, "properties/tags/1 eq 'tide'") == ["gauge"]
    assert things(api, world, "properties/owner eq null") == ["bare"]
    assert things(api, world, "properties/owner ne 'Stadtwerke'") == ["bare", "gauge"]


def test_unit_of_measurement_members(api, world):
    assert ids(api, "Datastreams", "unitOfMeasurement/name eq 'centimetre'") == [world["ds"]["level"]]
    assert ids(api, "Datastreams", "unitOfMeasurement/name ne 'centimetre'") == [world["ds"]["rain"]]


# ---- Functions (table 23) ----

@pytest.mark.parametrize("expression, expected", [
    ("substringof('Sensor Things', description)", ["gauge"]),
    ("endswith(description, 'Things')", ["gauge"]),
    ("startswith(description, 'Sensor')", ["gauge"]),
    ("contains(name, 'Gaarden')", ["rain"]),
    ("length(description) eq 13", ["gauge"]),
    ("indexof(description, 'Things') eq 7", ["gauge"]),
    ("substring(description, 1) eq 'ensor Things'", ["gauge"]),
    ("substring(description, 2, 4) eq 'nsor'", ["gauge"]),
    ("tolower(description) eq 'sensor things'", ["gauge"]),
    ("toupper(description) eq 'SENSOR THINGS'", ["gauge"]),
    ("trim(description) eq 'x'", ["bare"]),
    ("concat(concat(name, ', '), description) eq 'Regen Gaarden, rain gauge'", ["rain"]),
    ("name eq 'it''s bare'", ["bare"]),
    ("toupper(Locations/name) eq 'MÜNCHEN'", ["rain"]),
])
def test_string_functions(api, world, expression, expected):
    assert things(api, world, expression) == expected


@pytest.mark.parametrize("expression, expected", [
    ("year(phenomenonTime) eq 2025", [0, 1, 2, 3, 4]),
    ("month(phenomenonTime) eq 11", [0, 1, 2, 3, 4]),
    ("day(phenomenonTime) eq 19", [3, 4]),
    ("hour(phenomenonTime) eq 11", [1, 4]),
    ("minute(phenomenonTime) eq 0", [0, 1, 2, 3, 4]),
    ("second(phenomenonTime) eq 0", [0, 1, 2, 3, 4]),
    ("fractionalseconds(phenomenonTime) eq 0", [0, 1, 2, 3, 4]),
    ("date(phenomenonTime) eq 2025-11-18", [0, 1, 2]),
    ("time(phenomenonTime) ge 11:00:00", [1, 2, 4]),
    ("totaloffsetminutes(phenomenonTime) eq 0", [0, 1, 2, 3, 4]),
    ("phenomenonTime lt now()", [0, 1, 2, 3, 4]),
    ("phenomenonTime gt mindatetime()", [0, 1, 2, 3, 4]),
    ("phenomenonTime lt maxdatetime()", [0, 1, 2, 3, 4]),
    ("phenomenonTime ge 2025-11-18T11:00:00Z and phenomenonTime lt 2025-11-19T10:00:00Z", [1, 2]),
    ("phenomenonTime ge 2025-11-18T12:00:00+01:00 and phenomenonTime le 2025-11-18", []),
    ("phenomenonTime ge 2025-11-18T12:00:00+01:00 and phenomenonTime le 2025-11-19", [1, 2]),
    # An interval compares by its ends: 11:00–12:00 is not before 11:30.
    ("phenomenonTime lt 2025-11-19T11:30:00Z", [0, 1, 2, 3]),
    ("phenomenonTime gt 2025-11-19T10:30:00Z", [4]),
    ("phenomenonTime eq 2025-11-19T11:00:00Z/2025-11-19T12:00:00Z", [4]),
])
def test_time_functions(api, world, expression, expected):
    assert obs(api, world, expression) == expected


@pytest.mark.parametrize("expression, expected", [
    ("round(result) eq 501", [0]),
    ("floor(result) eq 500", [0]),
    ("ceiling(result) eq 501", [0]),
    ("round(result) eq 3", [3]),
])
def test_math_functions(api, world, expression, expected):
    assert obs(api, world, expression) == expected


def test_geo_functions(api, world):
    box = "geography'POLYGON((9 53, 11 53, 11 55, 9 55, 9 53))'"
    assert things(api, world, f"st_within(Locations/location, {box})") == ["gauge"]
    assert things(api, world, f"geo.intersects(Locations/location, {box})") == ["gauge"]
    assert things(api, world, f"st_disjoint(Locations/location, {box})") == ["rain"]
    assert things(api, world, "geo.distance(Locations/location, geography'POINT(10.14 54.32)') lt 1000") == ["gauge"]
    assert things(api, world, "geo.distance(Locations/location, geometry'POINT(10.13 54.32)') lt 0.01") == ["gauge"]
    assert things(api, world, f"st_relate(Locations/location, {box}, 'T*F**F***')") == ["gauge"]
    locations = ids(api, "Locations", "st_equals(location, geography'POINT(11.58 48.14)')")
    assert locations == [world["locations"]["munich"]]
    assert ids(api, "Datastreams", f"st_intersects(observedArea, {box})") == [world["ds"]["level"],
                                                                               world["ds"]["rain"]]


# ---- Where $filter applies ----

def test_filter_on_navigation_collection(api, world):
    level = world["ds"]["level"]
    assert api.ids(f"Datastreams({level})/Observations?$filter=result gt 510") == [world["obs"][1]]


def test_filter_inside_expand(api, world):
    level = world["ds"]["level"]
    body = api.get_json(f"Datastreams({level})?$expand=Observations($filter=result ge 512 or result eq 'offline';"
                        "$select=result)")
    assert [o["result"] for o in body["Observations"]] == [512, "offline"]
    nested = api.get_json("Things?$filter=Datastreams/name eq 'level'&$expand=Datastreams($filter=name eq 'level';"
                          "$expand=Observations($filter=result lt 510))")
    assert [[[o["result"] for o in d["Observations"]] for d in t["Datastreams"]] for t in nested["value"]] \
        == [[[500.5]]]


def test_count_and_next_link_keep_the_filter(api, world):
    body = api.get_json("Observations?$filter=result gt 0&$count=true&$top=2")
    assert body["@iot.count"] == 3
    assert "@iot.nextLink" in body
    assert [o["@iot.id"] for p in api.pages("Observations?$filter=result gt 0&$top=2") for o in p["value"]] \
        == [world["obs"][0], world["obs"][1], world["obs"][3]]


def test_filter_with_data_array(api, world):
    body = api.get_json("Observations?$resultFormat=dataArray&$filter=result eq 'offline'&$select=result")
    assert body["value"][0]["dataArray"] == [["offline"]]


# ---- Errors ----

@pytest.mark.parametrize("expression, position", [
    ("name eq", 8),
    ("nope eq 1", 1),
    ("name eq 'unterminated", 9),
    ("(name eq 'a'", 13),
    ("name eq 1", 9),
    ("length(name, 2) eq 1", 1),
    ("name eq 'a' and", 16),
    ("geo.distance(name, Locations/location) lt 1", 14),
])
def test_bad_filter_is_400_with_position(api, world, expression, position):
    response = api.get(f"Things?$filter={quote(expression, safe='')}")
    body = assert_error(response, 400)
    assert f"at position {position}" in body["message"], describe(response)


def test_filter_depth_limit(api, world):
    deep = "(" * 200 + "true" + ")" * 200
    body = assert_error(api.get(f"Things?$filter={quote(deep, safe='')}"), 400)
    assert "nesting" in body["message"]


def test_other_reference_systems_are_400(api, world):
    response = api.get("Things?$filter=" + quote("st_within(Locations/location, geometry'SRID=3857;POINT(1 2)')"))
    assert "SRID" in assert_error(response, 400)["message"]


# ---- Injection ----

HOSTILE = [
    "'; DROP TABLE thing; --",
    "x') OR 1=1 --",
    "\" OR \"1\"=\"1",
    "/* */ UNION SELECT * FROM sqlite_master --",
    "; DELETE FROM observation;",
    "\\'",
    "%27 OR 1=1",
    "\u02bc OR 1=1",
    "\uff07 OR \uff071\uff07=\uff071",
    "?1 ?2 :x @y $z",
    "$.\"a\"",
    "NULL); DROP TABLE thing; SELECT (1",
    "\u0000",
]


def literal(text):
    return "'" + text.replace("'", "''") + "'"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_data(api, world, hostile):
    before = api.counts()
    lit = literal(hostile)
    for expression in [f"name eq {lit}", f"{lit} eq name", f"properties/owner eq {lit}",
                       f"contains(name, {lit})", f"startswith({lit}, name)", f"concat(name, {lit}) eq {lit}",
                       f"substring({lit}, 1) eq name", f"tolower({lit}) eq 'x'", f"Datastreams/name eq {lit}",
                       f"Locations/name eq {lit} or Datastreams/Observations/result eq {lit}",
                       f"properties/{hostile} eq 1", f"{hostile} eq 1", f"name eq {hostile}",
                       f"geo.distance(Locations/location, geography{lit}) lt 1"]:
        response = api.get("Things?$filter=" + quote(expression, safe=""))
        assert response.status_code in (200, 400), describe(response)
        if response.status_code == 200:
            assert response.json()["value"] == [], describe(response)
        else:
            assert response.json()["message"], describe(response)
    assert api.counts() == before
    assert api.get_json(f"Things({world['things']['gauge']})")["name"] == "Pegel Holtenau"


def test_filter_limits_are_configurable(start_server, tmp_path):
    config = tmp_path / "fundament.toml"
    config.write_text("[api]\nmax_filter_nodes = 10\nmax_filter_length = 64\nmax_filter_depth = 4\n")
    api = start_server(tmp_path / "data", ["--config", str(config)])
    assert api.get("Things?$filter=" + quote("id eq 1 or id eq 2")).status_code == 200
    body = assert_error(api.get("Things?$filter=" + quote("id eq 1 or id eq 2 or id eq 3 or id eq 4")), 400)
    assert "at most 10 nodes" in body["message"]
    body = assert_error(api.get("Things?$filter=" + quote("name eq '" + "x" * 80 + "'")), 400)
    assert "at most 64 bytes" in body["message"]
    body = assert_error(api.get("Things?$filter=" + quote("((((((id eq 1))))))")), 400)
    assert "at most 4 levels of nesting" in body["message"]
    # Inside $expand too.
    body = assert_error(api.get("Things?$expand=Datastreams($filter=" + quote("id eq 1 or id eq 2 or id eq 3 or id eq 4")
                                + ")"), 400)
    assert "at most 10 nodes" in body["message"]
