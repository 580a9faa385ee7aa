"""$expand on the entities of a collection (OGC 18-088 §9.3.2.1): every entity
gets its own expansion, paged, counted, filtered and ordered as if it were
expanded alone, also when nested and across many entities."""

from urllib.parse import urljoin

import pytest

import support as s
from support import ref


@pytest.fixture(scope="module")
def g(api):
    """One Thing with four Datastreams of 0, 1, 3 and 5 Observations (results
    1…n, written out of time order), and two more Things sharing Locations."""
    graph = s.Graph(api, datastream_name="n0")
    graph.ds = {0: graph.datastream}
    graph.obs = {0: []}  # in phenomenonTime order
    for n in (1, 3, 5):
        did = graph.add_datastream(name=f"n{n}")
        graph.ds[n] = did
        minutes = list(range(n))
        minutes = minutes[1::2] + minutes[0::2]
        created = {m: graph.observe(s.at(m), float(m + 1), datastream_id=did) for m in minutes}
        graph.obs[n] = [created[m] for m in sorted(created)]
    graph.loc2 = api.create_id("Locations", s.location(11.0, 54.0))
    graph.thing2 = api.create_id("Things", s.thing(Locations=[ref(graph.location), ref(graph.loc2)]))
    graph.thing3 = api.create_id("Things", s.thing(Locations=[ref(graph.loc2)]))
    return graph


def streams(api, g, expand, extra=""):
    """The Thing's Datastreams in id order with `expand`, by number of Observations."""
    body = api.get_json(f"Things({g.thing})/Datastreams?$orderby=id&$expand={expand}{extra}")
    by_name = {ds["name"]: ds for ds in body["value"]}
    return {n: by_name[f"n{n}"] for n in g.ds}


def ids(entities):
    return [entity["@iot.id"] for entity in entities]


def test_each_entity_gets_its_own_expansion(api, g):
    got = streams(api, g, "Observations")
    for n, ds in got.items():
        assert ids(ds["Observations"]) == g.obs[n]
        assert "Observations@iot.nextLink" not in ds


def test_paging_and_count_apply_to_each_entity(api, g):
    got = streams(api, g, "Observations($top=2;$skip=1;$count=true;$orderby=phenomenonTime desc)")
    for n, ds in got.items():
        newest_first = list(reversed(g.obs[n]))
        assert ids(ds["Observations"]) == newest_first[1:3], n
        assert ds["Observations@iot.count"] == n
        if n > 3:
            rest = api.all(urljoin(api.url(f"Datastreams({g.ds[n]})"), ds["Observations@iot.nextLink"]))
            assert ids(rest) == newest_first[3:]
        else:
            assert "Observations@iot.nextLink" not in ds


def test_newest_of_each(api, g):
    got = streams(api, g, "Observations($top=1;$orderby=phenomenonTime desc)")
    for n, ds in got.items():
        assert ids(ds["Observations"]) == g.obs[n][-1:]
        assert ("Observations@iot.nextLink" in ds) == (n > 1)


def test_filter_and_select_apply_to_each_entity(api, g):
    got = streams(api, g, "Observations($filter=result ge 2;$select=result;$orderby=result desc;$count=true)")
    for n, ds in got.items():
        assert [o["result"] for o in ds["Observations"]] == [float(r) for r in range(n, 1, -1)]
        assert ds["Observations@iot.count"] == max(n - 1, 0)
        for obs in ds["Observations"]:
            assert {key for key in obs if "@" not in key} == {"result"}


def test_top_zero_counts_without_entities(api, g):
    got = streams(api, g, "Observations($top=0;$count=true)")
    for n, ds in got.items():
        assert ds["Observations"] == []
        assert ds["Observations@iot.count"] == n
        assert "Observations@iot.nextLink" not in ds


def test_expansion_equals_that_of_the_entity_alone(api, g):
    expand = ("Observations($top=2;$count=true;$orderby=result desc;$expand=Datastream($select=name)),"
              "Thing($expand=Locations($orderby=id))")
    got = streams(api, g, expand)
    for n, ds in got.items():
        alone = api.get_json(f"Datastreams({g.ds[n]})?$expand={expand}")
        assert ds == alone


