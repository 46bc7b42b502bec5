#!/bin/sh
# Runs each check test binary given; integration tests (check_it_*) need
# root. Prints a one-line summary and fails if any test failed.
set -u
fail=0; ran=0
for t in "$@"; do
        name=$(basename "$t")
        case "$name" in
        check_it_*|check_sec_*|check_fault_*|check_cve_*)
                if [ "$(id -u)" != 0 ]; then
                        echo "SKIP $name (needs root)"; continue
                fi ;;
        esac
        ran=$((ran + 1))
        if CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120} "$t"; then :; else
                echo "FAIL $name"; fail=$((fail + 1))
        fi
done
echo "tests: $ran suites run, $fail failed"
[ "$fail" = 0 ]
