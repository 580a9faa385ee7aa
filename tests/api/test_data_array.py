"""The data array extension (OGC 18-088 §13): $resultFormat=dataArray and /CreateObservations.

Runs on a server of its own so that /Observations holds only this module's data.
"""

import pytest

import support as s
from support import assert_error, describe, ref


@pytest.fixture(scope="module")
def api(fresh_api):
    return fresh_api


@pytest.fixture(scope="module")
def g(api):
    graph = s.Graph(api, 10.25, 54.25)
    graph.ds2 = graph.add_datastream()
    graph.foi = api.create_id("FeaturesOfInterest", s.feature())
    graph.rows = {}
    for ds, results in ((graph.datastream, [1.0, 2.0, 3.0]), (graph.ds2, [10.0, 20.0])):
        for minutes, result in enumerate(results):
            oid = graph.observe(s.at(minutes), result, datastream_id=ds, FeatureOfInterest=ref(graph.foi),
                                resultTime=s.at(minutes + 60))
            graph.rows[oid] = (ds, s.at(minutes), result)
    graph.op2 = api.create_id("ObservedProperties", s.observed_property())
    graph.multi = api.create_id("MultiDatastreams", s.multi_datastream(graph.thing, graph.sensor, [graph.op, graph.op2]))
    graph.multi_obs = api.create_id("Observations", s.observation(s.at(0), [1.5, 60], MultiDatastream=ref(graph.multi),
                                                                  FeatureOfInterest=ref(graph.foi)))
    return graph


def check_group(api, group, set_name, parent_id):
    link = group.get(f"{set_name[:-1]}@iot.navigationLink")
    assert isinstance(link, str) and link.endswith(f"{set_name}({parent_id})"), group
    components = group["components"]
    assert isinstance(components, list) and all(isinstance(c, str) for c in components), group
    rows = group["dataArray"]
    assert all(isinstance(row, list) and len(row) == len(components) for row in rows), group
    # dataArray@iot.count is not in §13's table; when given it must be right.
    if "dataArray@iot.count" in group:
        assert group["dataArray@iot.count"] == len(rows), group
    return [dict(zip(components, row)) for row in rows]


# ---------------------------------------------------------------- reading


def test_observations_of_a_datastream(api, g):
    body = api.get_json(f"Datastreams({g.datastream})/Observations?$resultFormat=dataArray")
    (group,) = body["value"]
    rows = check_group(api, group, "Datastreams", g.datastream)
    assert len(rows) == 3
    for row in rows:
        assert {"id", "phenomenonTime", "result"} <= set(row), row
        ds, phenomenon_time, result = g.rows[row["id"]]
        assert ds == g.datastream and row["result"] == result
        assert s.parse_time(row["phenomenonTime"]) == s.parse_time(phenomenon_time)


def test_select_chooses_the_components(api, g):
    body = api.get_json(f"Datastreams({g.datastream})/Observations?$resultFormat=dataArray"
                        "&$select=id,result,resultTime&$orderby=phenomenonTime desc")
    (group,) = body["value"]
    assert sorted(group["components"]) == ["id", "result", "resultTime"]
    rows = check_group(api, group, "Datastreams", g.datastream)
    assert [row["result"] for row in rows] == [3.0, 2.0, 1.0]
    assert [s.parse_time(row["resultTime"]) for row in rows] == [s.parse_time(s.at(m)) for m in (62, 61, 60)]


def test_all_observations_are_grouped_per_datastream(api, g):
    body = api.get_json("Observations?$resultFormat=dataArray&$count=true")
    assert body["@iot.count"] == 6
    by_parent = {}
    for group in body["value"]:
        if "MultiDatastream@iot.navigationLink" in group:
            rows = check_group(api, group, "MultiDatastreams", g.multi)
            by_parent.setdefault(("m", g.multi), []).extend(rows)
            continue
        link = group["Datastream@iot.navigationLink"]
        parent = g.datastream if link.endswith(f"Datastreams({g.datastream})") else g.ds2
        by_parent.setdefault(("d", parent), []).extend(check_group(api, group, "Datastreams", parent))
    assert len(body["value"]) == 3, body
    assert sorted(r["result"] for r in by_parent[("d", g.datastream)]) == [1.0, 2.0, 3.0]
    assert sorted(r["result"] for r in by_parent[("d", g.ds2)]) == [10.0, 20.0]
    assert [r["result"] for r in by_parent[("m", g.multi)]] == [[1.5, 60]]


def test_multi_datastream_observations(api, g):
    body = api.get_json(f"MultiDatastreams({g.multi})/Observations?$resultFormat=dataArray")
    (group,) = body["value"]
    (row,) = check_group(api, group, "MultiDatastreams", g.multi)
    assert row["result"] == [1.5, 60]


