"""Server-driven paging (OGC 18-088 §9.3.3.7, @iot.nextLink) and client-driven $top/$skip.

Runs on a server of its own so that whole entity sets can be counted.
"""

from urllib.parse import quote, urljoin

import pytest

import support as s
from support import ref

N_OBSERVATIONS = 250


@pytest.fixture(scope="module")
def api(fresh_api):
    return fresh_api


@pytest.fixture(scope="module")
def data(api):
    things = [api.create_id("Things", s.thing(f"thing-{i}")) for i in range(5)]
    sensor = api.create_id("Sensors", s.sensor())
    op = api.create_id("ObservedProperties", s.observed_property())
    foi = api.create_id("FeaturesOfInterest", s.feature())
    # One deep insert writes all observations in one request.
    body = s.datastream(things[0], sensor, op, Observations=[
        s.observation(s.at(i), i, FeatureOfInterest=ref(foi)) for i in range(N_OBSERVATIONS)])
    ds = api.create_id("Datastreams", body)
    return {"things": things, "ds": ds}


def collect(api, path):
    pages = api.pages(path)
    for page in pages[:-1]:
        assert page["value"], f"a page with a nextLink must not be empty: {page}"
        assert "@iot.nextLink" in page
    assert "@iot.nextLink" not in pages[-1]
    return pages, [o.get("@iot.id") for page in pages for o in page["value"]]


def test_following_next_links_yields_every_entity_once(api, data):
    pages, ids = collect(api, f"Datastreams({data['ds']})/Observations")
    assert len(ids) == N_OBSERVATIONS
    assert len(set(ids)) == N_OBSERVATIONS


def test_server_pages_large_collections(api, data):
    # The standard lets a server page; this server's default page (100) is
    # smaller than this collection, so the first answer must be partial and say so.
    first = api.get_json(f"Datastreams({data['ds']})/Observations")
    assert len(first["value"]) < N_OBSERVATIONS
    assert "@iot.nextLink" in first


def test_next_link_is_absolute(api, data):
    first = api.get_json(f"Datastreams({data['ds']})/Observations")
    assert first["@iot.nextLink"].startswith(api.base + "/"), first["@iot.nextLink"]


def test_pages_keep_the_order(api, data):
    pages, ids = collect(api, f"Datastreams({data['ds']})/Observations?$orderby=phenomenonTime desc")
    results = [o["result"] for page in pages for o in page["value"]]
    assert results == list(range(N_OBSERVATIONS - 1, -1, -1))


def test_pages_keep_select_and_count(api, data):
    pages, _ = collect(api, f"Datastreams({data['ds']})/Observations?$select=result&$count=true&$orderby=result")
    assert pages[0]["@iot.count"] == N_OBSERVATIONS
    values = [o for page in pages for o in page["value"]]
    assert [o["result"] for o in values] == list(range(N_OBSERVATIONS))
    for obs in values:
        assert {key for key in obs if "@" not in key} == {"result"}


def test_top_smaller_than_the_collection_pages_through_it(api, data):
    # §9.3.3.7: a response with only part of the requested items carries a nextLink;
    # as in the standard's examples (…?$skip=2&$top=2) the next page keeps $top.
    pages, ids = collect(api, "Things?$top=2&$orderby=id")
    assert [len(page["value"]) for page in pages] == [2, 2, 1]
    assert ids == sorted(data["things"])


def test_top_equal_to_the_rest_has_no_next_link(api, data):
    body = api.get_json("Things?$top=2&$skip=3")
    assert len(body["value"]) == 2 and "@iot.nextLink" not in body


def test_top_zero_has_no_next_link(api, data):
    # $top=0 asks for no entities; a nextLink would name the same empty page
    # again, and a client following nextLinks would never stop.
    body = api.get_json("Things?$top=0&$count=true")
    assert body["value"] == [] and body["@iot.count"] == 5, body
    assert "@iot.nextLink" not in body, body
    ds = api.get_json(f"Datastreams({data['ds']})?$expand=Observations($top=0;$count=true)")
    assert ds["Observations"] == [] and ds["Observations@iot.count"] == N_OBSERVATIONS, ds
    assert "Observations@iot.nextLink" not in ds, ds


def test_top_above_the_maximum_is_capped_not_refused(api, data):
    path = f"Datastreams({data['ds']})/Observations?$top=100000000&$orderby=result"
    first = api.get(path)
    assert first.status_code == 200, s.describe(first)
    assert first.json()["value"], first.text
    _, ids = collect(api, path)
    assert len(ids) == N_OBSERVATIONS and len(set(ids)) == N_OBSERVATIONS


def test_next_link_of_expanded_collection_continues_it(api, data):
    ds = api.get_json(f"Datastreams({data['ds']})?$expand=Observations($orderby=result;$top=100)")
    assert [o["result"] for o in ds["Observations"]] == list(range(100))
    rest_url = urljoin(api.url(f"Datastreams({data['ds']})"), ds["Observations@iot.nextLink"])
    rest = api.all(rest_url)
    assert [o["result"] for o in rest] == list(range(100, N_OBSERVATIONS))


def test_next_link_of_expanded_collection_keeps_its_order_and_select(api, data):
    # The nextLink of an expanded collection continues *that* collection: with
    # the order, selection and count it was expanded with (§9.3.3.7).
    ds = api.get_json(f"Datastreams({data['ds']})?$expand=Observations("
                      "$orderby=result desc;$top=100;$select=result;$count=true)")
    first = ds["Observations"]
    assert [o["result"] for o in first] == list(range(N_OBSERVATIONS - 1, N_OBSERVATIONS - 101, -1))
    rest_url = urljoin(api.url(f"Datastreams({data['ds']})"), ds["Observations@iot.nextLink"])
    pages = api.pages(rest_url)
    assert pages[0]["@iot.count"] == N_OBSERVATIONS
    rest = [o for page in pages for o in page["value"]]
    assert [o["result"] for o in rest] == list(range(N_OBSERVATIONS - 101, -1, -1))
    for obs in rest:
        assert {key for key in obs if "@" not in key} == {"result"}


def test_next_link_of_expanded_collection_keeps_nested_expand(api, data):
    ds = api.get_json(f"Datastreams({data['ds']})?$expand=Observations("
                      "$top=100;$orderby=phenomenonTime desc,id;$expand=FeatureOfInterest($select=name))")
    rest_url = urljoin(api.url(f"Datastreams({data['ds']})"), ds["Observations@iot.nextLink"])
    rest = api.all(rest_url)
    assert [o["result"] for o in rest] == list(range(N_OBSERVATIONS - 101, -1, -1))
    for obs in rest:
        assert set(obs["FeatureOfInterest"]) == {"name"}, obs


def test_next_link_of_expanded_collection_keeps_its_filter(api, data):
    # The filter travels in the nextLink encoded, whatever characters it holds.
    expand = quote("Observations($filter=result ge 10 and 'a&b+c%d#e' ne 'x';$orderby=result;$top=100)")
    ds = api.get_json(f"Datastreams({data['ds']})?$expand={expand}")
    assert [o["result"] for o in ds["Observations"]] == list(range(10, 110))
    rest_url = urljoin(api.url(f"Datastreams({data['ds']})"), ds["Observations@iot.nextLink"])
    assert [o["result"] for o in api.all(rest_url)] == list(range(110, N_OBSERVATIONS))
