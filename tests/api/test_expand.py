"""$expand (OGC 18-088 §9.3.2.1): inline related entities, nested paths and options."""

from urllib.parse import urljoin

import pytest

import support as s
from support import assert_entity, assert_error, ref


@pytest.fixture(scope="module")
def g(api):
    graph = s.Graph(api, datastream_name="ds-a")
    graph.foi = api.create_id("FeaturesOfInterest", s.feature())
    graph.ds = {}
    graph.obs = {}
    graph.latest = {}
    for name, base in (("ds-a", 10.0), ("ds-b", 20.0)):
        did = graph.datastream if name == "ds-a" else graph.add_datastream(name=name)
        graph.ds[name] = did
        graph.obs[name] = [graph.observe(s.at(i), base + i, datastream_id=did, FeatureOfInterest=ref(graph.foi))
                           for i in range(3)]
        graph.latest[name] = graph.obs[name][-1]
    return graph


def test_expand_to_many(api, g):
    thing = api.get_json(f"Things({g.thing})?$expand=Datastreams")
    assert_entity(api, thing, "Things")
    expanded = thing["Datastreams"]
    assert sorted(ds["name"] for ds in expanded) == ["ds-a", "ds-b"]
    for ds in expanded:
        assert_entity(api, ds, "Datastreams")
        assert ds["unitOfMeasurement"] == s.CELSIUS


def test_expand_to_one(api, g):
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$expand=Thing")
    assert isinstance(ds["Thing"], dict)
    assert ds["Thing"]["@iot.id"] == g.thing
    assert_entity(api, ds["Thing"], "Things")


def test_expand_several(api, g):
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$expand=Observations,ObservedProperty")
    assert sorted(o["@iot.id"] for o in ds["Observations"]) == sorted(g.obs["ds-a"])
    assert ds["ObservedProperty"]["@iot.id"] == g.op


def test_expand_path(api, g):
    thing = api.get_json(f"Things({g.thing})?$expand=Datastreams/Observations")
    by_name = {ds["name"]: ds for ds in thing["Datastreams"]}
    for name in ("ds-a", "ds-b"):
        assert sorted(o["@iot.id"] for o in by_name[name]["Observations"]) == sorted(g.obs[name])


def test_expand_path_through_to_one(api, g):
    obs = api.get_json(f"Observations({g.obs['ds-a'][0]})?$expand=Datastream/Thing,FeatureOfInterest")
    assert obs["Datastream"]["@iot.id"] == g.ds["ds-a"]
    assert obs["Datastream"]["Thing"]["@iot.id"] == g.thing
    assert obs["FeatureOfInterest"]["@iot.id"] == g.foi


def test_expand_on_a_collection(api, g):
    body = api.get_json(f"Things({g.thing})/Datastreams?$expand=Sensor,ObservedProperty")
    assert len(body["value"]) == 2
    for ds in body["value"]:
        assert ds["Sensor"]["@iot.id"] == g.sensor
        assert ds["ObservedProperty"]["@iot.id"] == g.op


def test_expand_with_nested_options(api, g):
    query = ("$expand=Datastreams($select=name;$orderby=name desc;$top=1;"
             "$expand=Observations($orderby=phenomenonTime desc;$top=1))")
    thing = api.get_json(f"Things({g.thing})?{query}")
    assert len(thing["Datastreams"]) == 1
    ds = thing["Datastreams"][0]
    assert ds["name"] == "ds-b"
    assert "description" not in ds and "unitOfMeasurement" not in ds
    assert [o["@iot.id"] for o in ds["Observations"]] == [g.latest["ds-b"]]


def test_expand_with_the_standard_nested_example(api, g):
    # Without $orderby on the Datastreams either one may come first; the
    # Observation must be the latest of whichever it is.
    query = "$expand=Datastreams($select=name;$top=1;$expand=Observations($orderby=phenomenonTime desc;$top=1))"
    thing = api.get_json(f"Things({g.thing})?{query}")
    assert len(thing["Datastreams"]) == 1
    ds = thing["Datastreams"][0]
    assert ds["name"] in g.latest
    assert [o["@iot.id"] for o in ds["Observations"]] == [g.latest[ds["name"]]]
    assert "description" not in ds


def test_expand_select_inside(api, g):
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$expand=Observations($select=result;$orderby=result)")
    assert [o["result"] for o in ds["Observations"]] == [10.0, 11.0, 12.0]
    for obs in ds["Observations"]:
        assert {key for key in obs if "@" not in key} == {"result"}


def test_expand_filter_inside(api, g):
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$expand=Observations($filter=result eq 11.0)")
    assert [o["@iot.id"] for o in ds["Observations"]] == [g.obs["ds-a"][1]]


def test_limited_expanded_collection_has_count_and_next_link(api, g):
    did = g.ds["ds-a"]
    ds = api.get_json(f"Datastreams({did})?$expand=Observations($top=2;$count=true;$orderby=phenomenonTime)")
    assert [o["@iot.id"] for o in ds["Observations"]] == g.obs["ds-a"][:2]
    assert ds["Observations@iot.count"] == 3
    next_link = ds["Observations@iot.nextLink"]
    rest = api.all(urljoin(api.url(f"Datastreams({did})"), next_link))
    assert [o["@iot.id"] for o in rest] == g.obs["ds-a"][2:]


def test_unlimited_expanded_collection_has_no_next_link(api, g):
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$expand=Observations")
    assert "Observations@iot.nextLink" not in ds


def test_select_keeps_expanded_navigation(api, g):
    # §9.3.2.2: "Expanded items are implicitly selected".
    ds = api.get_json(f"Datastreams({g.ds['ds-a']})?$select=id&$expand=Observations/FeatureOfInterest")
    assert ds["@iot.id"] == g.ds["ds-a"]
    assert "name" not in ds
    assert {o["FeatureOfInterest"]["@iot.id"] for o in ds["Observations"]} == {g.foi}


@pytest.mark.parametrize("query", ["$expand=Nope", "$expand=Datastreams/Nope", "$expand=Datastreams($top=x)",
                                   "$expand=Datastreams($select=nope)", "$expand=Datastreams(", "$expand=Thing"])
def test_invalid_expand_is_400(api, g, query):
    assert_error(api.get(f"Things({g.thing})?{query}"), 400)
