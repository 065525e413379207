# Build, run and test the extension API server. Every target works on a
# fresh machine with only Go (and kubectl for the user-facing checks).
SHELL := /usr/bin/env bash
GO ?= go
OUTPUT := _output

.PHONY: all build test unit verify codegen fmt vet

all: build

build: ## compile every package and command
	$(GO) build ./...

codegen: ## regenerate deepcopy, conversion, defaults, openapi and client code
	hack/update-codegen.sh

verify: ## fail on stale generated code, unformatted or suspicious Go code
	hack/verify-codegen.sh
	@unformatted=$$(gofmt -l cmd pkg hack 2>/dev/null); \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

unit: ## run the Go tests
	$(GO) test -count=1 ./...

test: verify unit ## everything CI checks
