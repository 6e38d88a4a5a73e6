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
test: lint ## lint, then start local Postgres + Redis and run every test with the race detector
	@$(SERVICES) browser
	@$(WITH_SERVICES) $(GO) vet ./... && $(GO) test -race -count=1 -timeout 30m ./...

.PHONY: bench
bench: ## start local Postgres + Redis, run every benchmark at scale, print one report (docs/bench.md)
	@$(WITH_SERVICES) $(GO) run ./internal/benchreport -go $(GO) -o bench-report.json $(BENCH_ARGS)

# VERSION is stamped into `tally version` (package cli's version variable).
VERSION ?= dev

.PHONY: build
build: ## build the tally binary
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/tallyhq/tally/cli.version=$(VERSION)" -o bin/tally .

.PHONY: services-start
services-start: ## start the private Postgres and Redis
	@$(SERVICES) start

.PHONY: services-stop
services-stop: ## stop the private Postgres and Redis
	@$(SERVICES) stop

# golangci-lint, pinned; installed from the Go module proxy into bin/ on first
# use, once per Go version (a linter built by an older Go refuses newer code).
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := bin/golangci-lint-$(GOLANGCI_LINT_VERSION)-$(shell $(GO) env GOVERSION)/golangci-lint

.PHONY: lint
lint: $(GOLANGCI_LINT) ## run golangci-lint (staticcheck, gosec, errcheck, gofmt …; see .golangci.yml) and check go.mod is tidy
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	@$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/$(@D) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: chaos
chaos: ## fault-injection suite against tally run processes (own private Postgres + Redis; prints the table)
	@scripts/chaos $(CHAOS_ARGS)