def test_feature_of_interest_is_given_by_id(api, g):
    # §13.1 makes components Observation property names; the FeatureOfInterest
    # is a link, so its component is the one CreateObservations takes (§13.2):
    # "FeatureOfInterest/id", with the ids -- never a column of nulls.
    body = api.get_json("Observations?$resultFormat=dataArray&$select=result,FeatureOfInterest")
    assert body["value"], body
    for group in body["value"]:
        assert group["components"] == ["result", "FeatureOfInterest/id"], group
        set_name = "MultiDatastreams" if "MultiDatastream@iot.navigationLink" in group else "Datastreams"
        parent = g.multi if set_name == "MultiDatastreams" else None
        link = group[f"{set_name[:-1]}@iot.navigationLink"]
        parent = parent or (g.datastream if link.endswith(f"({g.datastream})") else g.ds2)
        for row in check_group(api, group, set_name, parent):
            assert row["FeatureOfInterest/id"] == g.foi, row


@pytest.mark.parametrize("component", ["@iot.selfLink", "Datastream", "MultiDatastream"])
def test_select_of_what_is_no_component_is_400(api, g, component):
    body = assert_error(api.get(f"Observations?$resultFormat=dataArray&$select=result,{component}"), 400)
    assert component in body["message"], body
    assert "phenomenonTime" in body["message"] and "FeatureOfInterest" in body["message"], body


def test_top_and_next_link(api, g):
    path = f"Datastreams({g.datastream})/Observations?$resultFormat=dataArray&$top=2&$orderby=phenomenonTime"
    pages = api.pages(path)
    results = []
    for page in pages:
        for group in page["value"]:
            results.extend(row["result"] for row in check_group(api, group, "Datastreams", g.datastream))
    assert results == [1.0, 2.0, 3.0]
    assert len(pages) == 2


def test_expand_is_not_allowed(api, g):
    # §13.1: "The $expand query parameter is not allowed for dataArray requests."
    assert_error(api.get(f"Datastreams({g.datastream})/Observations?$resultFormat=dataArray&$expand=Datastream"), 400)


def test_unknown_result_format_is_400(api, g):
    assert_error(api.get("Observations?$resultFormat=spreadsheet"), 400)


# ---------------------------------------------------------------- CreateObservations


def test_create_observations(api, g):
    body = [
        {"Datastream": ref(g.datastream), "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
         "dataArray": [[s.at(100), 100.0, g.foi], [s.at(101), 101.0, g.foi]]},
        {"Datastream": ref(g.ds2), "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
         "dataArray": [[s.at(100), 200.0, g.foi], [s.at(101), 201.0, g.foi]]},
    ]
    response = api.post("CreateObservations", body)
    assert response.status_code == 201, describe(response)
    links = response.json()
    assert isinstance(links, list) and len(links) == 4, links
    expected = [(g.datastream, 100.0, s.at(100)), (g.datastream, 101.0, s.at(101)),
                (g.ds2, 200.0, s.at(100)), (g.ds2, 201.0, s.at(101))]
    for link, (ds, result, phenomenon_time) in zip(links, expected):
        assert link.startswith(api.base + "/Observations("), links
        obs = api.get_json(link)
        assert obs["result"] == result
        assert s.parse_time(obs["phenomenonTime"]) == s.parse_time(phenomenon_time)
        assert api.get_json(f"{link}/Datastream")["@iot.id"] == ds
        assert api.get_json(f"{link}/FeatureOfInterest")["@iot.id"] == g.foi
    for link in links:
        assert api.delete(link).status_code in (200, 204)


def test_create_observations_with_more_components(api, g):
    body = [{"Datastream": ref(g.ds2),
             "components": ["phenomenonTime", "resultTime", "result", "parameters"],
             "dataArray": [[s.at(300), s.at(301), 5.0, {"battery": 0.5}]]}]
    response = api.post("CreateObservations", body)
    assert response.status_code == 201, describe(response)
    (link,) = response.json()
    obs = api.get_json(link)
    assert s.parse_time(obs["resultTime"]) == s.parse_time(s.at(301))
    assert obs["parameters"] == {"battery": 0.5}
    # No FeatureOfInterest/id component: the feature comes from the Thing's Location.
    s.assert_same_point(api.get_json(f"{link}/FeatureOfInterest")["feature"], 10.25, 54.25)
    assert api.delete(link).status_code in (200, 204)


