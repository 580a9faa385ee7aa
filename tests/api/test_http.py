"""HTTP-level behaviour: health endpoints, CORS, content types, absolute links."""

import requests

from support import assert_error, describe, thing


def test_health_and_ready(api):
    for path in ("/health", "/ready"):
        response = requests.get(api.root + path, timeout=10)
        assert response.status_code == 200, describe(response)


def test_cors_simple_request_is_allowed(api):
    response = api.get("Things", headers={"Origin": "https://dashboard.example.org"})
    assert response.status_code == 200, describe(response)
    allowed = response.headers.get("Access-Control-Allow-Origin")
    assert allowed in ("*", "https://dashboard.example.org"), response.headers


def test_cors_preflight(api):
    response = api.request("OPTIONS", "Things", headers={
        "Origin": "https://dashboard.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert response.status_code == 204, describe(response)
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", "https://dashboard.example.org"), \
        response.headers
    methods = {m.strip().upper() for m in response.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods, response.headers


def test_json_responses_say_so(api):
    for path in ("", "Things", "Datastreams?$top=1"):
        response = api.get(path)
        assert response.status_code == 200, describe(response)
        assert response.headers.get("Content-Type", "").startswith("application/json"), describe(response)


def test_self_links_follow_the_host_header(api):
    thing_id = api.create_id("Things", thing())
    response = api.get(f"Things({thing_id})", headers={"Host": "sensors.example.org:8443"})
    assert response.status_code == 200, describe(response)
    assert response.json()["@iot.selfLink"] == f"http://sensors.example.org:8443/v1.1/Things({thing_id})"


def test_location_header_is_absolute(api):
    response = api.post("Things", thing())
    assert response.status_code == 201, describe(response)
    location = response.headers["Location"]
    assert location.startswith(api.base + "/Things("), location


def test_unknown_path_outside_the_service_is_a_json_404(api):
    assert_error(requests.get(api.root + "/no-such-endpoint", timeout=10), 404)


def test_keep_alive_serves_many_requests_on_one_connection(api):
    session = requests.Session()
    for _ in range(20):
        response = session.get(api.base + "/Things?$top=1", timeout=10)
        assert response.status_code == 200, describe(response)
