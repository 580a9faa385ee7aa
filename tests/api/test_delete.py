"""Deleting entities (OGC 18-088 §10.4) and the cascades of Table 25."""

import pytest

import support as s
from support import assert_error, describe, ref

MISSING_ID = 987654321


class Full:
    """Every kind of entity, linked: a Thing at a Location (with its HistoricalLocation),
    a Datastream and a MultiDatastream with Observations on two FeaturesOfInterest."""

    def __init__(self, api):
        self.api = api
        g = s.Graph(api)
        self.thing, self.location, self.sensor, self.op, self.datastream = \
            g.thing, g.location, g.sensor, g.op, g.datastream
        (self.history,) = api.ids(f"Things({self.thing})/HistoricalLocations")
        self.foi1 = api.create_id("FeaturesOfInterest", s.feature())
        self.foi2 = api.create_id("FeaturesOfInterest", s.feature())
        self.obs1 = g.observe(s.at(1), 1.0, FeatureOfInterest=ref(self.foi1))
        self.obs2 = g.observe(s.at(2), 2.0, FeatureOfInterest=ref(self.foi2))
        self.obs3 = g.observe(s.at(3), 3.0, FeatureOfInterest=ref(self.foi1))
        self.multi = api.create_id("MultiDatastreams", s.multi_datastream(self.thing, self.sensor, [self.op]))
        self.multi_obs = api.create_id("Observations", s.observation(
            s.at(4), [4.0], MultiDatastream=ref(self.multi), FeatureOfInterest=ref(self.foi2)))

    ENTITIES = {
        "thing": "Things", "location": "Locations", "history": "HistoricalLocations",
        "sensor": "Sensors", "op": "ObservedProperties", "datastream": "Datastreams",
        "multi": "MultiDatastreams", "foi1": "FeaturesOfInterest", "foi2": "FeaturesOfInterest",
        "obs1": "Observations", "obs2": "Observations", "obs3": "Observations", "multi_obs": "Observations",
    }

    def delete(self, attr):
        response = self.api.delete(f"{self.ENTITIES[attr]}({getattr(self, attr)})")
        assert response.status_code in (200, 204), describe(response)

    def check(self, gone, kept):
        for attr in gone:
            assert not self.api.exists(self.ENTITIES[attr], getattr(self, attr)), f"{attr} should be deleted"
        for attr in kept:
            assert self.api.exists(self.ENTITIES[attr], getattr(self, attr)), f"{attr} should remain"


@pytest.fixture
def full(api):
    return Full(api)


def test_delete_thing(api, full):
    full.delete("thing")
    full.check(gone=["thing", "datastream", "obs1", "obs2", "obs3", "history", "multi", "multi_obs"],
               kept=["location", "sensor", "op", "foi1", "foi2"])
    assert full.thing not in api.ids(f"Locations({full.location})/Things")


def test_delete_location(api, full):
    full.delete("location")
    full.check(gone=["location", "history"],
               kept=["thing", "datastream", "obs1", "sensor", "op", "foi1", "multi"])
    assert api.ids(f"Things({full.thing})/Locations") == []


def test_delete_datastream(api, full):
    full.delete("datastream")
    full.check(gone=["datastream", "obs1", "obs2", "obs3"],
               kept=["thing", "location", "history", "sensor", "op", "foi1", "foi2", "multi", "multi_obs"])
    assert api.ids(f"Things({full.thing})/Datastreams") == []


def test_delete_sensor(api, full):
    full.delete("sensor")
    full.check(gone=["sensor", "datastream", "obs1", "obs2", "obs3"],
               kept=["thing", "location", "history", "op", "foi1", "foi2"])


def test_delete_observed_property(api, full):
    full.delete("op")
    full.check(gone=["op", "datastream", "obs1", "obs2", "obs3"],
               kept=["thing", "location", "history", "sensor", "foi1", "foi2"])


def test_delete_feature_of_interest(api, full):
    full.delete("foi1")
    full.check(gone=["foi1", "obs1", "obs3"],
               kept=["foi2", "obs2", "multi_obs", "datastream", "thing", "sensor", "op"])
    assert api.ids(f"Datastreams({full.datastream})/Observations") == [full.obs2]


def test_delete_observation(api, full):
    full.delete("obs2")
    full.check(gone=["obs2"], kept=["obs1", "obs3", "datastream", "foi2", "multi_obs"])


def test_delete_historical_location(api, full):
    full.delete("history")
    full.check(gone=["history"], kept=["thing", "location"])


def test_delete_multi_datastream(api, full):
    full.delete("multi")
    full.check(gone=["multi", "multi_obs"], kept=["thing", "sensor", "op", "foi2", "datastream", "obs2"])


def test_delete_twice_is_404(api):
    sid = api.create_id("Sensors", s.sensor())
    assert api.delete(f"Sensors({sid})").status_code in (200, 204)
    assert_error(api.delete(f"Sensors({sid})"), 404)


@pytest.mark.parametrize("set_name", s.ENTITY_SETS)
def test_delete_missing_is_404(api, set_name):
    assert_error(api.delete(f"{set_name}({MISSING_ID})"), 404)


def test_deleted_entity_disappears_from_collections(api):
    tid = api.create_id("Things", s.thing())
    newest = "Things?$orderby=id desc&$top=20"
    assert tid in [e["@iot.id"] for e in api.get_json(newest)["value"]]
    assert api.delete(f"Things({tid})").status_code in (200, 204)
    assert tid not in [e["@iot.id"] for e in api.get_json(newest)["value"]]