def test_a_bad_row_fails_alone(api, g):
    # §13.2: "In the case of the service having exceptions when creating individual
    # observation entities, instead of responding with URLs, the service must
    # specify "error" in the corresponding array element."
    before = api.count(f"Datastreams({g.ds2})/Observations")
    body = [{"Datastream": ref(g.ds2), "components": ["phenomenonTime", "result"],
             "dataArray": [[s.at(200), 1.0], ["not a time", 2.0], [s.at(202), 3.0]]}]
    response = api.post("CreateObservations", body)
    assert response.status_code == 201, describe(response)
    links = response.json()
    assert len(links) == 3 and links[1] == "error", links
    assert links[0] != "error" and links[2] != "error", links
    assert [api.get_json(links[0])["result"], api.get_json(links[2])["result"]] == [1.0, 3.0]
    assert api.count(f"Datastreams({g.ds2})/Observations") == before + 2
    for link in (links[0], links[2]):
        assert api.delete(link).status_code in (200, 204)


# Text a store might have to escape on its way in (a bulk format's field and
# line separators, its escape character and markers).
AWKWARD_TEXTS = ["back\\slash", "tab\there", "line\nbreak", "carriage\rreturn", "\\N", "\\.", "ends with \\",
                 "quote \" '", "ünïcødé ✓ 𝄞", "", "a,b;c|d"]


def test_create_observations_keeps_text_exactly(api, g):
    rows = [[s.at(400 + i), text, {"note": text, text: [text]}] for i, text in enumerate(AWKWARD_TEXTS)]
    body = [{"Datastream": ref(g.ds2), "components": ["phenomenonTime", "result", "parameters"], "dataArray": rows}]
    response = api.post("CreateObservations", body)
    assert response.status_code == 201, describe(response)
    links = response.json()
    assert len(links) == len(AWKWARD_TEXTS) and "error" not in links, links
    for link, text in zip(links, AWKWARD_TEXTS):
        obs = api.get_json(link)
        assert obs["result"] == text, (link, text)
        assert obs["parameters"] == {"note": text, text: [text]}, (link, text)
    for link in links:
        assert api.delete(link).status_code in (200, 204)


def test_many_rows_get_distinct_ids_in_row_order(api, g):
    rows = [[s.at(1000 + i), float(i)] for i in range(600)]
    body = [{"Datastream": ref(g.ds2), "components": ["phenomenonTime", "result"], "dataArray": rows}]
    response = api.post("CreateObservations", body)
    assert response.status_code == 201, describe(response)
    links = response.json()
    assert len(links) == 600 and "error" not in links
    ids = [int(link.rsplit("(", 1)[1].rstrip(")")) for link in links]
    assert ids == sorted(set(ids))
    for i in (0, 1, 299, 599):
        assert api.get_json(links[i])["result"] == float(i)
    for link in links:
        assert api.delete(link).status_code in (200, 204)


def test_rows_of_a_missing_datastream_fail(api, g):
    before = api.count("Observations")
    body = [{"Datastream": ref(987654321), "components": ["phenomenonTime", "result"],
             "dataArray": [[s.at(1), 1.0]]}]
    response = api.post("CreateObservations", body)
    if response.status_code == 201:
        assert response.json() == ["error"]
    else:
        assert_error(response, 400, 404)
    assert api.count("Observations") == before


MALFORMED = {
    "object": lambda ds: {"Datastream": ref(ds), "components": ["phenomenonTime", "result"], "dataArray": []},
    "no-result-component": lambda ds: [{"Datastream": ref(ds), "components": ["phenomenonTime"],
                                        "dataArray": [[s.at(1)]]}],
    "no-components": lambda ds: [{"Datastream": ref(ds), "dataArray": [[s.at(1), 1]]}],
    "no-datastream": lambda ds: [{"components": ["phenomenonTime", "result"], "dataArray": [[s.at(1), 1]]}],
    "rows-not-array": lambda ds: [{"Datastream": ref(ds), "components": ["phenomenonTime", "result"],
                                   "dataArray": "rows"}],
    "unknown-component": lambda ds: [{"Datastream": ref(ds), "components": ["phenomenonTime", "result", "colour"],
                                      "dataArray": [[s.at(1), 1, "red"]]}],
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_create_observations_is_400(api, g, case):
    before = api.count("Observations")
    assert_error(api.post("CreateObservations", MALFORMED[case](g.datastream)), 400)
    assert api.count("Observations") == before


def test_create_observations_of_another_media_type_is_415(api, g):
    before = api.count(f"Datastreams({g.datastream})/Observations")
    body = ('[{"Datastream": {"@iot.id": %d}, "components": ["result"], "dataArray": [[1.0]]}]'
            % g.datastream).encode()
    assert_error(api.post("CreateObservations", data=body, headers={"Content-Type": "text/csv"}), 415)
    assert api.count(f"Datastreams({g.datastream})/Observations") == before
