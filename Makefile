# gossip — see README.md. `make` builds ./gossip, `make test` is the one
# test command CI runs.

GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 5s

.PHONY: build test test-short vet fmt-check fuzz bench bench-sipp bench-ab bench-transport bench-capacity bench-hep bench-xdp bench-soak run generate clean

build:
	$(GO) build -o gossip ./cmd/gossip

# The full suite CI runs: formatting, vet, race-enabled tests (interop tests
# against the real sipp included), then a short run of every fuzz target.
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(MAKE) fuzz

test-short:
	$(GO) test -short -count=1 $(PKGS)

# vet also checks that the 32-bit build and the portable fallbacks of the
# Linux-only code (a developer's macOS laptop) compile.
vet:
	$(GO) vet $(PKGS)
	GOARCH=386 $(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Each fuzz target for FUZZTIME, seeded from its committed corpus.
# Differential targets (gossip against another implementation) run their
# corpus with the tests but are fuzzed only on demand: a new disagreement
# is a finding to study, not a broken build. scripts/fuzz.sh also reruns a
# target once when Go's coordinator fails it at the deadline having found
# nothing (go.dev/issue/75804).
FUZZ_SKIP ?= FuzzDifferential
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZ_SKIP=$(FUZZ_SKIP) sh scripts/fuzz.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# gossip against the real sipp on this machine, side by side: searches each
# pair's highest zero-failure call rate, measures CPU per call, and rewrites
# bench/RESULTS.md (about 5 minutes on 2 cores). Extra flags go in
# BENCH_SIPP_FLAGS, e.g. BENCH_SIPP_FLAGS=-rev=HEAD to leave uncommitted edits out.
bench-sipp:
	$(GO) run ./bench/sippbench -out bench/RESULTS.md $(BENCH_SIPP_FLAGS)

# Two gossip builds side by side, each against its own sipp, paired round
# by round: the user and system CPU per call of B against A, with the
# standard error (about a minute). A and B are binaries or git revisions
# (B empty: the working tree); more flags in BENCH_AB_FLAGS, e.g.
# make bench-ab A=HEAD~1 BENCH_AB_FLAGS='-side uac -threads 1', or one binary
# under two settings: BENCH_AB_FLAGS="-b-args '-timer_resol 2'".
bench-ab:
	$(GO) run ./bench/cpuab -a $(A) -b '$(B)' $(BENCH_AB_FLAGS)

# The same search over TCP (one connection, one per call) and TLS (gossip
# pairs only: Debian's sipp has no TLS); writes bench/RESULTS-<mode>.md.
bench-transport:
	$(GO) run ./bench/sippbench -t t1 $(BENCH_SIPP_FLAGS)
	$(GO) run ./bench/sippbench -t tn $(BENCH_SIPP_FLAGS)
	$(GO) run ./bench/sippbench -t l1 $(BENCH_SIPP_FLAGS)

# Issue 5's capacity run: ramps gossip → gossip to 1,000,000 held calls at
# 20,000 calls/s (sipp → gossip and gossip → sipp to 200,000), holds them,
# releases them, and rewrites the capacity section of bench/RESULTS.md with
# RSS per held call, CPU while holding and the ramp's response times (about
# 5 minutes on 2 cores, 2 GB of memory). Extra flags go in
# BENCH_CAPACITY_FLAGS, e.g. BENCH_CAPACITY_FLAGS=-rev=HEAD.
bench-capacity:
	$(GO) run ./bench/capacity -out bench/RESULTS.md $(BENCH_CAPACITY_FLAGS)

# Calls per second of gossip uac -> gossip uas on loopback with HEP export
# off and on, interleaved in one run; rewrites bench/HEP.md (about a minute).
bench-hep:
	$(GO) run ./bench/hepbench -out bench/HEP.md $(BENCH_HEP_FLAGS)

# The AF_XDP dataplane against mmsg on a veth pair between two network
# namespaces (root): highest zero-failure call rate and uac CPU per call of
# each, rewrites bench/XDP.md (about 7 minutes on 2 cores).
bench-xdp:
	$(GO) run ./bench/xdpbench -out bench/XDP.md $(BENCH_XDP_FLAGS)

# Issue 11's soak: gossip uac -> gossip uas on loopback at a steady rate for
# 30 minutes, sampling both processes' RSS, live heap and goroutines; reports
# each series' slope and rewrites the soak section of bench/RESULTS.md.
# A short check: BENCH_SOAK_FLAGS='-duration 3m -warmup 1m -out ""'.
bench-soak:
	$(GO) run ./bench/soak $(BENCH_SOAK_FLAGS)

# A load run against gossip's own UAS on loopback, with its statistics.
run: build
	./scripts/selftest.sh

generate:
	$(GO) generate ./...

clean:
	rm -f gossip
