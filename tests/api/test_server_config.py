"""The server as an operator configures it (docs/configuration.md): an external
URL in every link, CORS for a listed dashboard origin, size limits, a
graceful shutdown on SIGTERM that finishes the request in flight, and one
server per data directory."""

import json
import signal
import socket
import subprocess
import time

import pytest
import requests

import support as s
from server_process import ServerProcess, binary_path, on_postgresql
from support import assert_error, describe

EXTERNAL = "https://sensors.example.org/sta"
DASHBOARD = "https://dashboard.example.org"
MAX_BODY = 4096
MAX_HEADER = 2048


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """A server started with --config; its links must use EXTERNAL."""
    directory = tmp_path_factory.mktemp("configured")
    config = directory / "fundament.toml"
    config.write_text(
        "[server]\n"
        f'external_url = "{EXTERNAL}/"\n'  # the trailing slash is dropped
        f'cors_allowed_origins = ["{DASHBOARD}"]\n'
        f"max_body_bytes = {MAX_BODY}\n"
        f"max_header_bytes = {MAX_HEADER}\n"
        "[api]\n"
        "default_page_size = 2\n")
    process = ServerProcess(directory / "data", ["--config", str(config)]).start()
    yield s.Api(process)
    assert process.stop() == 0, process.output(last=40)


def test_every_link_uses_the_external_url(configured):
    api = configured
    root = api.get_json("")
    assert {entry["url"] for entry in root["value"]} == {f"{EXTERNAL}/v1.1/{name}" for name in s.ENTITY_SETS}
    created = api.post("Things", s.thing())
    assert created.status_code == 201, describe(created)
    thing_id = created.json()["@iot.id"]
    assert created.headers["Location"] == f"{EXTERNAL}/v1.1/Things({thing_id})"
    assert created.json()["@iot.selfLink"] == f"{EXTERNAL}/v1.1/Things({thing_id})"
    assert created.json()["Datastreams@iot.navigationLink"] == f"{EXTERNAL}/v1.1/Things({thing_id})/Datastreams"
    for _ in range(2):
        api.post("Things", s.thing())
    page = api.get_json("Things")
    assert page["@iot.nextLink"].startswith(f"{EXTERNAL}/v1.1/Things?"), page


def test_preflight_from_the_listed_origin(configured):
    response = configured.request("OPTIONS", "Things", headers={
        "Origin": DASHBOARD, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204, describe(response)
    assert response.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"


def test_no_cors_for_another_origin(configured):
    response = configured.get("Things", headers={"Origin": "https://elsewhere.example.org"})
    assert response.status_code == 200, describe(response)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers.get("Vary") == "Origin"
    preflight = configured.request("OPTIONS", "Things", headers={
        "Origin": "https://elsewhere.example.org", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cross_origin_post_exposes_location(configured):
    response = configured.post("Things", s.thing(), headers={"Origin": DASHBOARD})
    assert response.status_code == 201, describe(response)
    assert response.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "location" in response.headers["Access-Control-Expose-Headers"].lower()


def test_body_over_the_limit_is_413_json_readable_by_the_dashboard(configured):
    before = configured.count("Things")
    body = s.thing(description="x" * (2 * MAX_BODY))
    response = configured.post("Things", body, headers={"Origin": DASHBOARD})
    assert_error(response, 413)
    assert response.headers.get("Access-Control-Allow-Origin") == DASHBOARD
    assert configured.count("Things") == before


def test_header_over_the_limit_is_431_json(configured):
    response = requests.get(configured.base + "/Things", headers={"X-Padding": "p" * (2 * MAX_HEADER)},
                            timeout=10)
    assert_error(response, 431)


def test_sigterm_finishes_the_request_in_flight(tmp_path, start_server):
    api = start_server(tmp_path / "data")
    process = api.server
    body = json.dumps(s.thing("in-flight")).encode()
    with socket.create_connection(("127.0.0.1", process.port), timeout=10) as connection:
        connection.sendall(b"POST /v1.1/Things HTTP/1.1\r\nHost: localhost\r\n"
                           b"Content-Type: application/json\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.3)
        process.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert process.proc.poll() is None, "the server must wait for the request in flight"
        connection.sendall(body[10:])
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201"), answer[:300]
    assert b"connection: close" in head.lower(), head
    created = json.loads(payload)
    assert process.proc.wait(10) == 0, process.output(last=20)
    # The answered write is on disk.
    again = start_server(tmp_path / "data")
    assert again.get_json(f"Things({created['@iot.id']})")["name"] == "in-flight"


@pytest.mark.skipif(on_postgresql(), reason="nodes on PostgreSQL keep nothing in the data directory")
def test_second_server_on_the_same_data_directory_refuses_to_start(tmp_path, start_server):
    # One server owns a data directory: a second one started on it by mistake
    # must stop at once, say why, and exit 1 (docs/operations.md) -- not serve
    # the same database beside the first.
    data = tmp_path / "data"
    first = start_server(data)
    tid = first.create_id("Things", s.thing("only-one-server"))
    try:
        second = subprocess.run([str(binary_path()), "serve", "--port", "0", "--data", str(data),
                                 "--log-level", "info"], stdin=subprocess.DEVNULL, capture_output=True, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("a second server on the same data directory started and kept running")
    output = (second.stdout + second.stderr).decode("utf-8", errors="replace")
    assert second.returncode == 1, output
    assert "in use by another fundament process" in output and str(data) in output, output
    assert '"msg":"listening"' not in output, output
    assert first.get_json(f"Things({tid})")["name"] == "only-one-server"
    # The lock goes with the process that held it.
    assert first.server.stop() == 0
    again = start_server(data)
    assert again.get_json(f"Things({tid})")["name"] == "only-one-server"
