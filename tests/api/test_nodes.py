"""Several nodes on one PostgreSQL database: what one node commits, every node
serves and announces.

Two servers (A and B) share a fresh database, as stateless nodes behind a
load balancer would. A write on either is readable on the other at once, and
an MQTT subscriber on any node receives each change exactly once, whichever
node took the write and whether it came over HTTP or MQTT.

Needs FUNDAMENT_TEST_POSTGRES_URL (`make test` starts a PostgreSQL and sets it).
"""

import json
import queue
import uuid

import paho.mqtt.client as mqtt
import pytest

import support as s
from server_process import ServerError, ServerProcess, binary_problem, create_database, postgres_url
from support import Api, ref

TIMEOUT = 10  # seconds for anything that should be quick (sanitizer builds are slow)
QUIET = 1.0   # how long "no further message" is waited for

pytestmark = pytest.mark.skipif(postgres_url() is None,
                                reason="FUNDAMENT_TEST_POSTGRES_URL is not set (make test sets it)")


def _start(data_dir, store_url):
    problem = binary_problem()
    if problem:
        pytest.exit(problem, returncode=1)
    process = ServerProcess(data_dir, ["--host", "127.0.0.1", "--store", store_url])
    try:
        return process.start()
    except ServerError as error:
        pytest.fail(f"could not start the server:\n{error}", pytrace=False)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    url = create_database("nodes_" + uuid.uuid4().hex[:12])
    started = [_start(tmp_path_factory.mktemp(f"node{name}"), url) for name in "AB"]
    yield [Api(process) for process in started]
    for process in started:
        status = process.stop()
        assert status == 0, f"node must exit 0 after SIGTERM, got {status}\n{process.output(last=60)}"


class Subscriber:
    """A paho-mqtt client subscribed to one topic, its messages in a queue."""

    def __init__(self, port, topic):
        self.messages = queue.Queue()
        subscribed = queue.Queue()
        self.client = mqtt.Client(client_id=f"nodes-{uuid.uuid4().hex[:12]}", protocol=mqtt.MQTTv311)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = lambda c, u, mid, granted: subscribed.put(list(granted))
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        self.client.subscribe(topic, 0)
        assert subscribed.get(timeout=TIMEOUT) == [0], f"subscription to {topic} refused"

    def next(self):
        try:
            message = self.messages.get(timeout=TIMEOUT)
        except queue.Empty:
            pytest.fail(f"no message within {TIMEOUT} s")
        return json.loads(message.payload)

    def nothing_more(self):
        try:
            message = self.messages.get(timeout=QUIET)
        except queue.Empty:
            return
        pytest.fail(f"unexpected second message on {message.topic}: {message.payload!r}")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def graph(nodes):
    a, _ = nodes
    return s.Graph(a)


def test_a_write_on_one_node_is_read_on_the_other(nodes, graph):
    a, b = nodes
    observation_id = graph.observe("2026-05-01T10:00:00Z", 3.25)
    on_b = b.get_json(f"Observations({observation_id})")
    assert on_b["result"] == 3.25
    assert s.parse_time(on_b["phenomenonTime"]) == s.parse_time("2026-05-01T10:00:00Z")
    thing_on_b = b.get_json(f"Things({graph.thing})?$expand=Datastreams")
    assert [d["@iot.id"] for d in thing_on_b["Datastreams"]] == [graph.datastream]
    # And back: B writes, A reads.
    b.patch(f"Things({graph.thing})", {"description": "changed on B"})
    assert a.get_json(f"Things({graph.thing})")["description"] == "changed on B"


def test_subscriber_on_b_receives_an_observation_created_over_http_on_a_once(nodes, graph):
    a, b = nodes
    topic = f"v1.1/Datastreams({graph.datastream})/Observations"
    on_b = Subscriber(b.server.mqtt_port, topic)
    on_a = Subscriber(a.server.mqtt_port, topic)
    try:
        observation_id = graph.observe("2026-05-01T11:00:00Z", 7.5)
        for subscriber, api in ((on_b, b), (on_a, a)):
            message = subscriber.next()
            assert message["@iot.id"] == observation_id
            assert message["result"] == 7.5
            # The message is what a GET on that node returns.
            assert message == api.get_json(f"Observations({observation_id})")
        on_b.nothing_more()
        on_a.nothing_more()
    finally:
        on_b.close()
        on_a.close()


def test_observation_published_on_b_reaches_a_subscriber_on_a_once(nodes, graph):
    a, b = nodes
    topic = f"v1.1/Datastreams({graph.datastream})/Observations"
    on_a = Subscriber(a.server.mqtt_port, topic)
    publisher = mqtt.Client(client_id=f"nodes-pub-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311)
    publisher.connect("127.0.0.1", b.server.mqtt_port, 30)
    publisher.loop_start()
    try:
        info = publisher.publish(topic, json.dumps({"result": 42, "phenomenonTime": "2026-05-01T12:00:00Z"}), 1)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), "no PUBACK from node B"
        message = on_a.next()
        assert message["result"] == 42
        assert a.get_json(f"Observations({message['@iot.id']})")["result"] == 42
        on_a.nothing_more()
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        on_a.close()


def test_many_writes_on_both_nodes_each_announced_once_everywhere(nodes, graph):
    a, b = nodes
    topic = f"v1.1/Datastreams({graph.datastream})/Observations"
    subscribers = [Subscriber(a.server.mqtt_port, topic), Subscriber(b.server.mqtt_port, topic)]
    try:
        created = set()
        for i in range(40):
            api = a if i % 2 == 0 else b
            created.add(api.create_id("Observations", s.observation(f"2026-05-02T00:{i:02d}:00Z", i,
                                                                    Datastream=ref(graph.datastream))))
        for subscriber in subscribers:
            received = [subscriber.next()["@iot.id"] for _ in range(len(created))]
            assert sorted(received) == sorted(created), "every Observation exactly once"
            subscriber.nothing_more()
    finally:
        for subscriber in subscribers:
            subscriber.close()
