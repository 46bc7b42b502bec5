#!/bin/bash
# soak.sh BUILD_DIR DURATION_SECONDS — pbox under sustained load.
#
# Box "steady" runs for the whole soak while 4 clients enter it in a loop
# (`pbox enter -- sh -c 'echo ok'`); box "churn" is started, entered and
# stopped in a loop next to it. Every SAMPLE seconds the fd count
# (/proc/PID/fd) and VmRSS of every component of the steady box (pids from
# `pbox status --json`), the mounts mentioning the soak's rootfs, and the
# soak's pbox-* cgroups are recorded. Fails (exit 1, with the reason) on
# any failed request, on leftover mounts or cgroups after a churn stop, and
# on growth: a component's fds above the warm-up sample by more than
# FD_TOL, or its RSS by more than RSS_TOL_KB. Prints a summary table.
# Root only. Env: SAMPLE (5), WARMUP (15 s), FD_TOL (6: up to 4 clients in flight), RSS_TOL_KB (512).
set -u
if [ $# -ne 2 ]; then echo "usage: $0 BUILD_DIR DURATION_SECONDS" >&2; exit 2; fi
B=$1; DUR=$2
PBOX=$B/pbox
SAMPLE=${SAMPLE:-5}; WARMUP=${WARMUP:-15}; FD_TOL=${FD_TOL:-6}; RSS_TOL_KB=${RSS_TOL_KB:-512}
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 2; }
[ -x "$PBOX" ] || { echo "soak: no $PBOX (build first)" >&2; exit 2; }
case $DUR in ''|*[!0-9]*) echo "soak: bad duration '$DUR'" >&2; exit 2;; esac

T=$(mktemp -d /tmp/pbox-soak-XXXXXX) || exit 2
D=$T/data; R=$T/rootfs
STEADY=soak$$-steady; CHURN=soak$$-churn
IDLE="trap 'exit 0' TERM; while :; do sleep 1 & wait \$!; done"
FAILS=$T/fails; : >"$FAILS"
CLIENTS=()
CHURNER=

fail() { echo "$*" >>"$FAILS"; }

# Every pid `pbox status --json` names for box $1.
status_pids() {
        "$PBOX" status --name "$1" --data-dir "$D" --json 2>/dev/null |
                grep -o '"\(pid\|init_pid\)":[0-9]*' | cut -d: -f2
}

cleanup() {
        trap - EXIT INT TERM
        for p in "${CLIENTS[@]}" $CHURNER; do kill "$p" 2>/dev/null; done
        for p in "${CLIENTS[@]}" $CHURNER; do wait "$p" 2>/dev/null; done
        for n in "$STEADY" "$CHURN"; do
                "$PBOX" stop --name "$n" --data-dir "$D" --timeout 3 >/dev/null 2>&1
                for p in $(status_pids "$n"); do kill -9 "$p" 2>/dev/null; done
        done
        # Only mounts of this soak's tmp dir, deepest first.
        grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf --one-file-system "$T"
}
trap cleanup EXIT
trap 'echo "soak: interrupted" >&2; exit 1' INT TERM

"$SRC/tests/mkrootfs.sh" "$R" >/dev/null || { echo "soak: mkrootfs failed" >&2; exit 2; }

# This soak's pbox-* cgroup directories beneath our own cgroups.
cgroups() {
        local id ctl path mp
        while IFS=: read -r id ctl path; do
                if [ -z "$ctl" ]; then
                        mp=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
                else
                        mp=$(awk -v c="${ctl%%,*}" '$9 == "cgroup" {
                                n = split($11, o, ","); for (i = 1; i <= n; i++)
                                if (o[i] == c) {print $5; exit} }' /proc/self/mountinfo)
                fi
                [ -n "$mp" ] || continue
                [ "$path" = / ] && path=
                for d in "$mp$path"/pbox-soak$$-*; do [ -d "$d" ] && echo "$d"; done
        done </proc/self/cgroup
}
mounts() { grep -c -F "$R" /proc/self/mountinfo; }

"$PBOX" start --name "$STEADY" --data-dir "$D" --rootfs "$R" --detach -- /bin/sh -c "$IDLE" \
        || { echo "soak: FAIL: cannot start the steady box" >&2; exit 1; }

client() {
        local i=0 out
        while :; do
                out=$("$PBOX" enter --name "$STEADY" --data-dir "$D" -- sh -c 'echo ok' 2>&1)
                if [ "$out" != ok ]; then fail "client $1: enter #$i: $out"; fi
                i=$((i + 1)); echo $i >"$T/client$1.tmp" && mv -f "$T/client$1.tmp" "$T/client$1.count"
        done
}
churn() {
        local i=0 out left
        while :; do
                out=$("$PBOX" start --name "$CHURN" --data-dir "$D" --rootfs "$R" --detach -- /bin/sh -c "$IDLE" 2>&1) ||
                        fail "churn #$i: start: $out"
                out=$("$PBOX" enter --name "$CHURN" --data-dir "$D" -- sh -c 'echo ok' 2>&1)
                [ "$out" = ok ] || fail "churn #$i: enter: $out"
                out=$("$PBOX" stop --name "$CHURN" --data-dir "$D" 2>&1) || fail "churn #$i: stop: $out"
                left=$(cgroups | grep -c -- "-churn$")
                [ "$left" = 0 ] || fail "churn #$i: $left cgroups left after stop"
                [ ! -e "$D/$CHURN" ] || fail "churn #$i: state dir left after stop"
                # The steady box's own mounts live in its namespace only:
                # nothing of the rootfs may show in ours.
                left=$(mounts)
                [ "$left" = 0 ] || fail "churn #$i: $left mounts of the rootfs on the host"
                i=$((i + 1)); echo $i >"$T/churn.tmp" && mv -f "$T/churn.tmp" "$T/churn.count"
        done
}
for c in 1 2 3 4; do client $c & CLIENTS+=($!); done
churn & CHURNER=$!

