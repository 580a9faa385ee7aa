"""The SensorThings MQTT extension (OGC 18-088 §14) against real MQTT clients.

paho-mqtt 1.6 (python3-paho-mqtt) and mosquitto_sub / mosquitto_pub
(mosquitto-clients) talk to the server's broker; HTTP is used to write and to
read what a GET returns, which is what every message must carry (§14.2:
"the service returns a complete JSON representation of the newly created or
updated entity").

The module's server listens on 127.0.0.1 only, so that the links in MQTT
messages (which answer no HTTP request and take the server's own address)
are the links a GET over 127.0.0.1 returns.
"""

import json
import queue
import socket
import subprocess
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
import requests

import support as s
from server_process import ServerError, ServerProcess, binary_path, binary_problem
from support import REQ, Api, describe, ref

TIMEOUT = 10  # seconds for anything that should be quick (sanitizer builds are slow)
QUIET = 0.5   # how long "no message" is waited for

CREATE_CLASS = REQ + "create-observations-via-mqtt/observations-creation"
RECEIVE_CLASS = REQ + "receive-updates-via-mqtt/receive-updates"
REFUSED = 128  # SUBACK return code 0x80


def _start(data_dir, extra_args=()):
    problem = binary_problem()
    if problem:
        pytest.exit(problem, returncode=1)
    process = ServerProcess(data_dir, ["--host", "127.0.0.1", *extra_args])
    try:
        return process.start()
    except ServerError as error:
        pytest.fail(f"could not start the server:\n{error}", pytrace=False)


def _stop(process):
    status = process.stop()
    assert status == 0, (f"server must exit 0 after SIGTERM, got {status}\n"
                         f"--- server output (tail) ---\n{process.output(last=60)}")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    process = _start(tmp_path_factory.mktemp("mqtt"))
    yield Api(process)
    _stop(process)


@pytest.fixture(scope="module")
def mqtt_port(api):
    return api.server.mqtt_port


