"""Starts and stops the Fundament server binary for the black-box API tests.

The server is a separate process on a free port and its own data directory; the
tests talk to it over HTTP only. Both output streams are drained in threads so
the server can never block on a full pipe, and the captured lines are shown
whenever starting, stopping or a test fails.

With FUNDAMENT_TEST_STORE=postgres every server keeps its data in
PostgreSQL instead (FUNDAMENT_TEST_POSTGRES_URL, the server that
scripts/start-postgres started): each data directory stands for a database
of its own, created on first use, so that a restart on the same directory
finds the same data and different directories never share any.
"""

import atexit
import collections
import hashlib
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / "build" / "fundament"

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0

_LISTENING = re.compile(r'"msg"\s*:\s*"listening"')
_PORT = re.compile(r'"port"\s*:\s*"?(\d+)')
# The MQTT broker's "listening" line; the HTTP server's is any other.
_MQTT = re.compile(r'"protocol"\s*:\s*"mqtt"')

# Every server started and not yet stopped, so that an interrupted run leaves
# no process behind.
_running = set()


class ServerError(Exception):
    """The server could not be started or did not stop cleanly."""


def binary_path():
    """The server binary: $FUNDAMENT_BINARY, else build/fundament in the repository."""
    return Path(os.environ.get("FUNDAMENT_BINARY", str(DEFAULT_BINARY)))


def binary_problem():
    """Why the binary cannot be run, or None when it can."""
    path = binary_path()
    if not path.exists():
        return (f"server binary not found: {path}\n"
                "Build it first (`make build`, or `make api-test` for the sanitizer build) "
                "or point FUNDAMENT_BINARY at it.")
    if not path.is_file() or not os.access(path, os.X_OK):
        return f"server binary is not an executable file: {path}"
    return None


def postgres_url():
    """The PostgreSQL server for tests (FUNDAMENT_TEST_POSTGRES_URL), or None."""
    return os.environ.get("FUNDAMENT_TEST_POSTGRES_URL") or None


def on_postgresql():
    """True when the servers of this run keep their data in PostgreSQL."""
    return os.environ.get("FUNDAMENT_TEST_STORE") == "postgres"


def create_database(name):
    """Creates database `name` on the test PostgreSQL (if new); returns its URL."""
    base = postgres_url()
    if base is None:
        raise ServerError("FUNDAMENT_TEST_POSTGRES_URL is not set (scripts/start-postgres prints one)")
    result = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c",
                             f'CREATE DATABASE "{name}"'], capture_output=True, text=True)
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise ServerError(f"could not create database {name}: {result.stderr.strip()}")
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def database_for(data_dir):
    """The URL of the database standing for `data_dir`."""
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:20]
    return create_database("api_" + digest)


class ServerProcess:
    """One running server: `serve --port 0 --mqtt-port 0 --data <dir> --log-level info [extra…]`.

    MQTT gets an ephemeral port too, so that servers of parallel runs never
    compete for 1883; `mqtt_port` is the one it logged.
    """

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.port = None
        self._mqtt_port = None
        self.proc = None
        self._store_url = None
        self._lines = collections.deque(maxlen=4000)
        self._lock = threading.Lock()
        self._port_found = threading.Event()
        self._mqtt_port_found = threading.Event()
        self._readers = []

    @property
    def root_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def mqtt_port(self):
        """The MQTT port from the server's log; fails when it logged none (MQTT disabled)."""
        if not self._mqtt_port_found.wait(5):
            raise ServerError('no log line with "msg":"listening" and "protocol":"mqtt"\n'
                              f"--- server output ---\n{self.output() or '(none)'}")
        return self._mqtt_port

    @property
    def command(self):
        store = []
        if on_postgresql() and not any(arg == "--store" for arg in self.extra_args):
            if self._store_url is None:
                self._store_url = database_for(self.data_dir)
            store = ["--store", self._store_url]
        return [str(binary_path()), "serve", "--port", "0", "--mqtt-port", "0", "--data", str(self.data_dir),
                *store, "--log-level", "info", *self.extra_args]

    def output(self, last=None):
        """The captured output lines (the last `last` of them) as one string."""
        with self._lock:
            lines = list(self._lines)
        if last is not None:
            lines = lines[-last:]
        return "\n".join(lines)

    def _read(self, stream, name):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            with self._lock:
                self._lines.append(f"[{name}] {line}")
            if _LISTENING.search(line):
                match = _PORT.search(line)
                if not match:
                    pass
                elif _MQTT.search(line):
                    if not self._mqtt_port_found.is_set():
                        self._mqtt_port = int(match.group(1))
                        self._mqtt_port_found.set()
                elif not self._port_found.is_set():
                    self.port = int(match.group(1))
                    self._port_found.set()
        stream.close()

    def _fail(self, why):
        self._kill()
        raise ServerError(f"{why}\ncommand: {' '.join(self.command)}\n"
                          f"--- server output ---\n{self.output() or '(none)'}")

    def start(self, timeout=START_TIMEOUT_S):
        """Starts the server and waits until GET /health answers 200."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _running.add(self)
        for stream, name in ((self.proc.stdout, "stdout"), (self.proc.stderr, "stderr")):
            reader = threading.Thread(target=self._read, args=(stream, name), daemon=True)
            reader.start()
            self._readers.append(reader)

        deadline = time.monotonic() + timeout
        while not self._port_found.wait(0.05):
            if self.proc.poll() is not None:
                self._fail(f"server exited with status {self.proc.returncode} before logging "
                           '"msg":"listening" with its "port"')
            if time.monotonic() > deadline:
                self._fail(f'no log line with "msg":"listening" and "port" within {timeout:.0f} s')
        if not self.port:
            self._fail("server logged port 0: it must log the port it actually bound")

        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"server exited with status {self.proc.returncode} before /health answered")
            try:
                response = requests.get(self.root_url + "/health", timeout=2)
                if response.status_code == 200:
                    return self
                last_error = f"GET /health -> {response.status_code}: {response.text[:200]}"
            except requests.RequestException as error:
                last_error = f"GET /health failed: {error}"
            time.sleep(0.05)
        self._fail(f"GET /health did not answer 200 within {timeout:.0f} s (last: {last_error})")

    def stop(self, timeout=STOP_TIMEOUT_S):
        """Sends SIGTERM and returns the exit status; raises if the server does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            _running.discard(self)
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._fail(f"server did not exit within {timeout:.0f} s of SIGTERM")
        for reader in self._readers:
            reader.join(2)
        _running.discard(self)
        return status

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for reader in self._readers:
            reader.join(1)
        _running.discard(self)


@atexit.register
def _kill_leftovers():
    for server in list(_running):
        server._kill()