# sample LABEL: one line per component "label comp pid fds rss_kb".
sample() {
        local json comps
        json=$("$PBOX" status --name "$STEADY" --data-dir "$D" --json 2>/dev/null) ||
                { fail "sample $1: status of the steady box failed"; return; }
        echo "$json" | grep -o '"name":"[a-z-]*","pid":[0-9]*' |
                sed 's/"name":"\([a-z-]*\)","pid":\([0-9]*\)/\1 \2/' |
                while read -r comp pid; do
                        fds=$(ls /proc/"$pid"/fd 2>/dev/null | wc -l)
                        rss=$(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status 2>/dev/null)
                        echo "$1 $comp $pid $fds ${rss:-0}"
                done
}

t0=$(date +%s); warm=; last=; n=0
echo "soak: $DUR s, steady box $STEADY, churn box $CHURN, data $D"
printf '%6s %-15s %6s %5s %8s %7s %7s %6s %6s\n' t component pid fds rss_kb mounts cgroups enters churns
while :; do
        now=$(date +%s); el=$((now - t0))
        [ "$el" -ge "$DUR" ] && break
        sleep "$SAMPLE"
        el=$(($(date +%s) - t0)); n=$((n + 1))
        s=$(sample "$el")
        m=$(mounts); cg=$(cgroups | wc -l)
        en=$(cat "$T"/client*.count 2>/dev/null | awk '{s += $1} END {print s + 0}')
        ch=$(cat "$T/churn.count" 2>/dev/null || echo 0)
        echo "$s" | while read -r l comp pid fds rss; do
                printf '%6s %-15s %6s %5s %8s %7s %7s %6s %6s\n' "$l" "$comp" "$pid" "$fds" "$rss" "$m" "$cg" "$en" "$ch"
        done
        [ -z "$warm" ] && [ "$el" -ge "$WARMUP" ] && warm=$s
        last=$s
        if [ -s "$FAILS" ]; then echo "soak: FAIL: stopping early" >&2; break; fi
done

for p in "${CLIENTS[@]}" $CHURNER; do kill "$p" 2>/dev/null; done
for p in "${CLIENTS[@]}" $CHURNER; do wait "$p" 2>/dev/null; done
CLIENTS=(); CHURNER=

# Growth: each component's last sample against its warm-up sample.
[ -n "$warm" ] || warm=$last
echo "--- summary (warm-up vs end)"
printf '%-15s %9s %9s %12s %12s\n' component fds_warm fds_end rss_warm_kb rss_end_kb
while read -r _ comp pid fds rss; do
        end=$(echo "$last" | awk -v c="$comp" '$2 == c {print $4, $5, $3}')
        set -- $end
        [ $# = 3 ] || { fail "growth: $comp missing at the end"; continue; }
        printf '%-15s %9s %9s %12s %12s\n' "$comp" "$fds" "$1" "$rss" "$2"
        [ "$3" = "$pid" ] || fail "growth: $comp pid changed ($pid -> $3)"
        [ "$1" -le $((fds + FD_TOL)) ] || fail "growth: $comp fds $fds -> $1 (tolerance $FD_TOL)"
        [ "$2" -le $((rss + RSS_TOL_KB)) ] || fail "growth: $comp RSS $rss -> $2 kB (tolerance $RSS_TOL_KB kB)"
done <<<"$warm"
en=$(cat "$T"/client*.count 2>/dev/null | awk '{s += $1} END {print s + 0}')
ch=$(cat "$T/churn.count" 2>/dev/null || echo 0)
echo "enters: $en by 4 clients; churn cycles (start, enter, stop): $ch; samples: $n"

"$PBOX" stop --name "$STEADY" --data-dir "$D" >/dev/null 2>&1 || fail "stop of the steady box failed"
sleep 0.5
[ "$(mounts)" = 0 ] || fail "end: mounts of the rootfs left: $(mounts)"
[ -z "$(cgroups)" ] || fail "end: cgroups left: $(cgroups | tr '\n' ' ')"
[ ! -e "$D/$STEADY" ] || fail "end: state dir $D/$STEADY left"
[ "$en" -gt 0 ] || fail "no enter completed"

if [ -s "$FAILS" ]; then
        echo "soak: FAIL ($(wc -l <"$FAILS") problems):" >&2
        head -20 "$FAILS" >&2
        exit 1
fi
echo "soak: PASS"
exit 0
