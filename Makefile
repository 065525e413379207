# Build, run and test the extension API server. A fresh machine needs Go and
# kubectl; the targets build etcd, kube-apiserver and the other tools from the
# Go module proxy, and codegen installs protoc with apt-get when run as root
# (otherwise it says the one command to run).
SHELL := /usr/bin/env bash
GO ?= go
OUTPUT := _output
# Static binaries everywhere, as the image ships them: the tests, the tools'
# own builds and make image then share one build cache.
CGO_ENABLED ?= 0
export CGO_ENABLED

.PHONY: all build run test test-unit test-integration gotest fuzz verify codegen tools image conformance bench-scale demo demo-up demo-down bench ha-up ha-restore ha-down test-faults test-robustness bench-overload backup restore etcd-tools etcd-status etcd-defrag etcd-recover-space

all: build

build: ## compile every package, and the server binary into _output/bin
	$(GO) build ./...
	$(GO) build -o $(OUTPUT)/bin/extension-apiserver ./cmd/extension-apiserver
	$(GO) build -o $(OUTPUT)/bin/local-cluster ./internal/cmd/local-cluster
	$(GO) build -o $(OUTPUT)/bin/crontab-controller ./cmd/crontab-controller

run: build ## the server standalone on https://127.0.0.1:8443 (embedded etcd, .local/) and the CronTab controller beside it
	hack/run.sh $(ARGS)

tools: ## build etcd, etcdctl, etcdutl, kube-apiserver, kube-controller-manager, sample-apiserver and cert-manager (controller, CA injector) from the Go module proxy into _output/bin (cached)
	hack/build-tools.sh etcd etcdctl etcdutl kube-apiserver kube-controller-manager sample-apiserver cert-manager

# The runbook's etcd steps (docs/operations.md). They act on the etcd of
# make run unless ARGS names another: ARGS="--ha .local/ha", "--demo
# .local/demo", or "--endpoints URLS --cacert F --cert F --key F".
etcd-tools:
	hack/build-tools.sh etcdctl etcdutl

backup: etcd-tools ## a verified snapshot of the server's etcd into _output/backup (make run's embedded etcd unless ARGS names another)
	hack/etcd-ops.sh $(ARGS) backup

restore: etcd-tools ## restore SNAPSHOT=<file> into make run's data dir, revision bumped (refuses while the server runs)
	@if [[ -z "$(SNAPSHOT)" ]]; then echo "make restore: set SNAPSHOT to a file make backup wrote (ls _output/backup)" >&2; exit 2; fi
	hack/etcd-ops.sh $(ARGS) restore "$(SNAPSHOT)"

etcd-status: etcd-tools ## each etcd member's revision, size, quota and leader, and raised alarms
	hack/etcd-ops.sh $(ARGS) status

etcd-defrag: etcd-tools ## defragment each etcd member in turn
	hack/etcd-ops.sh $(ARGS) defrag

etcd-recover-space: etcd-tools ## after a NOSPACE alarm: compact, defragment each member, disarm; writes resume without a restart
	hack/etcd-ops.sh $(ARGS) recover-space

bench: tools build ## raw etcd, this server (direct, aggregated), the CRD and sample-apiserver, back to back, three runs, medians (ARGS="-objects 1000 -runs 1")
	$(GO) build -o $(OUTPUT)/bin/apiserver-bench ./internal/cmd/apiserver-bench
	$(OUTPUT)/bin/apiserver-bench $(ARGS)

image: ## OCI images of the server and the controller, built without a container engine (_output/image: an OCI layout, and tarballs for docker load)
	hack/build-image.sh

conformance: ## compare a deployment with a CRD of the same shape, request by request (KUBECONFIG=... of its cluster)
	@if [[ -z "$(KUBECONFIG)" ]]; then echo "make conformance: set KUBECONFIG to the cluster that serves stable.example.com" >&2; exit 2; fi
	$(GO) run ./internal/cmd/conformance --kubeconfig "$(KUBECONFIG)"