def test_nested_expand_across_entities(api, g):
    query = (f"Things?$filter=id eq {g.thing} or id eq {g.thing2} or id eq {g.thing3}&$orderby=id"
             "&$expand=Locations($orderby=id;$count=true),"
             "Datastreams($orderby=name;$expand=Observations($top=1;$orderby=phenomenonTime desc;$count=true))")
    things = api.get_json(query)["value"]
    assert ids(things) == [g.thing, g.thing2, g.thing3]
    assert [ids(t["Locations"]) for t in things] == [[g.location], sorted([g.location, g.loc2]), [g.loc2]]
    assert [t["Locations@iot.count"] for t in things] == [1, 2, 1]
    first, second, third = things
    assert [ds["name"] for ds in first["Datastreams"]] == ["n0", "n1", "n3", "n5"]
    for ds in first["Datastreams"]:
        n = int(ds["name"][1:])
        assert ids(ds["Observations"]) == g.obs[n][-1:]
        assert ds["Observations@iot.count"] == n
    assert second["Datastreams"] == [] and third["Datastreams"] == []


def test_to_one_across_entities(api, g):
    body = api.get_json(f"Datastreams({g.ds[5]})/Observations?$orderby=id"
                        "&$expand=Datastream($select=name;$expand=Thing($select=id)),FeatureOfInterest($select=id)")
    assert len(body["value"]) == 5
    foi = {obs["FeatureOfInterest"]["@iot.id"] for obs in body["value"]}
    assert len(foi) == 1
    for obs in body["value"]:
        assert obs["Datastream"]["name"] == "n5"
        assert obs["Datastream"]["Thing"]["@iot.id"] == g.thing


def test_expanded_page_of_a_paged_collection(api, g):
    path = f"Things({g.thing})/Datastreams?$orderby=id&$top=3&$expand=Observations($orderby=phenomenonTime;$top=2)"
    pages = api.pages(path)
    assert len(pages) == 2
    got = [ds for page in pages for ds in page["value"]]
    assert ids(got) == [g.ds[n] for n in (0, 1, 3, 5)]
    for ds, n in zip(got, (0, 1, 3, 5)):
        assert ids(ds["Observations"]) == g.obs[n][:2]


def test_many_entities_each_expanded(api):
    # More Datastreams than one read of expansions takes at once.
    graph = s.Graph(api)
    streams_ = [s.datastream(sensor_id=graph.sensor, op_id=graph.op, name=f"many {i}",
                             Observations=[s.observation(s.at(i), float(i)),
                                           s.observation(s.at(i + 1), float(i + 1))])
                for i in range(260)]
    thing = api.create_id("Things", s.thing(Locations=[ref(graph.location)], Datastreams=streams_))
    body = api.get_json(f"Things({thing})/Datastreams?$orderby=id&$top=300"
                        "&$expand=Observations($orderby=phenomenonTime desc;$count=true)")
    assert len(body["value"]) == 260
    assert [ds["name"] for ds in body["value"]] == [f"many {i}" for i in range(260)]
    for i, ds in enumerate(body["value"]):
        assert [o["result"] for o in ds["Observations"]] == [float(i + 1), float(i)]
        assert ds["Observations@iot.count"] == 2


def test_expanded_collection_in_a_batch(api, g):
    # A GET inside a JSON batch (OData 4.01 JSON Format §19) answers as alone.
    path = (f"Things({g.thing})/Datastreams?$orderby=id"
            "&$expand=Observations($top=1;$orderby=phenomenonTime desc;$count=true)")
    response = api.post("$batch", {"requests": [{"id": "r1", "method": "GET", "url": path}]})
    assert response.status_code == 200, s.describe(response)
    (answer,) = response.json()["responses"]
    assert answer["status"] == 200, answer
    assert answer["body"] == api.get_json(path)
