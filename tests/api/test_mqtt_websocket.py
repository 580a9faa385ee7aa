"""MQTT over WebSocket (MQTT 3.1.1 §6) on the HTTP port at /mqtt.

paho-mqtt 1.6 (python3-paho-mqtt) connects with transport="websockets"; a
small hand-made WebSocket client (RFC 6455 framing over a plain socket) sends
what paho never would: text frames, packets split across frames, handshakes
without the subprotocol or from a foreign origin.
"""

import base64
import json
import os
import queue
import socket
import struct
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

import support as s
from server_process import ServerProcess, binary_problem
from support import REQ, Api, describe

TIMEOUT = 10  # seconds for anything that should be quick (sanitizer builds are slow)
QUIET = 0.5   # how long "no message" is waited for

CREATE_CLASS = REQ + "create-observations-via-mqtt/observations-creation"
RECEIVE_CLASS = REQ + "receive-updates-via-mqtt/receive-updates"

DASHBOARD = "https://dashboard.example.org"


def _start(data_dir, extra_args=()):
    problem = binary_problem()
    if problem:
        pytest.exit(problem, returncode=1)
    return ServerProcess(data_dir, ["--host", "127.0.0.1", *extra_args]).start()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mqtt-ws")
    config = directory / "fundament.toml"
    config.write_text(f'[server]\ncors_allowed_origins = ["{DASHBOARD}"]\n')
    process = _start(directory / "data", ["--config", str(config)])
    yield Api(process)
    status = process.stop()
    assert status == 0, f"server must exit 0 after SIGTERM, got {status}\n{process.output(last=60)}"


@pytest.fixture
def g(api):
    return s.Graph(api)


class WsClient:
    """A paho-mqtt 1.6 client over WebSocket whose callbacks feed queues."""

    def __init__(self, port, headers=None, client_id=None):
        self.messages = queue.Queue()
        self.subacks = queue.Queue()
        self.connacks = queue.Queue()
        self.disconnects = queue.Queue()
        self.client = mqtt.Client(client_id=client_id or f"ws-{uuid.uuid4().hex[:12]}",
                                  protocol=mqtt.MQTTv311, transport="websockets")
        self.client.ws_set_options(path="/mqtt", headers=headers)
        self.client.on_connect = lambda c, u, flags, rc: self.connacks.put(rc)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = lambda c, u, mid, granted: self.subacks.put(list(granted))
        self.client.on_disconnect = lambda c, u, rc: self.disconnects.put(rc)
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        assert self.connacks.get(timeout=TIMEOUT) == 0

    def subscribe(self, topic, qos=0):
        self.client.subscribe(topic, qos)
        return self.subacks.get(timeout=TIMEOUT)

    def publish(self, topic, payload, qos=1):
        info = self.client.publish(topic, json.dumps(payload), qos)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), f"no PUBACK for the message to {topic}"

    def next(self, timeout=TIMEOUT):
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no message within {timeout} s")
        return message.topic, json.loads(message.payload)

    def nothing(self, wait=QUIET):
        try:
            message = self.messages.get(timeout=wait)
        except queue.Empty:
            return
        pytest.fail(f"unexpected message on {message.topic}: {message.payload!r}")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def ws_client(api):
    opened = []

    def open_client(**kwargs):
        c = WsClient(api.server.port, **kwargs)
        opened.append(c)
        return c

    yield open_client
    for c in opened:
        c.close()


# ---------------------------------------------------------------- a raw WebSocket client

TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8


