"""Batch requests on /$batch: the multipart/mixed format of OGC 18-088 §11 (OData 4.0
§11.7) with change sets, and the JSON batch format of OData 4.01 (JSON Format §19)
with atomicity groups."""

import json
import re
import uuid
from types import SimpleNamespace

import pytest

import support as s
from support import assert_error, describe, ref

MISSING_ID = 987654321


# ---------------------------------------------------------------- JSON batch


def json_batch(api, requests_):
    response = api.post("$batch", {"requests": requests_})
    assert response.status_code == 200, describe(response)
    assert response.headers["Content-Type"].startswith("application/json"), describe(response)
    answers = response.json()["responses"]
    by_id = {answer["id"]: answer for answer in answers}
    assert sorted(by_id) == sorted(r["id"] for r in requests_), answers
    for request in requests_:
        answer = by_id[request["id"]]
        assert s.is_int(answer.get("status")), answer
        if "atomicityGroup" in request:
            assert answer.get("atomicityGroup") == request["atomicityGroup"], answer
    return by_id


def assert_created(answer):
    """The id of the entity a 201 answer created; it names it by body, location header or both."""
    assert answer["status"] == 201, answer
    location = (answer.get("headers") or {}).get("location")
    entity = answer.get("body")
    if entity:
        assert s.is_int(entity["@iot.id"]), answer
        if location:
            assert location == entity["@iot.selfLink"], answer
        return entity["@iot.id"]
    assert location, f"a created entity must be named by a body or a location header: {answer}"
    return int(re.search(r"\((\d+)\)$", location).group(1))


def test_json_batch_reads(api):
    g = s.Graph(api)
    answers = json_batch(api, [
        {"id": "r1", "method": "GET", "url": f"Things({g.thing})"},
        {"id": "r2", "method": "get", "url": f"/v1.1/Things({g.thing})?$select=name"},
        {"id": "r3", "method": "GET", "url": f"Things({MISSING_ID})"},
    ])
    assert answers["r1"]["status"] == 200 and answers["r1"]["body"]["@iot.id"] == g.thing
    s.assert_entity(api, answers["r1"]["body"], "Things")
    assert answers["r2"]["status"] == 200
    assert {k for k in answers["r2"]["body"] if "@" not in k} == {"name"}
    assert answers["r3"]["status"] == 404
    error = answers["r3"]["body"]
    assert error["code"] == 404 and error["message"], error


def test_json_batch_creates_with_references(api):
    thing_name = s.uniq("batch-thing")
    answers = json_batch(api, [
        {"id": "t1", "atomicityGroup": "g1", "method": "POST", "url": "Things", "body": s.thing(thing_name)},
        {"id": "s1", "atomicityGroup": "g1", "method": "POST", "url": "Sensors", "body": s.sensor("batch-sensor")},
        {"id": "d1", "atomicityGroup": "g1", "dependsOn": ["t1", "s1"], "method": "POST", "url": "Datastreams",
         "body": s.datastream(name="batch-ds", Thing={"@iot.id": "$t1"}, Sensor={"@iot.id": "$s1"},
                              ObservedProperty=s.observed_property())},
        {"id": "l1", "atomicityGroup": "g1", "dependsOn": ["t1"], "method": "POST", "url": "$t1/Locations",
         "body": s.location(10.0, 54.5, name="batch-location")},
    ])
    tid, sid, did, lid = (assert_created(answers[i]) for i in ("t1", "s1", "d1", "l1"))
    assert api.get_json(f"Things({tid})")["name"] == thing_name
    assert api.ids(f"Things({tid})/Datastreams") == [did]
    assert api.get_json(f"Datastreams({did})/Sensor")["@iot.id"] == sid
    assert api.ids(f"Things({tid})/Locations") == [lid]
    assert len(api.ids(f"Things({tid})/HistoricalLocations")) == 1


