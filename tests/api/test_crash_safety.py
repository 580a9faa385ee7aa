"""A 201 means committed: acknowledged writes survive SIGKILL of the server.

The server is killed (SIGKILL, no chance to clean up) again and again while
several clients post Observations over keep-alive connections, some single and
some as CreateObservations batches. After every kill the database files must
pass SQLite's integrity and foreign-key checks before the server opens them,
and after the restart every Observation that was acknowledged must be there.
"""

import random
import sqlite3
import threading
import time

import requests

import support as s
from server_process import ServerProcess, on_postgresql
from support import Api, ref

CYCLES = 20
WRITERS = 8


def check_database_files(path):
    connection = sqlite3.connect(str(path))
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def id_from_link(link):
    return int(link[link.rindex("(") + 1:link.rindex(")")])


class Writers:
    """WRITERS threads posting Observations until stopped; collects acknowledged ids."""

    def __init__(self, api, datastream, cycle):
        self.url = api.base
        self.datastream = datastream
        self.cycle = cycle
        self.acknowledged = set()
        self.unexpected = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(WRITERS)]

    def run(self, k):
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            n += 1
            time_text = f"2025-01-{1 + self.cycle:02d}T{k:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z"
            try:
                if k % 4 == 0:
                    # A bulk request: all its rows or none.
                    rows = [[time_text, n + i / 10] for i in range(20)]
                    body = [{"Datastream": ref(self.datastream), "components": ["phenomenonTime", "result"],
                             "dataArray": rows}]
                    response = session.post(f"{self.url}/CreateObservations", json=body, timeout=10)
                    if response.status_code == 201 and "error" not in response.json():
                        with self.lock:
                            self.acknowledged.update(id_from_link(link) for link in response.json())
                        continue
                else:
                    body = {"phenomenonTime": time_text, "result": n, "Datastream": ref(self.datastream)}
                    response = session.post(f"{self.url}/Observations", json=body, timeout=10)
                    if response.status_code == 201:
                        with self.lock:
                            self.acknowledged.add(id_from_link(response.headers["Location"]))
                        continue
                with self.lock:
                    self.unexpected.append(f"{response.status_code}: {response.text[:200]}")
            except requests.RequestException:
                return  # the server is gone

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(20)


def test_acknowledged_writes_survive_sigkill(tmp_path):
    rng = random.Random(20261201)
    data = tmp_path / "data"
    server = ServerProcess(data).start()
    api = Api(server)
    # The Thing's Location gives every Observation its FeatureOfInterest.
    thing = api.create_id("Things", s.thing(Locations=[s.location()]))
    sensor = api.create_id("Sensors", s.sensor())
    op = api.create_id("ObservedProperties", s.observed_property())
    datastream = api.create_id("Datastreams", s.datastream(thing, sensor, op))
    # The writers' Observations are of January 2025. On PostgreSQL the first
    # Observation of a month also creates that month's partition, in its
    # transaction; written here, before the kills, so that they hit ordinary writes.
    acknowledged = {api.create_id("Observations", {"phenomenonTime": "2025-01-01T00:00:00Z", "result": 0,
                                                   "Datastream": ref(datastream)})}
    try:
        for cycle in range(CYCLES):
            writers = Writers(api, datastream, cycle)
            writers.start()
            time.sleep(rng.uniform(0.2, 0.7))
            server.proc.kill()
            server.proc.wait(10)
            writers.join()
            assert not writers.unexpected, writers.unexpected[:5]
            acknowledged |= writers.acknowledged

            if not on_postgresql():  # there the database is the PostgreSQL server's, which was not killed
                check_database_files(data / "fundament.db")
            server = ServerProcess(data).start()
            api = Api(server)
            present = set(api.ids(f"Datastreams({datastream})/Observations?$select=id&$top=10000"))
            missing = acknowledged - present
            assert not missing, (f"cycle {cycle}: {len(missing)} acknowledged Observations lost, "
                                 f"e.g. {sorted(missing)[:10]}")
        print(f"{len(acknowledged)} acknowledged Observations over {CYCLES} kills")
        assert len(acknowledged) > CYCLES * 10, f"too few writes to mean anything: {len(acknowledged)}"
    finally:
        assert server.stop() == 0