class RawWebSocket:
    """RFC 6455 by hand: the handshake, masked client frames, unmasked server frames."""

    def __init__(self, port, headers=None, protocol="mqtt"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        fields = {"Host": f"127.0.0.1:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
                  "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                  "Sec-WebSocket-Version": "13"}
        if protocol is not None:
            fields["Sec-WebSocket-Protocol"] = protocol
        fields.update(headers or {})
        request = "GET /mqtt HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        self.sock.sendall(request.encode())
        self.buffer = b""
        self.status, self.headers, self.body = self._read_response()

    def _read_response(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            assert chunk, f"connection closed during the handshake answer: {self.buffer!r}"
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if status != 101:
            length = int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.buffer += chunk
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def send_frame(self, payload, opcode=BINARY, fin=True):
        header = bytes([(0x80 if fin else 0) | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _recv_exactly(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_frame(self):
        """(opcode, payload) of the next frame from the server."""
        first, second = self._recv_exactly(2)
        length = second & 0x7F
        assert not second & 0x80, "server frames are not masked (RFC 6455 §5.1)"
        if length == 126:
            length, = struct.unpack("!H", self._recv_exactly(2))
        elif length == 127:
            length, = struct.unpack("!Q", self._recv_exactly(8))
        return first & 0x0F, self._recv_exactly(length)

    def read_mqtt(self, count):
        """`count` bytes of MQTT data from binary frames."""
        data = b""
        while len(data) < count:
            opcode, payload = self.read_frame()
            assert opcode in (BINARY, 0x0), f"server sent opcode {opcode}: {payload!r}"
            data += payload
        return data

    def closed_by_server(self, timeout=TIMEOUT):
        """True when the server ends the connection (a close frame, EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                opcode, _ = self.read_frame()
                if opcode == CLOSE:
                    return True
        except (ConnectionError, OSError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def connect_packet(client_id):
    cid = client_id.encode()
    variable = b"\x00\x04MQTT\x04\x02\x00\x3c"  # level 4, clean session, keep alive 60 s
    payload = struct.pack("!H", len(cid)) + cid
    return bytes([0x10, len(variable) + len(payload)]) + variable + payload


CONNACK_ACCEPTED = b"\x20\x02\x00\x00"
PINGREQ, PINGRESP = b"\xc0\x00", b"\xd0\x00"


def assert_json_error(ws, status):
    assert ws.status == status, (ws.status, ws.headers, ws.body)
    assert ws.headers.get("content-type") == "application/json", ws.headers
    body = json.loads(ws.body)
    assert body["code"] == status and body["message"], body
    return body


# ---------------------------------------------------------------- service root


def test_service_root_announces_the_websocket_endpoint(api):
    settings = api.get_json("")["serverSettings"]
    for requirement in (CREATE_CLASS, RECEIVE_CLASS):
        assert f"ws://127.0.0.1:{api.server.port}/mqtt" in settings[requirement]["endpoints"], settings


def test_websocket_endpoint_follows_the_external_url(tmp_path, start_server):
    config = tmp_path / "fundament.toml"
    config.write_text('[server]\nexternal_url = "https://sensors.example.org/city"\n')
    behind_proxy = start_server(tmp_path / "data", ["--config", str(config)])
    settings = behind_proxy.get_json("")["serverSettings"]
    assert "wss://sensors.example.org/city/mqtt" in settings[RECEIVE_CLASS]["endpoints"], settings


def test_websocket_can_be_switched_off(tmp_path, start_server):
    config = tmp_path / "fundament.toml"
    config.write_text("[mqtt]\nwebsocket = false\n")
    off = start_server(tmp_path / "data", ["--config", str(config)])
    endpoints = off.get_json("")["serverSettings"][RECEIVE_CLASS]["endpoints"]
    assert endpoints == [f"mqtt://127.0.0.1:{off.server.mqtt_port}"], endpoints
    ws = RawWebSocket(off.server.port)
    assert ws.status == 404, (ws.status, ws.body)
    ws.close()


# ---------------------------------------------------------------- the SensorThings MQTT extension over WebSocket


def test_subscriber_over_websocket_receives_observation_created_over_http(api, ws_client, g):
    subscriber = ws_client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    assert subscriber.subscribe(topic) == [0]
    oid = g.observe(s.at(1), 12.5)
    assert subscriber.next() == (topic, api.get_json(f"Observations({oid})"))
    subscriber.nothing()


def test_observation_published_over_websocket_is_created(api, ws_client, g):
    publisher = ws_client()
    publisher.publish(f"v1.1/Datastreams({g.datastream})/Observations", s.observation(s.at(2), 2.75))
    observations = api.get_json(f"Datastreams({g.datastream})/Observations")["value"]
    assert [o["result"] for o in observations] == [2.75], observations


def test_qos1_subscription_over_websocket(api, ws_client, g):
    subscriber = ws_client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    assert subscriber.subscribe(topic, qos=1) == [1]
    g.observe(s.at(3), 3.5)
    _, message = subscriber.next()
    assert message["result"] == 3.5


def test_browser_from_an_allowed_origin_connects(api, ws_client, g):
    ws_client(headers={"Origin": DASHBOARD})


# ---------------------------------------------------------------- framing [MQTT-6.0.0-*]


def test_packet_spanning_frames_and_frame_holding_packets(api):
    ws = RawWebSocket(api.server.port)
    assert ws.status == 101, (ws.status, ws.body)
    assert ws.headers.get("sec-websocket-protocol") == "mqtt"  # [MQTT-6.0.0-4]
    connect = connect_packet(f"raw-{uuid.uuid4().hex[:8]}")
    ws.send_frame(connect[:3])                       # [MQTT-6.0.0-2]
    ws.send_frame(connect[3:9], fin=False)
    ws.send_frame(connect[9:], opcode=0x0)           # a continuation frame
    assert ws.read_mqtt(4) == CONNACK_ACCEPTED
    ws.send_frame(PINGREQ + PINGREQ)                 # [MQTT-6.0.0-3]
    assert ws.read_mqtt(4) == PINGRESP + PINGRESP
    ws.close()


def test_text_frame_closes_the_connection(api):
    ws = RawWebSocket(api.server.port)
    assert ws.status == 101
    ws.send_frame(connect_packet("raw-text"))
    assert ws.read_mqtt(4) == CONNACK_ACCEPTED
    ws.send_frame(b'{"not":"mqtt"}', opcode=TEXT)   # [MQTT-6.0.0-1]
    assert ws.closed_by_server(), "a text frame must close the connection"


def test_message_over_the_packet_size_closes_the_connection(api):
    ws = RawWebSocket(api.server.port)
    assert ws.status == 101
    # A frame header announcing 2 GiB: refused before any payload is read.
    ws.sock.sendall(bytes([0x82, 0x80 | 127]) + struct.pack("!Q", 2 << 30) + os.urandom(4))
    assert ws.closed_by_server()


# ---------------------------------------------------------------- refused handshakes


def test_handshake_without_the_mqtt_subprotocol_is_refused(api):
    for protocol in (None, "mqttv3.1", "wamp"):
        ws = RawWebSocket(api.server.port, protocol=protocol)
        body = assert_json_error(ws, 400)
        assert "mqtt" in body["message"], body
        assert "sec-websocket-accept" not in ws.headers
        ws.close()


def test_handshake_from_a_foreign_origin_is_refused_with_json_403(api):
    ws = RawWebSocket(api.server.port, headers={"Origin": "https://evil.example.net"})
    body = assert_json_error(ws, 403)
    assert body["error"] == "forbidden", body
    ws.close()
    with pytest.raises(Exception):
        WsClient(api.server.port, headers={"Origin": "https://evil.example.net"})


def test_handshake_without_origin_is_allowed(api):
    ws = RawWebSocket(api.server.port)
    assert "origin" not in {k.lower() for k in ws.headers}
    assert ws.status == 101, (ws.status, ws.body)
    ws.close()


def test_plain_request_for_the_websocket_path_gets_426(api):
    response = api.session.get(f"{api.root}/mqtt", timeout=TIMEOUT)
    assert response.status_code == 426, describe(response)
    assert response.json()["code"] == 426
    assert response.headers.get("Upgrade") == "websocket"


# ---------------------------------------------------------------- isolation


def test_bad_clients_do_not_disturb_others(api, ws_client, g):
    subscriber = ws_client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    bad = []
    for _ in range(3):
        text = RawWebSocket(api.server.port)
        text.send_frame(b"hello", opcode=TEXT)
        bad.append(text)
        garbage = RawWebSocket(api.server.port)
        garbage.send_frame(b"\xff\xff\xff\xff\xff")  # not MQTT
        bad.append(garbage)
        stalled = RawWebSocket(api.server.port)
        stalled.sock.sendall(b"\x82")  # half a frame header, then nothing
        bad.append(stalled)
    for ws in bad[:2]:
        assert ws.closed_by_server()
    oid = g.observe(s.at(4), 4.5)
    assert subscriber.next() == (topic, api.get_json(f"Observations({oid})"))
    assert api.get("").status_code == 200
    for ws in bad:
        ws.close()
    # The server keeps serving new WebSocket clients.
    late = ws_client()
    assert late.subscribe(topic) == [0]
    g.observe(s.at(5), 5.5)
    assert subscriber.next()[1]["result"] == 5.5
    assert late.next()[1]["result"] == 5.5


def test_shutdown_closes_websocket_connections(tmp_path):
    process = _start(tmp_path / "data")
    client = WsClient(process.port)
    started = time.monotonic()
    status = process.stop()
    assert status == 0, process.output(last=60)
    assert time.monotonic() - started < 8, "the server must not wait for its shutdown timeout"
    rc = client.disconnects.get(timeout=TIMEOUT)
    assert rc != 0  # the server closed the connection
    client.client.loop_stop()
