"""The embedded MQTT broker against real MQTT clients.

Runs tests/mqtt/broker_main.cc (the mqtt_broker_demo executable, path in
MQTT_BROKER_DEMO, else build-asan/ or build/ of the checkout) on an ephemeral
port and talks to it with mosquitto_pub / mosquitto_sub (Debian package
mosquitto-clients) and paho-mqtt 1.6 (python3-paho-mqtt), so that the broker
is checked against clients written by others, not only against our codec.
"""

import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10  # seconds for anything that should be quick; generous under ASan


def demo_binary():
    configured = os.environ.get("MQTT_BROKER_DEMO")
    if configured:
        return configured
    for build in ("build-asan", "build"):
        candidate = ROOT / build / "mqtt_broker_demo"
        if candidate.exists():
            return str(candidate)
    pytest.fail("mqtt_broker_demo not found: build it or set MQTT_BROKER_DEMO")


class BrokerProcess:
    def __init__(self, *args):
        self.process = subprocess.Popen(
            [demo_binary(), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        match = re.match(r"listening on (\S+):(\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"broker did not start: {line!r} {self.process.stderr.read()}")
        self.host = "127.0.0.1"
        self.port = int(match.group(2))

    def stop(self):
        """SIGTERM; returns (exit code, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, stderr = self.process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
            pytest.fail("broker did not stop within the timeout after SIGTERM")
        return self.process.returncode, stderr


# The application hook as one message at a time (on_publish) and as runs of
# a client's messages (on_publish_batch).
@pytest.fixture(params=["echo", "batch-echo"])
def broker(request):
    process = BrokerProcess("--hook", request.param)
    yield process
    code, stderr = process.stop()
    assert "AddressSanitizer" not in stderr, stderr
    assert "runtime error" not in stderr, stderr
    assert code == 0, stderr


class Client:
    """A paho-mqtt 1.6 client with its callbacks turned into queues."""

    def __init__(self, broker, client_id, clean_session=True, will=None, keepalive=30):
        self.messages = queue.Queue()
        self.connacks = queue.Queue()
        self.subacks = queue.Queue()
        self.disconnects = queue.Queue()
        self.client = mqtt.Client(client_id=client_id, clean_session=clean_session, protocol=mqtt.MQTTv311)
        self.client.on_connect = lambda c, u, flags, rc: self.connacks.put((flags.get("session present", 0), rc))
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = lambda c, u, mid, granted: self.subacks.put(granted)
        self.client.on_disconnect = lambda c, u, rc: self.disconnects.put(rc)
        if will:
            self.client.will_set(*will)
        self.client.connect(broker.host, broker.port, keepalive)
        self.client.loop_start()
        self.session_present, rc = self.connacks.get(timeout=TIMEOUT)
        assert rc == 0

    def subscribe(self, topic, qos=0):
        self.client.subscribe(topic, qos)
        return self.subacks.get(timeout=TIMEOUT)

    def publish(self, topic, payload, qos=0, retain=False):
        info = self.client.publish(topic, payload, qos, retain)
        info.wait_for_publish()
        return info

    def next_message(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def no_message(self, wait=0.3):
        try:
            message = self.messages.get(timeout=wait)
        except queue.Empty:
            return True
        pytest.fail(f"unexpected message on {message.topic}: {message.payload!r}")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def mosquitto_pub(broker, *args, stdin=None):
    subprocess.run(
        ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), *args],
        input=stdin,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )


class MosquittoSub:
    """A running mosquitto_sub with debug output, line-buffered through stdbuf."""

    def __init__(self, broker, *args):
        self.process = subprocess.Popen(
            ["stdbuf", "-oL", "mosquitto_sub", "-d", "-h", broker.host, "-p", str(broker.port), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        seen = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if "SUBACK" in line:
                return
        self.process.kill()
        pytest.fail(f"mosquitto_sub got no SUBACK: {seen}")

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def messages(self, count):
        """The next `count` message lines (debug lines start with 'Client' or 'Subscribed')."""
        got = []
        deadline = time.monotonic() + TIMEOUT
        while len(got) < count:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                break
            if line and not line.startswith(("Client ", "Subscribed ")):
                got.append(line)
        return got

    def kill(self):
        self.process.kill()
        self.process.wait()

    def wait(self):
        return self.process.wait(timeout=TIMEOUT)


# --- mosquitto clients ----------------------------------------------------------


def test_mosquitto_sub_gets_retained_message_from_mosquitto_pub(broker):
    mosquitto_pub(broker, "-t", "city/gauge/1", "-m", "1.42", "-q", "1", "-r")
    result = subprocess.run(
        ["mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-t", "city/gauge/+", "-C", "1", "-v", "-W", "5"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.stdout.strip() == "city/gauge/1 1.42"


def test_mosquitto_sub_receives_qos1_messages_in_order(broker):
    sub = MosquittoSub(broker, "-t", "seq/#", "-q", "1", "-C", "20", "-v")
    lines = "".join(f"{i}\n" for i in range(20))
    mosquitto_pub(broker, "-t", "seq/a", "-q", "1", "-l", stdin=lines)
    assert sub.messages(20) == [f"seq/a {i}" for i in range(20)]
    assert sub.wait() == 0


def test_mosquitto_will_published_when_client_is_killed(broker):
    watcher = Client(broker, "watcher")
    watcher.subscribe("status/#", 1)
    device = MosquittoSub(
        broker, "-t", "cmd/device", "-i", "device", "--will-topic", "status/device", "--will-payload", "offline",
        "--will-qos", "1",
    )
    device.kill()  # no DISCONNECT
    message = watcher.next_message()
    assert (message.topic, message.payload, message.qos) == ("status/device", b"offline", 1)
    watcher.close()


# --- paho-mqtt ------------------------------------------------------------------------


def test_paho_qos1_round_trip_and_granted_qos(broker):
    subscriber = Client(broker, "paho-sub")
    assert subscriber.subscribe("v1.1/Datastreams(1)/Observations", 2) == (1,)  # QoS 2 is granted as 1
    publisher = Client(broker, "paho-pub")
    publisher.publish("v1.1/Datastreams(1)/Observations", b'{"result":21.5}', qos=1)
    message = subscriber.next_message()
    assert message.payload == b'{"result":21.5}'
    assert message.qos == 1
    assert not message.retain
    subscriber.close()
    publisher.close()


def test_paho_persistent_session_gets_queued_messages_after_reconnect(broker):
    first = Client(broker, "paho-persistent", clean_session=False)
    assert not first.session_present
    first.subscribe("queue/#", 1)
    first.close()
    for i in range(3):
        mosquitto_pub(broker, "-t", f"queue/{i}", "-m", str(i), "-q", "1")
    again = Client(broker, "paho-persistent", clean_session=False)
    assert again.session_present
    got = [again.next_message() for _ in range(3)]
    assert [m.payload for m in got] == [b"0", b"1", b"2"]
    again.close()


def test_paho_wildcard_does_not_match_dollar_topics(broker):
    everything = Client(broker, "everything")
    everything.subscribe("#")
    publisher = Client(broker, "publisher")
    publisher.publish("$SYS/broker/uptime", b"1")
    publisher.publish("city/air/no2", b"17")
    message = everything.next_message()
    assert message.topic == "city/air/no2"
    everything.no_message()
    everything.close()
    publisher.close()


def test_paho_session_takeover_disconnects_old_client(broker):
    old = Client(broker, "same-id")
    old.client.reconnect_delay_set(60, 60)  # do not fight back during the test
    new = Client(broker, "same-id")
    assert old.disconnects.get(timeout=TIMEOUT) != 0
    new.subscribe("t")
    new.publish("t", b"still here")
    assert new.next_message().payload == b"still here"
    old.client.loop_stop()
    new.close()


def test_application_hook_swallows_and_echoes(broker):
    subscriber = Client(broker, "hooked")
    subscriber.subscribe("#", 1)
    publisher = Client(broker, "publisher")
    publisher.publish("swallow/secret", b"x", qos=1)  # acknowledged, not routed
    publisher.publish("echo/ping", b"hello", qos=1)
    topics = sorted(subscriber.next_message().topic for _ in range(2))
    assert topics == ["echo/ping", "echoed/ping"]
    subscriber.no_message()
    subscriber.close()
    publisher.close()


def test_malformed_bytes_do_not_disturb_other_clients(broker):
    subscriber = Client(broker, "bystander")
    subscriber.subscribe("t")
    with socket.create_connection((broker.host, broker.port), timeout=TIMEOUT) as raw:
        raw.sendall(b"\xff" * 32)
        assert raw.recv(16) == b""  # closed by the broker
    mosquitto_pub(broker, "-t", "t", "-m", "after")
    assert subscriber.next_message().payload == b"after"
    subscriber.close()


def test_fan_out_to_many_subscribers(broker):
    subscribers = [Client(broker, f"fan-{i}") for i in range(10)]
    for s in subscribers:
        s.subscribe("fan/#", 1)
    mosquitto_pub(broker, "-t", "fan/x", "-q", "1", "-l", stdin="".join(f"{i}\n" for i in range(30)))
    for s in subscribers:
        assert [s.next_message().payload for _ in range(30)] == [str(i).encode() for i in range(30)]
        s.close()


def test_sigterm_closes_connected_clients_and_exits_cleanly():
    process = BrokerProcess()
    client = Client(process, "until-the-end")
    client.client.reconnect_delay_set(60, 60)
    code, stderr = process.stop()
    assert code == 0, stderr
    assert "AddressSanitizer" not in stderr, stderr
    assert client.disconnects.get(timeout=TIMEOUT) != 0
    client.client.loop_stop()


def test_second_broker_on_same_port_fails_to_start(broker):
    result = subprocess.run(
        [demo_binary(), "--port", str(broker.port)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 1
    assert "bind" in result.stderr