def test_json_batch_failing_atomicity_group_commits_nothing(api):
    g = s.Graph(api)
    before = api.counts()
    bad_ds = s.datastream(Thing={"@iot.id": "$t"}, Sensor=ref(g.sensor), ObservedProperty=ref(g.op))
    del bad_ds["unitOfMeasurement"]
    answers = json_batch(api, [
        {"id": "t", "atomicityGroup": "grp", "method": "POST", "url": "Things", "body": s.thing()},
        {"id": "o", "atomicityGroup": "grp", "method": "POST", "url": "Observations",
         "body": s.observation(s.at(1), 1.0, Datastream=ref(g.datastream))},
        {"id": "d", "atomicityGroup": "grp", "dependsOn": ["t"], "method": "POST", "url": "Datastreams",
         "body": bad_ds},
        {"id": "q", "method": "GET", "url": f"Things({g.thing})"},
    ])
    assert any(answers[i]["status"] >= 400 for i in ("t", "o", "d")), answers
    assert answers["d"]["status"] >= 400, answers["d"]
    assert answers["q"]["status"] == 200
    assert api.counts() == before


def test_json_batch_requests_outside_groups_are_independent(api):
    bad = s.thing()
    del bad["description"]
    good_name = s.uniq("independent")
    answers = json_batch(api, [
        {"id": "bad", "method": "POST", "url": "Things", "body": bad},
        {"id": "good", "method": "POST", "url": "Things", "body": s.thing(good_name)},
    ])
    assert answers["bad"]["status"] == 400
    tid = assert_created(answers["good"])
    assert api.get_json(f"Things({tid})")["name"] == good_name


def test_json_batch_dependent_of_a_failed_request_is_424(api):
    # OData JSON Format 4.01 §19.1: "If one of the requests it depends on has failed,
    # the dependent request is not executed and a response with status code of
    # 424 Failed Dependency is returned for it".
    bad = s.thing()
    del bad["name"]
    before = api.counts()
    answers = json_batch(api, [
        {"id": "t", "method": "POST", "url": "Things", "body": bad},
        {"id": "l", "dependsOn": ["t"], "method": "POST", "url": "$t/Locations", "body": s.location()},
    ])
    assert answers["t"]["status"] == 400
    assert answers["l"]["status"] == 424
    assert api.counts() == before


def test_json_batch_error_bodies_have_the_shape_of_every_other_error(api):
    # A client reads an error the same way wherever it comes from: a 424 in a
    # batch carries the members a direct 400 carries (code, error, message).
    direct = assert_error(api.post("Things", {"name": "no description"}), 400)
    bad = s.thing()
    del bad["description"]
    answers = json_batch(api, [
        {"id": "a", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": s.thing()},
        {"id": "b", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": bad},
        {"id": "c", "dependsOn": ["g"], "method": "POST", "url": "Things", "body": s.thing()},
    ])
    assert [answers[i]["status"] for i in ("a", "b", "c")] == [424, 400, 424], answers
    for answer in answers.values():
        body = answer["body"]
        assert body["code"] == answer["status"], answer
        assert isinstance(body.get("error"), str) and body["error"], answer
        assert isinstance(body.get("message"), str) and body["message"], answer
        assert {"code", "error", "message"} <= set(body) and set(body) <= set(direct) | {"field"}, answer
    assert answers["b"]["body"]["error"] == direct["error"]
    assert answers["a"]["body"]["error"] == answers["c"]["body"]["error"] != direct["error"]


def test_json_batch_update_and_delete(api):
    g = s.Graph(api)
    sid = api.create_id("Sensors", s.sensor())
    answers = json_batch(api, [
        {"id": "p", "method": "PATCH", "url": f"Things({g.thing})", "body": {"description": "batched"}},
        {"id": "x", "method": "DELETE", "url": f"Sensors({sid})"},
    ])
    assert answers["p"]["status"] in (200, 204) and answers["x"]["status"] in (200, 204)
    assert api.get_json(f"Things({g.thing})")["description"] == "batched"
    assert not api.exists("Sensors", sid)


@pytest.mark.parametrize("body", ["{\"requests\": ", "{\"requests\": \"all\"}", "[]",
                                  "{\"requests\": [{\"id\": \"1\", \"url\": \"Things\"}]}"])
def test_malformed_json_batch_is_400(api, body):
    assert_error(api.post("$batch", data=body, headers={"Content-Type": "application/json"}), 400)


# ---------------------------------------------------------------- multipart/mixed batch


def http_part(method, url, body=None, content_id=None, host="localhost"):
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{method} {url} HTTP/1.1", f"Host: {host}"]
    if body is None:
        lines += ["", ""]
    else:
        payload = json.dumps(body)
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload.encode())}", "", payload]
    return "\r\n".join(lines)


