"""`serve --demo`: gauges and rain sensors around Kiel with a week of observations;
and data that survives a restart."""

import math

import support as s

KIEL = (10.1228, 54.3233)   # lon, lat of the city centre
RADIUS_KM = 40


def distance_km(lon, lat):
    # Equirectangular approximation; plenty for tens of kilometres.
    x = math.radians(lon - KIEL[0]) * math.cos(math.radians((lat + KIEL[1]) / 2))
    y = math.radians(lat - KIEL[1])
    return 6371 * math.hypot(x, y)


def coordinates(geojson):
    """Every position of a GeoJSON geometry or Feature."""
    geometry = s.geometry_of(geojson)

    def walk(value):
        if isinstance(value, list) and value and isinstance(value[0], (int, float)):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)
    return list(walk(geometry["coordinates"]))


def test_demo_has_things_near_kiel(demo_api):
    things = demo_api.all("Things?$expand=Locations")
    near = []
    for thing in things:
        s.assert_entity(demo_api, thing, "Things")
        for loc in thing.get("Locations", []):
            if all(distance_km(lon, lat) < RADIUS_KM for lon, lat, *_ in coordinates(loc["location"])):
                near.append(thing["@iot.id"])
                break
    assert len(set(near)) >= 3, f"Things near Kiel: {near} of {len(things)}"


def test_demo_datastreams_have_last_weeks_observations(demo_api):
    datastreams = demo_api.all("Datastreams")
    assert datastreams, "the demo has no Datastreams"
    now = s.now()
    with_data = 0
    for ds in datastreams:
        s.assert_entity(demo_api, ds, "Datastreams")
        did = ds["@iot.id"]
        newest = demo_api.get_json(f"Datastreams({did})/Observations?$orderby=phenomenonTime desc&$top=1")["value"]
        if not newest:
            continue
        with_data += 1
        oldest = demo_api.get_json(f"Datastreams({did})/Observations?$orderby=phenomenonTime asc&$top=1")["value"]
        newest_end = s.parse_interval(newest[0]["phenomenonTime"])[1]
        oldest_start = s.parse_interval(oldest[0]["phenomenonTime"])[0]
        assert (now - newest_end).total_seconds() < 86400, f"Datastream {did}: newest {newest_end}"
        assert (newest_end - now).total_seconds() < 300, f"Datastream {did}: newest {newest_end} is in the future"
        assert (now - oldest_start).days <= 8, f"Datastream {did}: oldest {oldest_start}"
        assert (now - oldest_start).days >= 5, f"Datastream {did} does not cover about a week: {oldest_start}"
    assert with_data >= 3, f"only {with_data} Datastreams have observations"


def test_demo_entities_are_complete(demo_api):
    for set_name in s.ENTITY_SETS:
        for entity in demo_api.get_json(f"{set_name}?$top=5")["value"]:
            s.assert_entity(demo_api, entity, set_name)
            for field in s.MANDATORY[set_name]:
                assert field in entity, f"{set_name}: {entity}"


def test_demo_is_not_loaded_twice_and_data_survives_restart(tmp_path, start_server):
    first = start_server(tmp_path / "data", ["--demo"])
    counts = first.counts()
    extra = first.create_id("Things", s.thing("survivor"))
    assert first.server.stop() == 0

    second = start_server(tmp_path / "data", ["--demo"])
    after = second.counts()
    counts["Things"] += 1
    assert after == counts
    assert second.get_json(f"Things({extra})")["name"] == "survivor"
