# Charter: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# prometheus: for its promtool, which the tests run on /metrics and docs/alerts (19 MB download, 96 MB
# installed, about 25 s; Debian ships promtool only in the server's package, whose server the tests never use);
# chromium: the headless browser the dashboard tests render every page in.
APT_PACKAGES := libgit2-dev libyaml-dev libsqlite3-dev zlib1g-dev pkg-config git openssh-server openssh-client python3-pip bubblewrap libseccomp-dev libicu-dev prometheus chromium
# mcp-server-git and mcp-server-time: the reference MCP servers the tool-server tests run (they bring
# the reference Python SDK, whose streamable HTTP server the tests use too); aiosmtpd: the SMTP
# server the notification tests deliver to; openapi-spec-validator and schemathesis check the API.
PY_PACKAGES := ruamel.yaml jsonschema mcp-server-git mcp-server-time aiosmtpd openapi-spec-validator schemathesis

.PHONY: deps build demo test lint format schemas bench

## deps: install the system libraries and test tools that are missing (Debian/Ubuntu).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import ruamel.yaml, jsonschema, mcp_server_git, mcp_server_time, aiosmtpd, openapi_spec_validator, schemathesis" 2>/dev/null || \
		python3 -m pip install -q $(PY_PACKAGES) 2>/dev/null || \
		python3 -m pip install -q --break-system-packages $(PY_PACKAGES)

build: deps
	swift build

## demo: validate example-repo, bootstrap-apply it, edit a file and plan the change.
demo: build
	scripts/demo.sh .build/debug/charter

## test: the whole test suite (unit, git, store, schema agreement, end-to-end CLI).
## The suites that time real sockets, deadlines and timers run on their own after the rest: beside
## a thousand tests sharing 2 cores, their clocks measured the machine's load, not Charter.
TIMED_SUITES := ConnectionLimitTests|ConnectionLimiterTests|LiveServerTests|WebFetchToolTests|HTTPServerTests|StdioServerTests|ShellExecToolTests|HugeDurationTests|NotificationTests|CrashCLITests
test: deps
	swift build --build-tests
	swift test --skip-build --skip '$(TIMED_SUITES)'
	swift test --skip-build --filter '$(TIMED_SUITES)'

lint:
	swift format lint --strict --configuration .swift-format -r Package.swift Sources Tests

format:
	swift format format -i --configuration .swift-format -r Package.swift Sources Tests

## schemas: regenerate schemas/ from the Swift schema definitions.
schemas: build
	.build/debug/charter schema --write schemas

bench:
	scripts/bench.sh
