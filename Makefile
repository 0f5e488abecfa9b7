# Yardstick — build, test, demo and benchmarks.
# `make demo` and `make test` are the two commands a fresh machine needs.

SWIFT ?= swift
DB ?= experiments/yardstick.db
BIN = .build/debug/yardstick

.PHONY: all build release test demo bench check-deps check-python check-browser clean

all: build

# Swift and the SQLite and libpq headers are the only things the build needs from the system.
check-deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "error: Swift 6 toolchain not found (install it from swift.org and put 'swift' on PATH)" >&2; exit 1; }
	@if ! { pkg-config --exists sqlite3 2>/dev/null || [ -f /usr/include/sqlite3.h ]; }; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "libsqlite3-dev missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev pkg-config >/dev/null; \
	  else \
	    echo "error: the SQLite headers are missing. Install them: sudo apt-get install libsqlite3-dev (Debian/Ubuntu), sudo dnf install sqlite-devel (Fedora), brew install sqlite (macOS)" >&2; exit 1; \
	  fi; \
	fi

# libpq (PostgreSQL's client library) for team stores on a server: headers and pkg-config file from libpq-dev.
	@if ! pkg-config --exists libpq 2>/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "libpq-dev missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev pkg-config >/dev/null; \
	  else \
	    echo "error: the libpq headers are missing. Install them: sudo apt-get install libpq-dev (Debian/Ubuntu), sudo dnf install libpq-devel (Fedora), brew install libpq (macOS)" >&2; exit 1; \
	  fi; \
	fi

# The report tests render the HTML report in headless Chromium (YardstickReportTests/BrowserTests): installed
# with apt-get when run as root on Debian/Ubuntu; otherwise the test says it was skipped (and fails under CI=true).
check-browser:
	@if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1 && [ -z "$$YARDSTICK_BROWSER" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "chromium-headless-shell missing: installing it with apt-get (for the report's browser test)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null \
	      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: no headless Chromium: the report's browser test will be skipped (install chromium-headless-shell or chromium, or set YARDSTICK_BROWSER)"; \
	  fi; \
	fi

# The runner's tests talk to a local OpenAI-compatible server written in Python (Tests/Fixtures/runner/fake_openai.py)
# and run small Python models; the demo's models are Python scripts too.
check-python:
	@command -v python3 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "python3 missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; \
	  else \
	    echo "error: python3 is needed by the runner tests and the demo's models: install it (sudo apt-get install python3)" >&2; exit 1; \
	  fi; }

build: check-deps
	$(SWIFT) build

release: check-deps
	$(SWIFT) build -c release

# The executable is built first because the end-to-end tests run it. The store, filter and CLI tests run against
# SQLite and a throwaway PostgreSQL server (Tests/with-postgres.sh: initdb in a temp folder, 127.0.0.1 on a free
# port, removed afterwards even when tests fail; Debian's postgresql is installed when missing and run as root).
# Without PostgreSQL those cases are skipped and say why; under CI=true that is a failure.
test: check-deps check-python check-browser
	$(SWIFT) build
	bash Tests/with-postgres.sh $(SWIFT) test --disable-xctest

demo: build check-python
	@bash experiments/demo.sh $(BIN) $(DB)

bench: check-deps
	@bash Benchmarks/run.sh

clean:
	rm -rf .build
