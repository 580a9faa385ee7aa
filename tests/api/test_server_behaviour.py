"""What the server does on its own: HistoricalLocations, derived FeaturesOfInterest,
default times, and the Datastream's phenomenonTime (OGC 18-088 §8.2, §10.2)."""

import re

import pytest

import support as s
from support import assert_error, ref

CLOCK_SKEW_S = 300


def assert_recent(text):
    delta = abs((s.parse_time(text) - s.now()).total_seconds())
    assert delta < CLOCK_SKEW_S, f"{text} is not the current time"


# ---------------------------------------------------------------- HistoricalLocations


def test_thing_created_with_a_new_location_gets_a_historical_location(api):
    tid = api.create_id("Things", s.thing(Locations=[s.location(10.1, 54.3, name="hl-new")]))
    history = api.get_json(f"Things({tid})/HistoricalLocations")["value"]
    assert len(history) == 1
    s.assert_entity(api, history[0], "HistoricalLocations")
    assert_recent(history[0]["time"])
    (lid,) = api.ids(f"Things({tid})/Locations")
    assert api.ids(f"HistoricalLocations({history[0]['@iot.id']})/Locations") == [lid]
    assert api.get_json(f"HistoricalLocations({history[0]['@iot.id']})/Thing")["@iot.id"] == tid
    assert history[0]["@iot.id"] in api.ids(f"Locations({lid})/HistoricalLocations")


def test_thing_linked_to_an_existing_location_gets_a_historical_location(api):
    lid = api.create_id("Locations", s.location())
    tid = api.create_id("Things", s.thing(Locations=[ref(lid)]))
    (hid,) = api.ids(f"Things({tid})/HistoricalLocations")
    assert api.ids(f"HistoricalLocations({hid})/Locations") == [lid]


def test_thing_without_location_has_no_history(api):
    tid = api.create_id("Things", s.thing())
    assert api.ids(f"Things({tid})/HistoricalLocations") == []


def test_location_created_for_a_thing_adds_history(api):
    tid = api.create_id("Things", s.thing())
    lid = api.create_id(f"Things({tid})/Locations", s.location(10.2, 54.2))
    assert lid in api.ids(f"Things({tid})/Locations")
    (hid,) = api.ids(f"Things({tid})/HistoricalLocations")
    assert api.ids(f"HistoricalLocations({hid})/Locations") == [lid]


def test_location_created_with_a_link_to_a_thing_adds_history(api):
    tid = api.create_id("Things", s.thing())
    lid = api.create_id("Locations", s.location(Things=[ref(tid)]))
    assert api.ids(f"Things({tid})/Locations") == [lid]
    assert len(api.ids(f"Things({tid})/HistoricalLocations")) == 1


def test_newer_manual_historical_location_moves_the_thing(api):
    # Req create-update-delete/historical-location-manual-creation.
    first = api.create_id("Locations", s.location(10.0, 54.0))
    second = api.create_id("Locations", s.location(10.6, 54.6))
    tid = api.create_id("Things", s.thing(Locations=[ref(first)]))
    future = s.iso(s.now().replace(microsecond=0) + s.dt.timedelta(days=1))
    api.create_id("HistoricalLocations", {"time": future, "Thing": ref(tid), "Locations": [ref(second)]})
    assert api.ids(f"Things({tid})/Locations") == [second]


def test_older_manual_historical_location_leaves_the_thing(api):
    first = api.create_id("Locations", s.location(10.0, 54.0))
    second = api.create_id("Locations", s.location(10.6, 54.6))
    tid = api.create_id("Things", s.thing(Locations=[ref(first)]))
    api.create_id("HistoricalLocations", {"time": "2001-01-01T00:00:00Z", "Thing": ref(tid),
                                          "Locations": [ref(second)]})
    assert api.ids(f"Things({tid})/Locations") == [first]
    assert len(api.ids(f"Things({tid})/HistoricalLocations")) == 2


# ---------------------------------------------------------------- FeatureOfInterest


def test_observation_without_feature_gets_one_from_the_location(api):
    g = s.Graph(api, 10.125, 54.375)
    before = api.count("FeaturesOfInterest")
    first = g.observe(s.at(0), 1.0)
    foi = api.get_json(f"Observations({first})/FeatureOfInterest")
    s.assert_entity(api, foi, "FeaturesOfInterest")
    assert foi["encodingType"] == s.GEOJSON
    s.assert_same_point(foi["feature"], 10.125, 54.375)
    assert isinstance(foi["name"], str) and isinstance(foi["description"], str)
    assert api.count("FeaturesOfInterest") == before + 1

    # A second Observation, also of another Datastream of the Thing, reuses it.
    second = g.observe(s.at(1), 2.0)
    third = g.observe(s.at(2), 3.0, datastream_id=g.add_datastream())
    for obs in (second, third):
        assert api.get_json(f"Observations({obs})/FeatureOfInterest")["@iot.id"] == foi["@iot.id"]
    assert api.count("FeaturesOfInterest") == before + 1


