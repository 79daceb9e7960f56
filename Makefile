# Thin wrapper over CMake. Each target installs missing Debian packages
# (needs root; uses apt-get), configures, builds and runs.
#   make report   regenerate reports/ (the main job)
#   make test     build and run every test (ctest)
#   make build    configure and compile only
#   make bench    run the benchmarks, JSON in build/bench.json
#   make fuzz     run each fuzz target for a bounded time (clang, libFuzzer)
#   make test-sanitize  the ctest suite under ASan + UBSan
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

DEB_PACKAGES := cmake g++ ninja-build libboost-math-dev librapidcheck-dev libgtest-dev \
  libgmock-dev libbenchmark-dev libhwy-dev libeigen3-dev libcli11-dev libfmt-dev \
  nlohmann-json3-dev

.PHONY: all build test report bench deps fuzz test-sanitize clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "error: run as root (or install:$$missing)"; exit 2; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q $$missing >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q $$missing; }; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# The main job: the tool and the benchmarks only (no test binaries), a short
# benchmark run, then every report under reports/.
report: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target initcheck_cli initcheck_bench
	$(BUILD)/bin/initcheck_bench --benchmark_min_time=0.1 \
	  --benchmark_out=$(BUILD)/bench.json --benchmark_out_format=json >/dev/null
	$(BUILD)/bin/initcheck report --out reports --bench-json $(BUILD)/bench.json \
	  --commit "$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

bench: build
	$(BUILD)/bin/initcheck_bench --benchmark_out=$(BUILD)/bench.json --benchmark_out_format=json

clean:
	rm -rf $(BUILD)
