# tally — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
SERVICES := scripts/services
# Every target that needs PostgreSQL and Redis starts them (idempotently) and
# loads their URLs from the services script.
WITH_SERVICES = $(SERVICES) start && eval "$$($(SERVICES) env)" &&

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: demo
demo: ## start local Postgres + Redis and run the whole product against the built-in sandbox
	@$(WITH_SERVICES) $(GO) run . demo $(DEMO_ARGS)

.PHONY: test
test: ## start local Postgres + Redis and run every test with the race detector
	@$(SERVICES) browser
	@$(WITH_SERVICES) $(GO) vet ./... && $(GO) test -race -count=1 -timeout 30m ./...

.PHONY: bench
bench: ## start local Postgres + Redis, run every benchmark at scale, print one report (docs/bench.md)
	@$(WITH_SERVICES) $(GO) run ./internal/benchreport -go $(GO) -o bench-report.json $(BENCH_ARGS)

.PHONY: build
build: ## build the tally binary
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/tally .

.PHONY: services-start
services-start: ## start the private Postgres and Redis
	@$(SERVICES) start

.PHONY: services-stop
services-stop: ## stop the private Postgres and Redis
	@$(SERVICES) stop

.PHONY: chaos
chaos: ## fault-injection suite against tally run processes (own private Postgres + Redis; prints the table)
	@scripts/chaos $(CHAOS_ARGS)
