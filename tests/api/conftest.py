"""Fixtures for the black-box API tests: servers on temporary data directories.

- `server` / `api`: one server for the whole run (session). Tests on it create
  their own entities and look only at those, or compare counts before/after.
- `fresh_api`: a server of its own per module, for modules that count or order
  whole entity sets. A module uses it by redefining `api`:
      @pytest.fixture(scope="module")
      def api(fresh_api): return fresh_api
- `demo_api`: a server started with --demo.
- `start_server`: starts extra servers (e.g. to restart on the same data).

Every server is stopped with SIGTERM and must exit with status 0 within 10 s.
"""

import pytest

from server_process import ServerError, ServerProcess, binary_problem
from support import Api


def _start(data_dir, extra_args=(), fatal=False):
    problem = binary_problem()
    if problem:
        # Nothing can pass without the binary: stop the whole run at once.
        pytest.exit(problem, returncode=1)
    server = ServerProcess(data_dir, extra_args)
    try:
        return server.start()
    except ServerError as error:
        if fatal:
            pytest.exit(f"could not start the server:\n{error}", returncode=1)
        pytest.fail(f"could not start the server:\n{error}", pytrace=False)


def _stop(server):
    status = server.stop()
    assert status == 0, (f"server must exit 0 after SIGTERM, got {status}\n"
                         f"--- server output (tail) ---\n{server.output(last=60)}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    process = _start(tmp_path_factory.mktemp("data"), fatal=True)
    yield process
    _stop(process)


@pytest.fixture(scope="session")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def fresh_api(tmp_path_factory):
    process = _start(tmp_path_factory.mktemp("fresh"))
    yield Api(process)
    _stop(process)


@pytest.fixture(scope="module")
def demo_api(tmp_path_factory):
    process = _start(tmp_path_factory.mktemp("demo"), ["--demo"])
    yield Api(process)
    _stop(process)


@pytest.fixture
def start_server():
    """start_server(data_dir, extra_args=()) -> Api; stopped (and checked) after the test."""
    started = []

    def start(data_dir, extra_args=()):
        process = _start(data_dir, extra_args)
        started.append(process)
        return Api(process)

    yield start
    for process in started:
        if process.proc is not None and process.proc.poll() is None:
            _stop(process)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Appends the tail of the server's output to the report of a failed test."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    seen = set()
    for value in getattr(item, "funcargs", {}).values():
        process = value.server if isinstance(value, Api) else value
        if isinstance(process, ServerProcess) and id(process) not in seen:
            seen.add(id(process))
            report.sections.append((f"server output (port {process.port}, tail)", process.output(last=40)))
