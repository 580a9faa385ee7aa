"""Bad requests: every 4xx carries a JSON body {"code": <status>, "message": "…"}."""

import pytest

import support as s
from support import assert_error, describe


@pytest.fixture(scope="module")
def thing_id(api):
    return api.create_id("Things", s.thing())


@pytest.mark.parametrize("body", ["{\"name\": ", "{name: 'x'}", "", "nul", "{\"name\": \"a\",}",
                                  "{\"name\": \"a\"} trailing"], ids=repr)
def test_malformed_json_is_400(api, body):
    before = api.count("Things")
    assert_error(api.post("Things", data=body.encode(), headers={"Content-Type": "application/json"}), 400)
    assert api.count("Things") == before


@pytest.mark.parametrize("body", ["[]", "[{\"name\": \"a\", \"description\": \"b\"}]", "\"thing\"", "42",
                                  "null", "true"])
def test_body_that_is_not_an_object_is_400(api, body):
    before = api.count("Things")
    assert_error(api.post("Things", data=body.encode(), headers={"Content-Type": "application/json"}), 400)
    assert api.count("Things") == before


def test_invalid_utf8_is_400(api):
    body = b'{"name": "\xff\xfe", "description": "x"}'
    assert_error(api.post("Things", data=body, headers={"Content-Type": "application/json"}), 400)


@pytest.mark.parametrize("query", [
    "$foo=1",                      # not a system query option
    "$top=-1", "$top=abc", "$top=1.5", "$top=", "$skip=-1", "$skip=x",
    "$count=yes",                  # §9.3.3.5: anything but true/false is a 400
    "$select=nope", "$select=name,nope", "$select=",
    "$orderby=nope", "$orderby=name sideways", "$orderby=",
    "$expand=Nope",
    "$filter=name eq", "$filter=nope eq 1", "$filter=name eq 'unterminated", "$filter=(name eq 'a'",
    "$top=1&$top=2",               # a system query option appears at most once
    "$resultFormat=csv",
])
def test_bad_query_option_is_400(api, query):
    assert_error(api.get(f"Things?{query}"), 400)


def test_custom_query_options_are_ignored(api):
    # OData 4.0 URL Conventions §5.2: options not starting with "$" are custom options.
    response = api.get("Things?$top=1&utm_source=newsletter")
    assert response.status_code == 200, describe(response)


@pytest.mark.parametrize("path", ["Things(abc)", "Things('1')", "Things(1.5)", "Things()", "Things(1",
                                  "Things(1)(2)"])
def test_malformed_id_is_400(api, path):
    assert_error(api.get(path), 400)


@pytest.mark.parametrize("path", ["Nothings", "Things(987654321)", "Things({id})/nope", "Things({id})/Sensor",
                                  "Things({id})/Datastreams(987654321)"])
def test_unknown_resource_is_404(api, thing_id, path):
    assert_error(api.get(path.format(id=thing_id)), 404)


def test_post_to_an_entity_is_rejected(api, thing_id):
    assert_error(api.post(f"Things({thing_id})", s.thing()), 405, 400)


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_update_or_delete_of_a_collection_is_rejected(api, method):
    before = api.count("Things")
    response = api.request(method, "Things", json={"name": "x", "description": "y"})
    assert_error(response, 405, 400)
    assert api.count("Things") == before


def test_post_to_a_property_is_rejected(api, thing_id):
    assert_error(api.post(f"Things({thing_id})/name", {"name": "x"}), 405, 400)


def test_method_not_allowed_on_service_root(api):
    assert_error(api.delete(""), 405, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml", "application/jsonx"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_body_of_another_media_type_is_415(api, thing_id, method, content_type):
    # Entity bodies are JSON (OGC 18-088 §10); RFC 9110 §15.5.16: 415 when the
    # content is in a format the target resource does not support.
    path = "Things" if method == "POST" else f"Things({thing_id})"
    before = api.get_json(f"Things({thing_id})")
    count = api.count("Things")
    body = b'{"name": "plain", "description": "text"}'
    response = api.request(method, path, data=body, headers={"Content-Type": content_type})
    assert_error(response, 415)
    assert api.count("Things") == count
    assert api.get_json(f"Things({thing_id})") == before


@pytest.mark.parametrize("content_type", [None, "application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=UTF-8"])
def test_json_body_with_or_without_content_type_is_accepted(api, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("Things", data=b'{"name": "plain", "description": "json"}', headers=headers)
    assert response.status_code == 201, describe(response)


def test_errors_name_the_problem(api):
    body = assert_error(api.post("Things", {"name": "only a name"}), 400)
    assert "description" in body["message"] + str(body.get("field", ""))


# RFC 9110 §15.5.6: a 405 answer says which methods the resource does allow.
@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "", {"GET", "HEAD"}),
    ("POST", "Things({thing_id})", {"GET", "HEAD", "PATCH", "PUT", "DELETE"}),
    ("PATCH", "Things", {"GET", "HEAD", "POST"}),
    ("POST", "Things({thing_id})/name", {"GET", "HEAD"}),
    ("GET", "$batch", {"POST"}),
    ("OPTIONS", "Things", {"GET", "HEAD", "POST"}),
])
def test_method_not_allowed_names_the_allowed_methods(api, thing_id, method, path, allowed):
    response = api.request(method, path.format(thing_id=thing_id), json={"name": "x", "description": "y"})
    assert_error(response, 405)
    assert {m.strip() for m in response.headers.get("Allow", "").split(",")} == allowed, response.headers
