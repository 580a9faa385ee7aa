"""The service root document (OGC 18-088 §9.2.1, Usage 1)."""

import pytest

from support import ENTITY_SETS, REQ

# Each conformance class the server implements, as URIs it may list: the class
# id, or (as the standard's own example and servers in the field do) its
# requirement. §9.2.1: "If a service implements all requirements from a
# requirements class, it only needs to list the requirements class id."
CONFORMANCE = {
    "datamodel": [REQ + "datamodel"],
    "resource-path": [REQ + "resource-path/resource-path-to-entities", REQ + "resource-path"],
    "request-data": [REQ + "request-data"],
    "create-update-delete": [REQ + "create-update-delete"],
    "batch-request": [REQ + "batch-request/batch-request", REQ + "batch-request"],
    "data-array": [REQ + "data-array/data-array", REQ + "data-array"],
    "multi-datastream": [REQ + "multi-datastream"],
}


@pytest.fixture(scope="module")
def root(api):
    response = api.get("")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def test_lists_every_entity_set_with_its_absolute_url(api, root):
    value = root["value"]
    assert isinstance(value, list)
    by_name = {}
    for element in value:
        assert isinstance(element.get("name"), str) and isinstance(element.get("url"), str), element
        assert element["name"] not in by_name, f"{element['name']} listed twice"
        by_name[element["name"]] = element["url"]
    for name in ENTITY_SETS:
        assert by_name.get(name) == f"{api.base}/{name}", f"{name}: {by_name.get(name)!r}"


def test_listed_urls_answer_with_collections(api, root):
    for element in root["value"]:
        if element["name"] in ENTITY_SETS:
            body = api.get_json(element["url"])
            assert isinstance(body.get("value"), list), element


@pytest.mark.parametrize("name", sorted(CONFORMANCE))
def test_conformance_lists_class(root, name):
    conformance = root["serverSettings"]["conformance"]
    assert any(uri in conformance for uri in CONFORMANCE[name]), \
        f"serverSettings.conformance lacks {CONFORMANCE[name][0]}: {conformance}"


def test_conformance_is_a_list_of_distinct_uris(root):
    conformance = root["serverSettings"]["conformance"]
    assert isinstance(conformance, list) and conformance
    assert all(isinstance(uri, str) and uri.startswith("http") for uri in conformance), conformance
    assert len(set(conformance)) == len(conformance), conformance


def test_trailing_slash_serves_the_same_document(api, root):
    # The standard's own example requests "http://example.org/v1.1/".
    assert api.get_json(api.base + "/") == root


def test_v1_0_root_announces_no_1_1_classes(api):
    # serverSettings and its requirement classes came with 1.1 (OGC 18-088
    # Annex B); the /v1.0 root lists the entity sets, under /v1.0, and claims
    # no 1.1 conformance.
    body = api.get_json(api.root + "/v1.0")
    by_name = {element["name"]: element["url"] for element in body["value"]}
    for name in ENTITY_SETS:
        assert by_name.get(name) == f"{api.root}/v1.0/{name}", body
    assert "serverSettings" not in body, body
    assert "iot_sensing/1.1" not in str(body), body