bench-scale: tools build ## the cost curve at 1,000, 10,000 and 100,000 objects: this server, the CRD and sample-apiserver (ARGS="-sizes 1000,10000")
	$(GO) build -o $(OUTPUT)/bin/apiserver-bench ./internal/cmd/apiserver-bench
	$(OUTPUT)/bin/apiserver-bench -scale $(ARGS)

bench-overload: tools build ## list storms, a write flood and a noisy tenant against this server and the CRD, with priority and fairness (ARGS="-objects 100000")
	$(GO) build -o $(OUTPUT)/bin/apiserver-bench ./internal/cmd/apiserver-bench
	$(OUTPUT)/bin/apiserver-bench -overload $(ARGS)

demo: ## etcd + kube-apiserver + this server behind APIServices, a kubectl tour, then stop
	hack/demo.sh

demo-up: ## start the demo and leave it running (KUBECONFIG=.local/demo/kubeconfig)
	hack/demo.sh up

demo-down: ## stop the demo and remove its state
	hack/demo.sh down

codegen: ## regenerate deepcopy, conversion, defaults, openapi and client code
	hack/update-codegen.sh

verify: ## fail on stale generated code, unformatted or suspicious Go code, tracked binaries or large files, broken links in README and docs/
	hack/verify-tree.sh
	$(GO) test -count=1 ./test/docs
	hack/verify-codegen.sh
	@unformatted=$$(gofmt -l cmd pkg internal hack test 2>/dev/null); \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

# The edit-test loop: unit tests and the bad-input corpus against a server in
# process (embedded etcd); nothing here needs the tools make tools builds.
UNIT_PACKAGES := ./cmd/... ./pkg/... ./internal/... ./test/docs/... ./test/badinput/...
test-unit: ## unit tests and the bad-input corpus (in-process server): no kube-apiserver, no tool builds, about a minute warm
	$(GO) test -count=1 -timeout 10m $(UNIT_PACKAGES)

test-integration: ## the integration tests: real servers in process on loopback ports, the real kubectl (no tool builds)
	$(GO) test -count=1 -timeout 20m ./test/integration/...

gotest: tools ## run the Go tests: unit, integration (in-process servers) and e2e (behind kube-apiserver)
	$(GO) test -count=1 -timeout 20m ./...
	cd test/certmanager && $(GO) test -count=1 ./...   # its own module: cert-manager's types
	cd test/monitoring && $(GO) test -count=1 ./...    # its own module: prometheus-operator's types, Prometheus' rule parser

ha-up: tools build ## 3-member etcd + 2 server replicas on loopback (.local/ha; kubeconfigs in .local/ha/replica-*/); ARGS="--separate-groups=wardle.example.com" puts wardle on a cluster of its own
	$(OUTPUT)/bin/local-cluster ha-up --dir .local/ha $(ARGS)

ha-restore: etcd-tools build ## restore SNAPSHOT=<file> (make backup ARGS="--ha .local/ha") into the HA topology's 3 members, revision bumped; ARGS="--group=wardle.example.com" restores that group's cluster
	@if [[ -z "$(SNAPSHOT)" ]]; then echo "make ha-restore: set SNAPSHOT to a file make backup wrote" >&2; exit 2; fi
	$(OUTPUT)/bin/local-cluster ha-restore --dir .local/ha --snapshot "$(SNAPSHOT)" $(ARGS)

ha-down: ## stop the HA topology and remove .local/ha
	$(OUTPUT)/bin/local-cluster ha-down --dir .local/ha

test-faults: tools ## the fault suite, long form (the short form runs in make test)
	$(GO) test -count=1 -timeout 30m -v ./test/faults -full

SEED ?= 0
test-robustness: tools ## the consistency check under faults, long form (SEED=n repeats a run; the short form runs in make test)
	$(GO) test -count=1 -timeout 40m -v ./test/robustness -long -seed $(SEED)

FUZZTIME ?= 15s
fuzz: ## fuzz decode + convert + validate of every kind (FUZZTIME=15s; longer by hand)
	$(GO) test ./pkg/apis/apitesting -run '^$$' -fuzz FuzzDecodeConvertValidate -fuzztime $(FUZZTIME)

test: verify gotest fuzz ## everything CI checks
