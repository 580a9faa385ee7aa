#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/mqtt_session_fuzz.cc: scripted sessions
in the target's input format, one file per scenario, into
tests/fuzz/corpus/mqtt_session_fuzz/. Rerun after changing the format:

    tests/fuzz/corpus/mqtt_session_fuzz.py
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent / "mqtt_session_fuzz"

# Operation kinds (the low six bits of an operation byte; the slot is on top).
OPEN, CLOSE, RAW, CONNECT, SUB, UNSUB, PUB, ACK, PING, DISC, PAUSE, RESUME, ADVANCE, APP_PUB, CHUNK = range(15)

TOPICS = ["a", "a/b", "a/b/c", "v1.1/Datastreams(1)/Observations", "/a", "a//b",
          "$SYS/x", "drop/x", "swallow/x", "throw/x", "deny/x", "b"]
FILTERS = ["#", "+", "a", "a/#", "a/+", "a/+/c", "+/b", "v1.1/#", "drop/#", "deny/x", "$SYS/#",
           "+/+/+", "/#", "a/b/c", "swallow/x", "throw/#"]
CLIENT_IDS = ["a", "b", "c", ""]


def config(inflight=2, queued=4, disconnect_slow=False, hooks=False, sessions=4, connections=5,
           subscriptions=3, retained=3, packet_size=1024, queued_bytes=2048, batch=False):
    # With batch (on_publish_batch): the run limits come from the low bits of
    # the packet size and queue bytes, 1 + (byte 2 & 7) packets and
    # 16 + 4 * (byte 3 & 63) bytes.
    b0 = (inflight - 1) | (queued - 1) << 2 | disconnect_slow << 5 | hooks << 6 | batch << 7
    b1 = (sessions - 2) | (connections - 2) << 2 | (subscriptions - 1) << 4 | retained << 6
    return bytes([b0, b1, (packet_size - 64) // 8, (queued_bytes - 64) // 32])


def op(kind, slot=0, *args):
    return bytes([slot << 6 | kind, *args])


def open_(slot):
    return op(OPEN, slot)


def connect(slot, client_id, clean=True, keep_alive=0, will=None, deny=False, v31=False):
    a = CLIENT_IDS.index(client_id) | clean << 2 | [0, 1, 2, 60].index(keep_alive) << 3
    a |= (will is not None) << 5 | deny << 6 | v31 << 7
    b = 0
    if will is not None:
        topic, length, qos, retain = will
        b = TOPICS.index(topic) | length << 4 | qos << 6 | retain << 7
    return op(CONNECT, slot, a, b)


def sub(slot, filter_, qos=0):
    return op(SUB, slot, FILTERS.index(filter_) | qos << 4)


def sub2(slot, first, qos=0):
    # Two filters in one SUBSCRIBE; the second is FILTERS[(a >> 2) & 15] of the same byte a.
    return op(SUB, slot, FILTERS.index(first) | qos << 4 | 0x40)


def unsub(slot, filter_):
    return op(UNSUB, slot, FILTERS.index(filter_))


def pub(slot, topic, qos=0, length=8, retain=False, dup=False):
    return op(PUB, slot, TOPICS.index(topic) | qos << 4 | retain << 6 | dup << 7, length)


def app_pub(topic, qos=0, length=8, retain=False):
    return op(APP_PUB, 0, TOPICS.index(topic) | qos << 4 | retain << 6, length)


def ack(slot, count=1):
    return op(ACK, slot, count - 1)


def ack_unknown(slot, packet_id):
    return op(ACK, slot, 0x80 | (packet_id - 1))


def advance(ms):
    return op(ADVANCE, 0, ms // 50)


def raw(slot, data):
    return op(RAW, slot, len(data)) + data


def frame(first, body):
    out = bytes([first])
    n = len(body)
    while True:
        digit = n % 128
        n //= 128
        out += bytes([digit | (0x80 if n else 0)])
        if not n:
            return out + body


def string(s):
    s = s.encode()
    return len(s).to_bytes(2, "big") + s


def raw_publish(topic, payload, qos=0, packet_id=1):
    return frame(0x30 | qos << 1, string(topic) + (packet_id.to_bytes(2, "big") if qos else b"") + payload)


PINGREQ = b"\xc0\x00"


def raw_connect(client_id, flags=0x02, level=4):
    return frame(0x10, string("MQTT") + bytes([level, flags, 0, 60]) + string(client_id))


SEEDS = {
    "pubsub_qos0": config() + open_(0) + connect(0, "a") + open_(1) + connect(1, "b")
    + sub(0, "#") + pub(1, "a/b") + pub(1, "b", length=0) + op(PING, 1) + op(DISC, 0) + op(DISC, 1),

    "qos1_window": config(inflight=2) + open_(0) + connect(0, "a") + sub(0, "a/#", qos=1)
    + open_(1) + connect(1, "b") + b"".join(pub(1, "a/b", qos=1, length=i) for i in range(5))
    + ack(0) + ack(0, 2) + ack(0, 4) + ack_unknown(0, 77),

    "persistent_resume": config() + open_(0) + connect(0, "a", clean=False) + sub(0, "a/+", qos=1)
    + op(CLOSE, 0) + app_pub("a/b", qos=1) + app_pub("a/b", qos=1, length=3) + app_pub("a/b", qos=0)
    + open_(0) + connect(0, "a", clean=False) + ack(0) + op(CLOSE, 0)
    + open_(0) + connect(0, "a", clean=False) + ack(0, 3) + op(DISC, 0)
    + open_(1) + connect(1, "a", clean=True),

    "takeover_with_will": config() + open_(0) + connect(0, "c") + sub(0, "#")
    + open_(1) + connect(1, "a", will=("a/b", 4, 1, False)) + open_(2) + connect(2, "a")
    + op(CLOSE, 2) + open_(3) + connect(3, "b", will=("a/b/c", 2, 0, True)) + op(CLOSE, 3)
    + open_(1) + connect(1, "b") + sub(1, "a/#"),

    "retained": config(retained=2) + open_(0) + connect(0, "a") + pub(0, "a/b", retain=True)
    + pub(0, "a/b/c", qos=1, retain=True) + pub(0, "b", retain=True) + app_pub("/a", retain=True)
    + sub(0, "a/#", qos=1) + sub(0, "#") + pub(0, "a/b", retain=True, length=0) + sub(0, "a/+")
    + ack(0, 4),

    "keep_alive": config() + open_(0) + connect(0, "a", keep_alive=1) + open_(1) + connect(1, "b", keep_alive=2)
    + sub(1, "+/b") + advance(1000) + op(PING, 0) + advance(1000) + op(PING, 1) + advance(1200)
    + advance(2000) + open_(2) + advance(1500),

    "connect_timeout": config() + open_(0) + raw(0, raw_connect("a")[:5]) + advance(1100)
    + open_(1) + advance(500) + raw(1, raw_connect("b")),

    "slow_consumer_disconnect": config(inflight=1, queued=2, disconnect_slow=True, queued_bytes=128)
    + open_(0) + connect(0, "a", clean=False, will=("b", 3, 0, False)) + sub(0, "a/#", qos=1)
    + open_(1) + connect(1, "b") + sub(1, "+") + op(PAUSE, 0)
    + b"".join(pub(1, "a/b", qos=i % 2, length=40) for i in range(6)) + advance(1500) + op(RESUME, 0)
    + open_(0) + connect(0, "a", clean=False) + ack(0, 3),

    "slow_consumer_drop": config(inflight=4, queued=8) + open_(0) + connect(0, "a") + sub(0, "#", qos=1)
    + op(PAUSE, 0) + b"".join(app_pub("a", qos=1, length=200) for _ in range(12)) + op(RESUME, 0)
    + ack(0, 8) + ack(0, 8),

    "hooks": config(hooks=True) + open_(0) + connect(0, "a", deny=True) + open_(0) + connect(0, "a")
    + sub(0, "deny/x") + sub2(0, "a", qos=1) + sub(0, "#") + open_(1) + connect(1, "b")
    + pub(1, "swallow/x", qos=1) + pub(1, "a", qos=1) + pub(1, "throw/x", qos=1)
    + open_(1) + connect(1, "b", will=("drop/x", 1, 0, False)) + op(CLOSE, 1) + unsub(0, "a")
    + unsub(0, "#") + open_(1) + connect(1, "b") + pub(1, "drop/x"),

    # Runs of PUBLISH packets in one read: at most 4 packets and 264 bytes
    # each, PINGREQs among them, a QoS 2 PUBLISH and a hook's kDisconnect
    # ending them.
    "publish_runs": config(hooks=True, batch=True, packet_size=1048) + open_(0) + connect(0, "a")
    + sub(0, "#", qos=1) + open_(1) + connect(1, "b")
    + raw(1, b"".join(raw_publish("a", b"%d" % i, qos=i % 2, packet_id=i + 1) for i in range(6))
          + PINGREQ + raw_publish("swallow/x", b"s", qos=1, packet_id=9) + PINGREQ)
    + ack(0, 4) + raw(1, raw_publish("a/b", b"x" * 150) + raw_publish("a/b", b"y" * 80) + raw_publish("b", b"z"))
    + raw(1, raw_publish("a", b"q", qos=1, packet_id=20) + raw_publish("a", b"r", qos=2, packet_id=21))
    + open_(2) + connect(2, "c", will=("a/b", 3, 1, False))
    + raw(2, raw_publish("a", b"1", qos=1, packet_id=1) + raw_publish("drop/x", b"2", qos=1, packet_id=2)
          + raw_publish("a", b"3", qos=1, packet_id=3)) + ack(0, 8),

    "violations": config() + open_(0) + raw(0, frame(0x30, string("a") + b"x"))
    + open_(1) + connect(1, "a") + raw(1, raw_connect("a"))
    + open_(2) + connect(2, "b") + pub(2, "a", qos=2)
    + open_(3) + connect(3, "c") + raw(3, frame(0x62, b"\x00\x01")),

    "malformed": config(packet_size=64) + open_(0) + raw(0, raw_connect("a", level=5))
    + open_(1) + raw(1, raw_connect("b", flags=0x03)) + open_(2) + connect(2, "a")
    + raw(2, frame(0x30, string("a/+") + b"x")) + open_(3) + connect(3, "b")
    + raw(3, frame(0x30, string("a") + b"y" * 80)),

    "chunked": config() + op(CHUNK, 0, 1) + open_(0) + connect(0, "a") + sub(0, "a/b/c", qos=1)
    + op(CHUNK, 0, 3) + pub(0, "a/b/c", qos=1, length=20) + ack(0) + op(CHUNK, 0, 0) + op(DISC, 0),

    "limits": config(sessions=2, connections=3, subscriptions=1, retained=0)
    + open_(0) + connect(0, "a", clean=False) + sub(0, "a") + sub(0, "+/b")
    + open_(1) + connect(1, "b", clean=False) + open_(2) + connect(2, "c") + open_(3)
    + pub(0, "a", retain=True) + op(CLOSE, 1) + open_(1) + connect(1, "", v31=True),

    # The SUBACK never reaches the client, but the persistent session keeps the subscription.
    "suback_lost": config(inflight=1, queued=2, disconnect_slow=True) + open_(0)
    + connect(0, "a", clean=False, will=("b", 3, 0, True)) + op(PAUSE, 0) + sub(0, "a/+") + open_(0)
    + connect(0, "a", clean=False) + app_pub("a/b", qos=1),

    "sys_topics": config() + open_(0) + connect(0, "") + sub2(0, "#")
    + sub(0, "$SYS/#") + pub(0, "$SYS/x") + pub(0, "a//b") + pub(0, "/a") + sub(0, "/#") + pub(0, "/a"),
}


def main():
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
