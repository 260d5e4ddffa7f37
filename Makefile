# Two commands for a newcomer on a fresh machine (see README.md):
#   make run    set everything up and run hub + worker on a sandbox site
#   make test   set everything up and run the test suite
# Both install missing system packages (as root), build, and start private Redis and PostgreSQL on
# loopback with data under .dev/ (git-ignored).
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: run test bench chaos build deps services-start services-stop clean

run: deps
	@scripts/run.sh

test: deps
	@scripts/test.sh

# Throughput figures (not a test): scripts/bench.py; BENCH_ARGS="--files 20000" for a shorter run.
bench: deps
	@scripts/bench.sh $(BENCH_ARGS)

# Chaos check (bounded): kills workers while 2,000 tasks run; CHAOS_ARGS="--tasks 300" for a shorter run.
chaos: deps
	@scripts/chaos.sh $(CHAOS_ARGS)

build: deps
	swift build

deps:
	@scripts/deps.sh

services-start: deps
	@scripts/services.sh start

services-stop:
	@scripts/services.sh stop

clean:
	scripts/services.sh stop || true
	rm -rf .build .dev .run