class Client:
    """A paho-mqtt 1.6 client whose callbacks feed queues."""

    def __init__(self, port, client_id=None, clean_session=True):
        self.messages = queue.Queue()
        self.subacks = queue.Queue()
        self.connacks = queue.Queue()
        self.disconnects = queue.Queue()
        self.client = mqtt.Client(client_id=client_id or f"test-{uuid.uuid4().hex[:12]}",
                                  clean_session=clean_session, protocol=mqtt.MQTTv311)
        self.client.on_connect = lambda c, u, flags, rc: self.connacks.put(rc)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = lambda c, u, mid, granted: self.subacks.put(list(granted))
        self.client.on_disconnect = lambda c, u, rc: self.disconnects.put(rc)
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        assert self.connacks.get(timeout=TIMEOUT) == 0

    def subscribe(self, *topics, qos=0):
        """Subscribes to `topics` in one SUBSCRIBE; returns the SUBACK codes."""
        self.client.subscribe([(topic, qos) for topic in topics])
        return self.subacks.get(timeout=TIMEOUT)

    def publish(self, topic, payload, qos=1):
        """Publishes and waits for the PUBACK (QoS 1) or the write (QoS 0)."""
        info = self.client.publish(topic, payload if isinstance(payload, (bytes, str)) else json.dumps(payload),
                                   qos)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), f"no PUBACK for the message to {topic}"
        return info

    def next(self, timeout=TIMEOUT):
        """The next message as (topic, parsed JSON payload)."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no message within {timeout} s")
        return message.topic, json.loads(message.payload)

    def take(self, count, timeout=TIMEOUT):
        return [self.next(timeout) for _ in range(count)]

    def nothing(self, wait=QUIET):
        try:
            message = self.messages.get(timeout=wait)
        except queue.Empty:
            return
        pytest.fail(f"unexpected message on {message.topic}: {message.payload!r}")

    def connected(self):
        return self.disconnects.empty() and self.client.is_connected()

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def client(mqtt_port):
    opened = []

    def open_client(**kwargs):
        c = Client(mqtt_port, **kwargs)
        opened.append(c)
        return c

    yield open_client
    for c in opened:
        c.close()


@pytest.fixture
def g(api):
    return s.Graph(api)


def observations_of(api, datastream):
    return api.get_json(f"Datastreams({datastream})/Observations?$orderby=id&$top=1000")["value"]


# ---------------------------------------------------------------- service root


def test_service_root_announces_the_mqtt_endpoint(api, mqtt_port):
    settings = api.get_json("")["serverSettings"]
    assert CREATE_CLASS in settings["conformance"], settings
    assert RECEIVE_CLASS in settings["conformance"], settings
    for requirement in (CREATE_CLASS, RECEIVE_CLASS):
        # MQTT over WebSocket is on the HTTP port (test_mqtt_websocket.py).
        assert settings[requirement] == {"endpoints": [f"mqtt://127.0.0.1:{mqtt_port}",
                                                       f"ws://127.0.0.1:{api.server.port}/mqtt"]}, settings


def test_no_mqtt_announced_when_disabled(tmp_path, start_server):
    # FUNDAMENT_MQTT_ENABLED has no flag; a file sets it.
    config = tmp_path / "fundament.toml"
    config.write_text("[mqtt]\nenabled = false\n")
    off = start_server(tmp_path / "data", ["--config", str(config)])
    settings = off.get_json("")["serverSettings"]
    assert CREATE_CLASS not in settings["conformance"] and CREATE_CLASS not in settings, settings
    assert RECEIVE_CLASS not in settings["conformance"] and RECEIVE_CLASS not in settings, settings
    assert '"protocol":"mqtt"' not in off.server.output()


# ---------------------------------------------------------------- receiving updates


def test_collection_topic_receives_observation_created_over_http(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    assert subscriber.subscribe(topic) == [0]
    oid = g.observe(s.at(1), 11.5)
    assert subscriber.next() == (topic, api.get_json(f"Observations({oid})"))
    subscriber.nothing()


def test_collection_topic_receives_observations_of_create_observations(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    response = api.post("CreateObservations", [
        {"Datastream": ref(g.datastream), "components": ["phenomenonTime", "result"],
         "dataArray": [[s.at(2), 2.0], [s.at(3), 3.0]]}])
    assert response.status_code == 201, describe(response)
    links = response.json()
    received = subscriber.take(2)
    assert sorted(m["@iot.selfLink"] for _, m in received) == sorted(links)
    for received_topic, message in received:
        assert received_topic == topic
        assert message == api.get_json(message["@iot.selfLink"])
    subscriber.nothing()


def test_collection_topic_receives_observations_of_a_json_batch(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    response = api.post("$batch", {"requests": [
        {"id": "a", "atomicityGroup": "g", "method": "post", "url": "Observations",
         "body": s.observation(s.at(4), 4.0, Datastream=ref(g.datastream))},
        {"id": "b", "method": "post", "url": f"Datastreams({g.datastream})/Observations",
         "body": s.observation(s.at(5), 5.0)}]})
    assert response.status_code == 200, describe(response)
    assert all(r["status"] == 201 for r in response.json()["responses"]), response.text
    results = sorted(message["result"] for _, message in subscriber.take(2))
    assert results == [4.0, 5.0]
    subscriber.nothing()


def test_collection_topic_receives_observations_of_a_multipart_batch(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    boundary = f"batch_{uuid.uuid4()}"
    payload = json.dumps(s.observation(s.at(6), 6.0, Datastream=ref(g.datastream)))
    part = "\r\n".join(["Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                        "POST /v1.1/Observations HTTP/1.1", "Host: localhost", "Content-Type: application/json",
                        f"Content-Length: {len(payload)}", "", payload])
    body = f"--{boundary}\r\n{part}\r\n--{boundary}--\r\n"
    response = api.post("$batch", data=body.encode(),
                        headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
    assert response.status_code == 200, describe(response)
    _, message = subscriber.next()
    assert message["result"] == 6.0
    subscriber.nothing()


def test_collection_topic_receives_observation_created_over_mqtt(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    client().publish(topic, s.observation(s.at(7), 7.25))
    received_topic, message = subscriber.next()
    assert received_topic == topic
    assert message["result"] == 7.25
    assert message == api.get_json(message["@iot.selfLink"])
    # Published once, by the server: the client's own message is not routed.
    subscriber.nothing()


def test_feature_of_interest_collection_topic(api, client, g):
    subscriber, witness = client(), client()
    witness.subscribe(f"v1.1/Datastreams({g.datastream})/Observations")
    oid = g.observe(s.at(8), 8.0)
    # Publishing follows the commit; once the witness has the first
    # Observation, it is no longer on its way to the new subscription.
    assert witness.next()[1]["@iot.id"] == oid
    foi = api.get_json(f"Observations({oid})/FeatureOfInterest")["@iot.id"]
    topic = f"v1.1/FeaturesOfInterest({foi})/Observations"
    subscriber.subscribe(topic)
    oid2 = g.observe(s.at(9), 9.0)
    assert subscriber.next() == (topic, api.get_json(f"Observations({oid2})"))


def test_select_topic_carries_the_selected_properties_only(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations?$select=result,phenomenonTime"
    assert subscriber.subscribe(topic) == [0]
    oid = g.observe(s.at(10), 10.5)
    received_topic, message = subscriber.next()
    assert received_topic == topic
    assert message == api.get_json(f"Observations({oid})?$select=result,phenomenonTime")
    assert set(message) == {"result", "phenomenonTime"}, message
    assert message["result"] == 10.5


def test_entity_set_topic_receives_creates_and_updates(api, client):
    subscriber = client()
    subscriber.subscribe("v1.1/Sensors")
    sid = api.create_id("Sensors", s.sensor())
    assert subscriber.next() == ("v1.1/Sensors", api.get_json(f"Sensors({sid})"))
    # §14.2.1: "or an existing entity of the entity set is updated".
    assert api.patch(f"Sensors({sid})", {"description": "recalibrated"}).status_code in (200, 204)
    topic, message = subscriber.next()
    assert topic == "v1.1/Sensors" and message["description"] == "recalibrated"
    # Deletions are not published.
    assert api.delete(f"Sensors({sid})").status_code in (200, 204)
    subscriber.nothing()


def test_entity_topic_receives_updates(api, client, g):
    subscriber = client()
    topic = f"v1.1/Things({g.thing})"
    subscriber.subscribe(topic)
    response = api.patch(f"Things({g.thing})", {"description": "moved to the harbour"})
    assert response.status_code in (200, 204), describe(response)
    assert subscriber.next() == (topic, api.get_json(f"Things({g.thing})"))
    # Other Things' updates do not reach it.
    other = api.create_id("Things", s.thing())
    api.patch(f"Things({other})", {"description": "x"})
    subscriber.nothing()


def test_property_topic_receives_the_property_when_it_changes(api, client, g):
    subscriber = client()
    topic = f"v1.1/Things({g.thing})/description"
    subscriber.subscribe(topic)
    api.patch(f"Things({g.thing})", {"description": "first"})
    assert subscriber.next() == (topic, {"description": "first"})
    assert api.get_json(f"Things({g.thing})/description") == {"description": "first"}
    # An update that leaves the property as it was is no change of it (§14.2.3).
    api.patch(f"Things({g.thing})", {"name": s.uniq("renamed")})
    api.patch(f"Things({g.thing})", {"description": "first"})
    subscriber.nothing()
    api.patch(f"Things({g.thing})", {"description": "second"})
    assert subscriber.next() == (topic, {"description": "second"})


def test_datastream_phenomenon_time_topic_follows_observations(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/phenomenonTime"
    subscriber.subscribe(topic)
    g.observe(s.at(100), 1.0)
    assert subscriber.next() == (topic, api.get_json(f"Datastreams({g.datastream})/phenomenonTime"))
    g.observe(s.at(100), 2.0)  # inside the interval: no change
    subscriber.nothing()


def test_version_1_0_topics(api, client, g):
    subscriber = client()
    topic = f"v1.0/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    oid = g.observe(s.at(11), 11.0)
    received_topic, message = subscriber.next()
    assert received_topic == topic
    assert message == api.get_json(f"{api.root}/v1.0/Observations({oid})")


def test_qos_1_subscription_is_granted_and_delivered_at_qos_1(client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    assert subscriber.subscribe(topic, qos=1) == [1]
    g.observe(s.at(12), 12.0)
    message = subscriber.messages.get(timeout=TIMEOUT)
    assert message.qos == 1


def test_non_sensorthings_subscriptions_are_refused(client, g):
    subscriber = client()
    codes = subscriber.subscribe("v1.1/#", "v1.1/Datastreams(1)/+", "sensors/kiel/level",
                                 f"v1.1/Datastreams({g.datastream})/Thing", "v1.1/Things?$top=1",
                                 f"v1.1/Datastreams({g.datastream})/Observations")
    assert codes == [REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, 0]
    assert subscriber.connected()


# ---------------------------------------------------------------- creating Observations


def test_publish_qos_1_creates_the_observation_before_the_puback(api, client, g):
    publisher = client()
    before = len(observations_of(api, g.datastream))
    publisher.publish(f"v1.1/Datastreams({g.datastream})/Observations",
                      s.observation(s.at(20), 20.5, parameters={"via": "mqtt"}))
    # No waiting: the PUBACK came after the commit.
    observations = observations_of(api, g.datastream)
    assert len(observations) == before + 1
    created = observations[-1]
    assert created["result"] == 20.5 and created["parameters"] == {"via": "mqtt"}
    assert s.parse_time(created["phenomenonTime"]) == s.parse_time(s.at(20))
    # Linked to the Thing's Location's FeatureOfInterest like an HTTP POST.
    assert api.get_json(f"{created['@iot.selfLink']}/FeatureOfInterest")["@iot.id"]


def test_publish_to_observations_with_a_datastream_link(api, client, g):
    publisher = client()
    publisher.publish("v1.1/Observations", s.observation(s.at(21), 21.0, Datastream=ref(g.datastream)))
    assert [o["result"] for o in observations_of(api, g.datastream)] == [21.0]


def test_publish_with_deep_insert_of_a_feature_of_interest(api, client, g):
    publisher = client()
    name = s.uniq("mqtt-foi")
    publisher.publish(f"v1.1/Datastreams({g.datastream})/Observations",
                      s.observation(s.at(22), 22.0, FeatureOfInterest=s.feature(10.7, 54.1, name=name)))
    created = observations_of(api, g.datastream)[-1]
    assert api.get_json(f"{created['@iot.selfLink']}/FeatureOfInterest")["name"] == name


def test_publish_to_a_multi_datastream(api, client, g):
    op2 = api.create_id("ObservedProperties", s.observed_property())
    mds = api.create_id("MultiDatastreams", s.multi_datastream(g.thing, g.sensor, [g.op, op2]))
    client().publish(f"v1.1/MultiDatastreams({mds})/Observations", s.observation(s.at(23), [1.0, 2.0]))
    assert [o["result"] for o in api.get_json(f"MultiDatastreams({mds})/Observations")["value"]] == [[1.0, 2.0]]


def test_invalid_payloads_create_nothing_and_disconnect_nobody(api, client, g):
    subscriber = client()
    topic = f"v1.1/Datastreams({g.datastream})/Observations"
    subscriber.subscribe(topic)
    publisher = client()
    before = api.count("Observations")
    for to, payload in [
        (topic, "not json"),
        (topic, b"\xff\xfe"),
        (topic, json.dumps({"phenomenonTime": s.at(30)})),                 # no result
        (topic, json.dumps({"result": 1, "phenomenonTime": "yesterday"})),
        (topic, json.dumps([{"result": 1}])),                              # not one Observation
        (topic, json.dumps({"result": 1, "FeatureOfInterest": {"name": "half"}})),  # invalid deep insert
        ("v1.1/Observations", json.dumps({"result": 1})),                  # no Datastream
        ("v1.1/Datastreams(999999999)/Observations", json.dumps({"result": 1})),
        ("v1.1/Things", json.dumps(s.thing())),                            # creates nothing
        ("sensors/kiel/level", "17"),                                      # not a SensorThings topic
    ]:
        publisher.publish(to, payload)  # acknowledged (QoS 1) all the same
    assert api.count("Observations") == before
    subscriber.nothing()
    assert publisher.connected() and subscriber.connected()
    # Both go on working.
    publisher.publish(topic, s.observation(s.at(31), 31.0))
    assert subscriber.next()[1]["result"] == 31.0
    assert api.count("Observations") == before + 1


def test_clients_cannot_publish_to_subscribers_directly(client, g):
    subscriber = client()
    subscriber.subscribe(f"v1.1/Things({g.thing})")
    client().publish(f"v1.1/Things({g.thing})", json.dumps({"name": "spoofed"}))
    subscriber.nothing()


# ---------------------------------------------------------------- mosquitto clients


def test_mosquitto_sub_and_pub(api, mqtt_port, g):
    topic = f"v1.1/Datastreams({g.datastream})/Observations?$select=result"
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-t", topic, "-C", "1",
                            "-W", str(TIMEOUT), "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # mosquitto_sub has no "subscribed" signal: publish until it has seen one.
        deadline = time.monotonic() + TIMEOUT
        while sub.poll() is None and time.monotonic() < deadline:
            pub = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-q", "1",
                                  "-t", f"v1.1/Datastreams({g.datastream})/Observations",
                                  "-m", json.dumps({"result": 42})], capture_output=True, text=True, timeout=TIMEOUT)
            assert pub.returncode == 0, pub.stderr
            try:
                sub.wait(0.3)
            except subprocess.TimeoutExpired:
                pass
        out, err = sub.communicate(timeout=TIMEOUT)
    finally:
        if sub.poll() is None:
            sub.kill()
    assert sub.returncode == 0, err
    assert out.strip() == f'{topic} {{"result":42}}', out
    assert all(o["result"] == 42 for o in observations_of(api, g.datastream))


def test_mosquitto_sub_sees_the_refusal(mqtt_port):
    result = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-t", "v1.1/#", "-C", "1",
                             "-W", "3"], capture_output=True, text=True, timeout=TIMEOUT)
    # mosquitto_sub reports the SUBACK 0x80 and ends (with status 0).
    assert "All subscription requests were denied" in result.stderr, result


# ---------------------------------------------------------------- lifecycle


def test_a_taken_mqtt_port_stops_the_server_at_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(binary_path()), "serve", "--host", "127.0.0.1", "--port", "0",
                                 "--mqtt-port", str(port), "--data", str(tmp_path / "data")],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert '"msg":"cannot listen","protocol":"mqtt"' in output and str(port) in output, output
    assert '"msg":"listening"' not in output, output


def test_sigterm_stops_http_and_mqtt_cleanly(tmp_path):
    process = _start(tmp_path / "data")
    port = process.mqtt_port
    c = Client(port)
    c.subscribe("v1.1/Things")
    status = process.stop()
    assert status == 0, process.output(last=40)
    assert c.disconnects.get(timeout=TIMEOUT) is not None
    c.client.loop_stop()
    output = process.output()
    assert '"msg":"mqtt stopped"' in output and '"msg":"server stopped"' in output, output
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{process.port}/health", timeout=2)