def change_set(parts):
    boundary = f"changeset_{uuid.uuid4()}"
    text = "\r\n".join(f"--{boundary}\r\n{part}" for part in parts)
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{text}\r\n--{boundary}--"


def multipart_batch(api, parts):
    boundary = f"batch_{uuid.uuid4()}"
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    response = api.post("$batch", data=body.encode(),
                        headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
    assert response.status_code == 200, describe(response)
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("multipart/mixed"), describe(response)
    return parse_multipart(content_type, response.content.decode("utf-8"))


def split_head(text):
    match = re.search(r"\r?\n\r?\n", text)
    if not match:
        return text, ""
    return text[:match.start()], text[match.end():]


def parse_headers(text):
    headers = {}
    for line in re.split(r"\r?\n", text):
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return headers


def parse_multipart(content_type, text):
    """The parts of a multipart/mixed body: change sets become lists, responses namespaces."""
    match = re.search(r'boundary="?([^";\s]+)"?', content_type)
    assert match, content_type
    chunks = text.split("--" + match.group(1))
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith("--"):
            break
        chunk = re.sub(r"^\r?\n", "", chunk)
        chunk = re.sub(r"\r?\n$", "", chunk)
        head, content = split_head(chunk)
        headers = parse_headers(head)
        part_type = headers.get("content-type", "")
        if part_type.startswith("multipart/mixed"):
            parts.append(parse_multipart(part_type, content))
            continue
        assert part_type.startswith("application/http"), chunk
        status_head, body = split_head(content.lstrip("\r\n"))
        status_line, _, header_text = status_head.partition("\n")
        fields = status_line.split()
        assert fields and fields[0].startswith("HTTP/"), status_line
        body = body.strip()
        parts.append(SimpleNamespace(status=int(fields[1]), headers=parse_headers(header_text),
                                     content_id=headers.get("content-id"), body=body,
                                     json=json.loads(body) if body.startswith(("{", "[")) else None))
    return parts


def responses_of(parts):
    """All responses, change sets flattened."""
    for part in parts:
        if isinstance(part, list):
            yield from responses_of(part)
        else:
            yield part


def test_multipart_batch_with_a_change_set(api):
    g = s.Graph(api)
    host = api.root.split("//", 1)[1]
    new_name = s.uniq("mp-thing")
    parts = multipart_batch(api, [
        http_part("GET", f"/v1.1/Things({g.thing})", host=host),
        change_set([
            http_part("POST", "/v1.1/Things", s.thing(new_name), content_id="1", host=host),
            http_part("PATCH", f"/v1.1/Things({g.thing})", {"description": "multipart"}, content_id="2", host=host),
        ]),
        http_part("GET", f"/v1.1/Things({MISSING_ID})", host=host),
    ])
    assert len(parts) == 3, parts
    first, changes, last = parts
    assert first.status == 200 and first.json["@iot.id"] == g.thing
    assert isinstance(changes, list), changes
    created, patched = changes
    assert created.status == 201 and created.content_id == "1", created
    assert created.headers["location"] == created.json["@iot.selfLink"]
    assert api.get_json(created.headers["location"])["name"] == new_name
    assert patched.status in (200, 204) and patched.content_id == "2", patched
    assert api.get_json(f"Things({g.thing})")["description"] == "multipart"
    assert last.status == 404


def test_multipart_change_set_references_new_entities(api):
    # §11.2.2 (Example 3): "$sensor1" in a body, and "$thing1" as the start of a URL.
    g = s.Graph(api)
    host = api.root.split("//", 1)[1]
    ds_body = s.datastream(name="mp-ds", Sensor={"@iot.id": "$sensor1"}, ObservedProperty=ref(g.op))
    parts = multipart_batch(api, [change_set([
        http_part("POST", "/v1.1/Sensors", s.sensor("mp-sensor"), content_id="sensor1", host=host),
        http_part("POST", "/v1.1/Things", s.thing("mp-thing"), content_id="thing1", host=host),
        http_part("POST", "$thing1/Datastreams", ds_body, content_id="ds1", host=host),
    ])])
    (changes,) = parts
    by_id = {r.content_id: r for r in changes}
    assert sorted(by_id) == ["ds1", "sensor1", "thing1"], changes
    assert all(r.status == 201 for r in changes), changes
    did = by_id["ds1"].json["@iot.id"]
    assert api.get_json(f"Datastreams({did})/Sensor")["@iot.id"] == by_id["sensor1"].json["@iot.id"]
    assert api.get_json(f"Datastreams({did})/Thing")["@iot.id"] == by_id["thing1"].json["@iot.id"]


def test_multipart_request_urls_may_be_relative_or_absolute(api):
    g = s.Graph(api)
    host = api.root.split("//", 1)[1]
    parts = multipart_batch(api, [
        http_part("GET", f"Things({g.thing})", host=host),
        http_part("GET", f"{api.base}/Things({g.thing})", host=host),
    ])
    assert [p.status for p in parts] == [200, 200]
    assert [p.json["@iot.id"] for p in parts] == [g.thing, g.thing]


def test_failing_change_set_commits_nothing(api):
    g = s.Graph(api)
    host = api.root.split("//", 1)[1]
    bad = s.datastream(Thing={"@iot.id": "$t"}, Sensor=ref(g.sensor), ObservedProperty=ref(g.op))
    del bad["observationType"]
    before = api.counts()
    parts = multipart_batch(api, [
        change_set([
            http_part("POST", "/v1.1/Things", s.thing(), content_id="t", host=host),
            http_part("POST", "/v1.1/Datastreams", bad, content_id="d", host=host),
        ]),
        http_part("GET", f"/v1.1/Things({g.thing})", host=host),
    ])
    assert len(parts) == 2, parts
    failed = list(responses_of([parts[0]]))
    assert any(r.status >= 400 for r in failed), failed
    assert parts[1].status == 200
    assert api.counts() == before


def test_failing_change_set_is_answered_with_one_response(api):
    # OData 4.0 Part 1 §11.7.4: "When a request within a change set fails, the
    # change set response is not represented using the multipart/mixed media
    # type. Instead, a single response, using the application/http media type
    # [...] is returned that applies to all requests in the change set".
    g = s.Graph(api)
    host = api.root.split("//", 1)[1]
    bad = s.datastream(Thing={"@iot.id": "$t"}, Sensor=ref(g.sensor), ObservedProperty=ref(g.op))
    del bad["unitOfMeasurement"]
    parts = multipart_batch(api, [
        http_part("GET", f"/v1.1/Things({g.thing})", host=host),
        change_set([
            http_part("POST", "/v1.1/Things", s.thing(), content_id="t", host=host),
            http_part("POST", "/v1.1/Datastreams", bad, content_id="d", host=host),
        ]),
        http_part("GET", f"/v1.1/Things({g.thing})", host=host),
    ])
    assert len(parts) == 3, parts
    failed = parts[1]
    assert not isinstance(failed, list), f"a failed change set must not be a nested multipart: {failed}"
    assert failed.status == 400, failed
    assert failed.json["code"] == 400 and "unitOfMeasurement" in failed.body, failed
    assert parts[0].status == 200 and parts[2].status == 200
