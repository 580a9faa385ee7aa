# Fundament — the two commands a newcomer needs are `make run` and `make test`.
# Everything here is plain CMake + Ninja underneath.

BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
FUZZ_DIR    ?= build-fuzz
PORT        ?= 8080
DATA_DIR    ?= data
JOBS        ?= $(shell nproc)
PYTHON      ?= /usr/bin/python3
FUZZ_SECONDS ?= 20

.PHONY: all deps build run test unit-test asan-test api-test fuzz fuzz-smoke bench bench-deps clean format

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

# The server ends up at build/fundament.
build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the server on the embedded store with demo data on http://localhost:8080.
run: build
	$(BUILD_DIR)/fundament serve --port $(PORT) --data $(DATA_DIR) --demo

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFUNDAMENT_SANITIZE=ON

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer. The store
# tests run twice, the second time against a throw-away PostgreSQL server
# (scripts/start-postgres), which is stopped afterwards, also when tests fail.
asan-test: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)
	@pg_dir=$$(mktemp -d /tmp/fundament-test-pg.XXXXXX) && \
	  trap '$(CURDIR)/scripts/stop-postgres "$$pg_dir"' EXIT && trap 'exit 130' INT TERM && \
	  url=$$($(CURDIR)/scripts/start-postgres "$$pg_dir") && \
	  cd $(ASAN_DIR) && FUNDAMENT_TEST_POSTGRES_URL="$$url" ctest --output-on-failure -j $(JOBS)

# Black-box tests of the API against the sanitizer build of the server.
api-test: asan-test
	FUNDAMENT_BINARY=$(abspath $(ASAN_DIR))/fundament $(PYTHON) -m pytest -q tests/api

# The same black-box tests with every server on a throw-away PostgreSQL
# (a database per data directory), plus two nodes sharing one database.
.PHONY: api-test-postgres
api-test-postgres: asan-test
	@pg_dir=$$(mktemp -d /tmp/fundament-api-pg.XXXXXX) && \
	  trap '$(CURDIR)/scripts/stop-postgres "$$pg_dir"' EXIT && trap 'exit 130' INT TERM && \
	  url=$$($(CURDIR)/scripts/start-postgres "$$pg_dir") && \
	  FUNDAMENT_TEST_STORE=postgres FUNDAMENT_TEST_POSTGRES_URL="$$url" \
	  FUNDAMENT_BINARY=$(abspath $(ASAN_DIR))/fundament $(PYTHON) -m pytest -q tests/api

# The MQTT broker against real MQTT clients (mosquitto_pub/sub, paho-mqtt),
# on the sanitizer build's mqtt_broker_demo.
.PHONY: mqtt-test
mqtt-test: asan-test
	MQTT_BROKER_DEMO=$(abspath $(ASAN_DIR))/mqtt_broker_demo $(PYTHON) -m pytest -q tests/mqtt

# MQTT.js (npm, the library of browser dashboards) over the MQTT WebSocket of
# the sanitizer build's server; the packages come from tests/mqttjs/package-lock.json.
.PHONY: mqttjs-test
mqttjs-test: asan-test
	cd tests/mqttjs && npm ci --no-audit --no-fund
	cd tests/mqttjs && FUNDAMENT_BINARY=$(abspath $(ASAN_DIR))/fundament node --test

$(FUZZ_DIR)/build.ninja:
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DFUNDAMENT_FUZZ=ON -DFUNDAMENT_TESTS=OFF -DFUNDAMENT_SANITIZE=ON

# A short, bounded run of every fuzz target over its corpus (part of `make test`).
fuzz-smoke: deps $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	tests/fuzz/run $(FUZZ_DIR) 10

# A longer fuzz run: `make fuzz FUZZ_SECONDS=3600`.
fuzz: deps $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)

# Every test: the release build, unit tests and API tests under sanitizers,
# real MQTT clients (also MQTT.js over WebSocket), fuzz smoke.
test: build api-test api-test-postgres mqtt-test mqttjs-test fuzz-smoke

# Benchmarks against InfluxDB, nginx and raw SQLite, and the filter
# micro-benchmark, in one run that writes bench/RESULTS.md (about 10 minutes);
# bench/README.md says what each measures and how to read it.
# `make bench BENCH_ARGS=--quick` is a short smoke test.
BENCH_ARGS ?=

bench-deps:
	@scripts/install-bench-deps

bench: bench-deps build
	bench/run --build-dir $(BUILD_DIR) $(BENCH_ARGS)

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
