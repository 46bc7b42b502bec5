#!/bin/bash
# test.sh — the README's test command (`sudo ./scripts/test.sh`): installs
# what the build and tests need, then runs scripts/ci.sh — make check (unit
# and integration tests, then again under ASan/UBSan) and the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
exec ./scripts/ci.sh "$@"