def test_thing_that_moved_gets_a_new_feature(api):
    g = s.Graph(api, 10.0, 54.0)
    first = g.observe(s.at(0), 1.0)
    old_foi = api.get_json(f"Observations({first})/FeatureOfInterest")["@iot.id"]
    moved = api.create_id("Locations", s.location(10.875, 54.625))
    assert api.patch(f"Things({g.thing})", {"Locations": [ref(moved)]}).status_code in (200, 204)
    later = g.observe(s.at(1), 2.0)
    foi = api.get_json(f"Observations({later})/FeatureOfInterest")
    assert foi["@iot.id"] != old_foi
    s.assert_same_point(foi["feature"], 10.875, 54.625)


def test_observation_without_feature_of_a_thing_without_location_is_400(api):
    g = s.Graph(api, with_location=False)
    before = api.count("Observations")
    body = s.observation(s.at(0), 1.0, Datastream=ref(g.datastream))
    assert_error(api.post("Observations", body), 400)
    assert api.count("Observations") == before


# ---------------------------------------------------------------- default times


def test_observation_without_phenomenon_time_gets_now(api):
    g = s.Graph(api)
    obs = api.create("Observations", s.observation(None, 5.0, Datastream=ref(g.datastream)))
    assert_recent(obs["phenomenonTime"])
    assert_recent(api.get_json(f"Observations({obs['@iot.id']})")["phenomenonTime"])


def test_server_made_times_are_written_like_client_times(api):
    # One format for every time in answers: a client-sent time comes back with
    # milliseconds, and so must the times the server makes (a HistoricalLocation's
    # time, a default phenomenonTime), or clients see two formats for one field.
    g = s.Graph(api)
    client = api.create("Observations", s.observation("2024-05-01T10:00:00Z", 1.0, Datastream=ref(g.datastream)))
    assert client["phenomenonTime"] == "2024-05-01T10:00:00.000Z", client
    server_made = [api.create("Observations", s.observation(None, 2.0, Datastream=ref(g.datastream)))["phenomenonTime"]]
    for _ in range(5):
        tid = api.create_id("Things", s.thing(Locations=[ref(g.location)]))
        server_made += [h["time"] for h in api.get_json(f"Things({tid})/HistoricalLocations")["value"]]
    for text in server_made:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text), f"{text}: not milliseconds"


def test_result_time_is_null_when_omitted(api):
    g = s.Graph(api)
    obs = api.create("Observations", s.observation(s.at(0), 5.0, Datastream=ref(g.datastream)))
    assert obs.get("resultTime") is None
    assert api.get_json(f"Observations({obs['@iot.id']})").get("resultTime") is None


# ---------------------------------------------------------------- Datastream phenomenonTime


def phenomenon_time(api, did):
    return api.get_json(f"Datastreams({did})").get("phenomenonTime")


def test_datastream_without_observations_has_no_phenomenon_time(api):
    g = s.Graph(api)
    assert phenomenon_time(api, g.datastream) is None


def test_datastream_phenomenon_time_spans_its_observations(api):
    g = s.Graph(api)
    for minutes in (30, 10, 20):
        g.observe(s.at(minutes), float(minutes))
    assert s.parse_interval(phenomenon_time(api, g.datastream)) == (s.parse_time(s.at(10)), s.parse_time(s.at(30)))

    # An Observation whose phenomenonTime is an interval widens the span to its end.
    g.observe(f"{s.at(5)}/{s.at(45)}", 1.0)
    assert s.parse_interval(phenomenon_time(api, g.datastream)) == (s.parse_time(s.at(5)), s.parse_time(s.at(45)))


def test_datastream_phenomenon_time_follows_deletes_and_updates(api):
    g = s.Graph(api)
    first = g.observe(s.at(0), 1.0)
    g.observe(s.at(10), 2.0)
    last = g.observe(s.at(20), 3.0)
    assert api.delete(f"Observations({last})").status_code in (200, 204)
    assert s.parse_interval(phenomenon_time(api, g.datastream)) == (s.parse_time(s.at(0)), s.parse_time(s.at(10)))
    assert api.patch(f"Observations({first})", {"phenomenonTime": s.at(-10)}).status_code in (200, 204)
    assert s.parse_interval(phenomenon_time(api, g.datastream)) == (s.parse_time(s.at(-10)), s.parse_time(s.at(10)))


@pytest.mark.parametrize("via", ["Observations", "Datastreams({ds})/Observations"])
def test_phenomenon_time_is_maintained_whichever_way_observations_arrive(api, via):
    g = s.Graph(api)
    body = s.observation(s.at(7), 1.0)
    if via == "Observations":
        body["Datastream"] = ref(g.datastream)
    api.create_id(via.format(ds=g.datastream), body)
    assert s.parse_interval(phenomenon_time(api, g.datastream)) == (s.parse_time(s.at(7)), s.parse_time(s.at(7)))
