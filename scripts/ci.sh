#!/bin/bash
# ci.sh — the whole test run, wired as `make ci`: build, unit + integration
# tests (normal and ASan/UBSan builds, via `make check`), then every libFuzzer
# target for FUZZ_TIME seconds. Ends with one "N passed, N failed" line
# summing the Check suites of both builds. Run as root: the integration
# tests start real boxes.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
FUZZ_TIME=${FUZZ_TIME:-30}
t0=$SECONDS

section() {
	printf '\n=== %s (at %ds) ===\n' "$*" "$((SECONDS - t0))"
}

section "build: make -j$JOBS all"
make -j"$JOBS" all

section "tests: make check (normal, then ASan/UBSan)"
mkdir -p build
log=build/ci-check.log
make -j"$JOBS" check 2>&1 | tee "$log"

section "fuzz: make fuzz FUZZ_TIME=$FUZZ_TIME"
make -j"$JOBS" fuzz FUZZ_TIME="$FUZZ_TIME"

section "soak: make soak DURATION=${SOAK_TIME:-120}"
make soak DURATION="${SOAK_TIME:-120}"

section "done in $((SECONDS - t0))s"
# Check prints "NN%: Checks: C, Failures: F, Errors: E" per suite.
awk -F'[:,] *' '/[0-9]+%: Checks: / {
		for (i = 1; i <= NF; i++) {
			if ($i == "Checks") c += $(i + 1)
			if ($i == "Failures" || $i == "Errors") f += $(i + 1)
		}
	}
	END { printf "ci: %d passed, %d failed\n", c - f, f; exit f != 0 }' "$log"
