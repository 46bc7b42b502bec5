#!/bin/bash
# bench.sh BUILD_DIR — the performance targets of SPEC §6, measured side by
# side in one run: pbox against the unshare/nsenter floor, crun and runc, on
# one busybox root filesystem (tests/mkrootfs.sh). Run as root; `make bench`
# runs it with the absolute build directory.
#
# Tools take turns within every iteration (round-robin, the first tool
# rotating), so drift in the machine's load spreads over all of them. Each run
# is timed in bash from $EPOCHREALTIME to $EPOCHREALTIME: no fork of a timer
# inside the measured interval. A tool that is missing or fails its warm-up
# run is reported as "n/a (reason)" and the rest goes on. Everything started
# is stopped and every temporary directory removed on exit (trap).
#
# Environment: BENCH_RUNS (30) iterations for start and enter,
# BENCH_DD_RUNS (5) and BENCH_DD_MB (1024) for throughput, BENCH_CLIENTS (8),
# BENCH_PER_CLIENT (25) and BENCH_CONC_ROUNDS (5) for concurrent enters,
# BENCH_ENTERS (10000) for enterd's growth check.
set -uo pipefail
export LC_ALL=C

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: run as root" >&2
	exit 2
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
export PBOX=$BUILD/pbox

RUNS=${BENCH_RUNS:-30}
DD_RUNS=${BENCH_DD_RUNS:-5}
export DD_MB=${BENCH_DD_MB:-1024}
export CLIENTS=${BENCH_CLIENTS:-8}
export PER_CLIENT=${BENCH_PER_CLIENT:-25}
CONC_ROUNDS=${BENCH_CONC_ROUNDS:-5}
ENTERS=${BENCH_ENTERS:-10000}

TMP=$(mktemp -d /tmp/pbox-bench.XXXXXX)
chmod 0755 "$TMP"
export TMP
export R=$TMP/rootfs           # the one root filesystem every tool runs
export D=$TMP/run              # pbox --data-dir
export CRUN_ROOT=$TMP/crun     # crun --root (state)
export RUNC_ROOT=$TMP/runc     # runc --root (state)
export ERRF=$TMP/err           # stderr of the run being timed
export BOX=benchbox            # the long-running pbox box
HELPER=                        # pid holding the OCI runtimes' mount namespace
UBOX=                          # pid of the unshare fallback box, if used
CRUN_FG=
RUNC_FG=

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- cleanup
cleanup() {
	set +e
	local n c pid
	for pid in $CRUN_FG $RUNC_FG; do kill -KILL "$pid" 2>/dev/null; done
	if [ -x "$PBOX" ] && [ -d "$D" ]; then
		for n in "$D"/*/; do
			n=$(basename "$n")
			case "$n" in _* | "*") continue ;; esac
			timeout 30 "$PBOX" stop --name "$n" --data-dir "$D" --timeout 2 \
				>/dev/null 2>&1 || log "bench: could not stop pbox box $n"
		done
	fi
	if [ -n "$HELPER" ]; then
		for rt in crun runc; do
			local root=$CRUN_ROOT
			[ "$rt" = runc ] && root=$RUNC_ROOT
			[ -d "$root" ] || continue
			for c in $(in_helper "$rt" --root "$root" list -q 2>/dev/null); do
				in_helper "$rt" --root "$root" kill "$c" KILL >/dev/null 2>&1
				in_helper "$rt" --root "$root" delete -f "$c" >/dev/null 2>&1 ||
					log "bench: could not delete $rt container $c"
			done
		done
		kill "$HELPER" 2>/dev/null
	fi
	if [ -n "$UBOX" ]; then
		kill -KILL "$UBOX" 2>/dev/null # --kill-child takes the sleep along
	fi
	wait 2>/dev/null
	# Nothing should be mounted below TMP; if something is, unmount it
	# rather than let rm descend into it.
	awk -v t="$TMP/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		log "bench: left-over mount $m, unmounting"
		umount -l "$m"
	done
	rm -rf --one-file-system "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
# crun refuses this host's hybrid cgroup layout (v1 controllers plus a
# cgroup2 at /sys/fs/cgroup/unified): "cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2". So both OCI runtimes run
# in one private mount namespace where that cgroup2 mount is lazily
# unmounted; the host's mounts are untouched. A sleeping process holds the
# namespace; runs are entered with nsenter and timed inside it, so the
# nsenter itself is not part of any measurement. Where there is no such
# mount (pure v1 or pure v2) the umount fails harmlessly.
start_helper() {
	unshare --mount --propagation private -- sh -c \
		'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec sleep 2147483647' \
		</dev/null >/dev/null 2>&1 &
	HELPER=$!
	local i
	for i in $(seq 50); do
		[ "$(cat "/proc/$HELPER/comm" 2>/dev/null)" = sleep ] && return 0
		sleep 0.1
	done
	return 1
}
in_helper() { nsenter -t "$HELPER" -m -- "$@"; }

# A sample store: SAMP[key] the successful times (µs) or rates, NFAIL and
# WHY the failures, NA[key] why the tool was not run at all.
declare -A SAMP NFAIL WHY NA
export -f in_helper

# timed KEY NS FN ARG...: run FN ARG... once (in the OCI namespace if NS is
# set), stdio /dev/null, stderr to ERRF; record the µs it took or a failure.
# shellcheck disable=SC2016 # expanded by the bash inside the namespace
TIMER='s=${EPOCHREALTIME/./}; "$@" </dev/null >/dev/null 2>"$ERRF"; rc=$?; e=${EPOCHREALTIME/./}; echo "$rc $((e - s))"'
timed() {
	local key=$1 ns=$2 rc us out
	shift 2
	if [ -n "$ns" ]; then
		out=$(nsenter -t "$HELPER" -m -- bash -c "$TIMER" bash "$@")
	else
		local s e
		s=${EPOCHREALTIME/./}
		"$@" </dev/null >/dev/null 2>"$ERRF"
		rc=$?
		e=${EPOCHREALTIME/./}
		out="$rc $((e - s))"
	fi
	read -r rc us <<<"$out"
	if [ "${rc:-1}" -eq 0 ]; then
		SAMP[$key]+="$us "
		return 0
	fi
	NFAIL[$key]=$((${NFAIL[$key]:-0} + 1))
	WHY[$key]=$(why "${rc:-?}")
	return 1
}
# why RC: the last line the failed run printed, else its status.
why() {
	local l
	l=$(grep -v '^[[:space:]]*$' "$ERRF" 2>/dev/null | tail -n1 | cut -c1-70)
	echo "${l:-exit status $1}"
}

# shellcheck disable=SC2016 # expanded by that bash
RUN='"$@"' # a bash that runs an exported function under timeout/nsenter
# warm KEY NS FN ARG...: one untimed run under a timeout; a failure marks
# the tool n/a for the whole section.
warm() {
	local key=$1 ns=$2 rc=0
	shift 2
	if [ -n "$ns" ]; then
		timeout 60 nsenter -t "$HELPER" -m -- bash -c "$RUN" bash "$@" \
			</dev/null >/dev/null 2>"$ERRF" || rc=$?
	else
		timeout 60 bash -c "$RUN" bash "$@" </dev/null >/dev/null 2>"$ERRF" || rc=$?
	fi
	[ "$rc" -eq 0 ] && return 0
	[ "$rc" -eq 124 ] && echo "timed out" >>"$ERRF"
	NA[$key]=$(why "$rc")
	log "  $key: n/a (${NA[$key]})"
	return 1
}

median() { # values as arguments
	printf '%s\n' "$@" | sort -g | awk 'NF { a[++n] = $1 }
		END { if (!n) exit; print (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }'
}
med() { # KEY -> median of its samples, empty if none
	# shellcheck disable=SC2086 # the samples are a space-separated list
	[ -n "${SAMP[$1]:-}" ] && median ${SAMP[$1]}
}
calc() { awk "BEGIN { print ($*) }"; }
# Is a tool usable in this section? (not n/a)
ok() { [ -z "${NA[$1]:-}" ]; }

# round KEYPREFIX RUNS TOOL... : RUNS iterations, tools round-robin with
# the first one rotating; tool T runs fn ${KEYPREFIX}_T with the iteration.
declare -A NS_OF
round() {
	local pre=$1 runs=$2 i k t
	shift 2
	local tools=("$@") n=$#
	for ((i = 1; i <= runs; i++)); do
		for ((k = 0; k < n; k++)); do
			t=${tools[$(((i + k) % n))]}
			ok "$pre/$t" || continue
			timed "$pre/$t" "${NS_OF[$t]:-}" "${pre}_$t" "$i"
			after_run "$pre" "$t"
		done
	done
}
after_run() { [ "$1" = dd ] && rm -f "$TMP/dd.out"; return 0; }

# ----------------------------------------------------- what is measured
# (a) start to exit of /bin/true
start_floor() { unshare --mount --pid --fork --uts --ipc chroot "$R" /bin/true; }
start_pbox() { "$PBOX" start --rootfs "$R" --name "bench$1" --data-dir "$D" -- /bin/true; }
start_crun() { crun --root "$CRUN_ROOT" run -b "$TMP/crun-true" "bench$1"; }
start_runc() { runc --root "$RUNC_ROOT" run -b "$TMP/runc-true" "bench$1"; }
# (b) enter /bin/true into a running box
enter_nsenter() {
	# shellcheck disable=SC2086 # NSENTER_EXTRA is a list of options
	nsenter -t "$NSPID" -m -p -u -i $NSENTER_EXTRA -- /bin/true
}
enter_pbox() { "$PBOX" enter --name "$BOX" --data-dir "$D" -- /bin/true; }
enter_crun() { crun --root "$CRUN_ROOT" exec benchx /bin/true; }
enter_runc() { runc --root "$RUNC_ROOT" exec benchx /bin/true; }
# (c) 1 GiB through the entered process's stdout, into a host file
dd_nsenter() {
	# shellcheck disable=SC2086
	nsenter -t "$NSPID" -m -p -u -i $NSENTER_EXTRA -- \
		dd if=/dev/zero bs=1M count="$DD_MB" status=none >"$TMP/dd.out"
}
dd_pbox() {
	"$PBOX" enter --name "$BOX" --data-dir "$D" -- \
		dd if=/dev/zero bs=1M count="$DD_MB" status=none >"$TMP/dd.out"
}
# (d) CLIENTS concurrent clients, PER_CLIENT enters each; fails if any did
concurrent() {
	local fn=$1 c p bad=0
	local pids=()
	for ((c = 0; c < CLIENTS; c++)); do
		(
			f=0
			for ((j = 0; j < PER_CLIENT; j++)); do
				"$fn" </dev/null >/dev/null 2>>"$ERRF.conc" || f=$((f + 1))
			done
			[ "$f" -eq 0 ]
		) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
	if [ "$bad" -ne 0 ]; then
		tail -n1 "$ERRF.conc" >&2
		echo "$bad of $CLIENTS clients saw failed enters" >&2
		return 1
	fi
}
conc_nsenter() { concurrent enter_nsenter; }
conc_pbox() { concurrent enter_pbox; }
conc_crun() { concurrent enter_crun; }
export -f start_floor start_pbox start_crun start_runc enter_nsenter \
	enter_pbox enter_crun enter_runc dd_nsenter dd_pbox concurrent \
	conc_nsenter conc_pbox conc_crun

# make_bundle RUNTIME DIR ARGS: an OCI bundle for R from `RUNTIME spec`,
# adjusted: absolute root path, writable like pbox's, ARGS (JSON strings,
# comma-separated) instead of "sh", no terminal, and no network namespace
# (pbox's default is the host network).
make_bundle() {
	local rt=$1 dir=$2 args=$3
	mkdir -p "$dir" && (cd "$dir" && "$rt" spec) || return 1
	awk '{ l[NR] = $0 }
		END { for (i = 1; i <= NR; i++) {
			if (l[i + 1] ~ /"type": *"network"/) { i += 2; continue }
			print l[i] } }' "$dir/config.json" |
		sed -e 's/"terminal": *true/"terminal": false/' \
			-e "s|^\([[:space:]]*\)\"sh\"\$|\1$args|" \
			-e "s|\"path\": *\"rootfs\"|\"path\": \"$R\"|" \
			-e 's/"readonly": *true/"readonly": false/' >"$dir/config.new" &&
		mv "$dir/config.new" "$dir/config.json" || return 1
	if ! grep -q "$args" "$dir/config.json" || grep -q '"network"' "$dir/config.json"; then
		echo "could not adjust $rt's config.json" >&2
		return 1
	fi
}

# smaps KB: "RSS PSS" of a pid, in kB, from smaps_rollup
mem_of() { awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' "/proc/$1/smaps_rollup"; }
fds_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# pbox status --json: "name pid" for each component
components() {
	"$PBOX" status --name "$BOX" --data-dir "$D" --json 2>/dev/null | tr '{' '\n' |
		awk '{ n = ""; p = ""
			if (match($0, /"name" *: *"[^"]*"/)) { n = substr($0, RSTART, RLENGTH); sub(/^"name" *: *"/, "", n); sub(/"$/, "", n) }
			if (match($0, /"pid" *: *[0-9]+/)) { p = substr($0, RSTART, RLENGTH); sub(/^.*: */, "", p) }
			if (n != "" && p != "") print n, p }'
}

# --------------------------------------------------------------- results
ROWS=()
row() { ROWS+=("$(printf '%-22s %-18s %14s %9s  %-30s %s' "$@")"); }
verdict() { [ "$(calc "$1")" = 1 ] && echo ok || echo MISS; }
# fmt_ms KEY: "1.23 ms" or n/a
fmt_ms() {
	local m
	if [ -n "${NA[$1]:-}" ]; then echo "n/a"; return; fi
	m=$(med "$1")
	if [ -z "$m" ]; then echo "n/a"; return; fi
	printf '%.2f ms' "$(calc "$m / 1000")"
}
# note KEY: why a tool is n/a, or how many of its runs failed
note() {
	if [ -n "${NA[$1]:-}" ]; then
		echo "n/a (${NA[$1]})"
	elif [ -n "${NFAIL[$1]:-}" ]; then
		echo "${NFAIL[$1]} runs failed: ${WHY[$1]}"
	fi
}
# time_rows TEST BASEKEY KEY...: median times, ratio to the base
time_rows() {
	local test=$1 base=$2 k b m r
	shift 2
	b=$(med "$base")
	for k in "$base" "$@"; do
		m=$(med "$k")
		r=""
		[ -n "$m" ] && [ -n "$b" ] && r=$(printf '%.2fx' "$(calc "$m / $b")")
		row "$test" "${k#*/}" "$(fmt_ms "$k")" "$r" "${TARGET[$k]:-}" "${VERDICT[$k]:-}$(sep "$k")$(note "$k")"
		test=""
	done
}
sep() { [ -n "${VERDICT[$1]:-}" ] && [ -n "$(note "$1")" ] && echo " "; }
declare -A TARGET VERDICT

# ------------------------------------------------------------------ setup
log "bench: $(uname -r), $(nproc) cpus; runs=$RUNS; tmp $TMP"
mkdir -p "$D" "$CRUN_ROOT" "$RUNC_ROOT"
chmod 0700 "$D"
sh "$SRC/tests/mkrootfs.sh" "$R" || { log "bench: mkrootfs failed"; exit 1; }

PBOX_NA=
[ -x "$PBOX" ] || PBOX_NA="$PBOX not built"
declare -A RT_NA
for rt in crun runc; do
	command -v "$rt" >/dev/null || RT_NA[$rt]="$rt not installed: scripts/install-deps.sh --bench"
done
if [ -z "${RT_NA[crun]:-}" ] || [ -z "${RT_NA[runc]:-}" ]; then
	if ! start_helper; then
		RT_NA[crun]="no private mount namespace"
		RT_NA[runc]="no private mount namespace"
	fi
fi
NS_OF[crun]=helper
NS_OF[runc]=helper
for rt in crun runc; do
	[ -n "${RT_NA[$rt]:-}" ] && continue
	make_bundle "$rt" "$TMP/$rt-true" '"/bin/true"' 2>"$ERRF" &&
		make_bundle "$rt" "$TMP/$rt-sleep" '"sleep", "1000000"' 2>>"$ERRF" ||
		RT_NA[$rt]="bundle: $(why 1)"
done
mark_na() { # SECTION TOOL...: carry tool-wide reasons into a section
	local s=$1 t
	shift
	for t in "$@"; do
		case "$t" in
		pbox) [ -n "$PBOX_NA" ] && NA[$s/$t]=$PBOX_NA ;;
		crun | runc) [ -n "${RT_NA[$t]:-}" ] && NA[$s/$t]=${RT_NA[$t]} ;;
		esac
	done
	return 0
}

# ------------------------------------------------ (a) start to exit
log "== (a) start to exit of /bin/true, $RUNS runs each"
mark_na start floor pbox crun runc
for t in floor pbox crun runc; do
	ok "start/$t" && warm "start/$t" "${NS_OF[$t]:-}" "start_$t" 0
done
round start "$RUNS" floor pbox crun runc
left=$(find "$D" -mindepth 1 -maxdepth 1 -type d -name 'bench[0-9]*' 2>/dev/null | wc -l)
[ "$left" -gt 0 ] && log "  pbox left state for $left boxes in $D"

# ------------------------------------------------ running boxes for (b)-(e)
log "== starting the long-running boxes"
NSPID=
NSENTER_EXTRA=
if [ -n "$PBOX_NA" ]; then
	:
elif timeout 60 "$PBOX" start --rootfs "$R" --name "$BOX" --data-dir "$D" --detach \
	--stop-timeout 2 -- sleep 1000000 </dev/null >/dev/null 2>"$ERRF"; then
	NSPID=$("$PBOX" status --name "$BOX" --data-dir "$D" --json 2>/dev/null |
		grep -o '"init_pid" *: *[0-9]*' | grep -o '[0-9]*$')
	[ -n "$NSPID" ] || PBOX_NA="no init_pid in pbox status --json"
else
	PBOX_NA="start --detach: $(why $?)"
fi
if [ -z "$NSPID" ]; then
	# nsenter's baseline needs some box: one made by unshare, entered
	# with -r -w since its root is a chroot, not a pivot_root. Its /dev is
	# the host's, bound in its own mount namespace (gone with it).
	log "  pbox box n/a ($PBOX_NA); nsenter enters an unshare box instead"
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --pid --fork --kill-child --uts --ipc sh -c \
		'mount --bind /dev "$R/dev" && exec chroot "$R" /bin/sleep 1000000' \
		</dev/null >/dev/null 2>&1 &
	UBOX=$!
	for _ in $(seq 50); do
		NSPID=$(awk '{ print $1 }' "/proc/$UBOX/task/$UBOX/children" 2>/dev/null)
		[ -n "$NSPID" ] && [ "$(readlink "/proc/$NSPID/root")" = "$R" ] && break
		NSPID=
		sleep 0.1
	done
	NSENTER_EXTRA="-r -w"
fi
export NSPID NSENTER_EXTRA
for rt in crun runc; do
	[ -n "${RT_NA[$rt]:-}" ] && continue
	root=$CRUN_ROOT
	[ "$rt" = runc ] && root=$RUNC_ROOT
	in_helper "$rt" --root "$root" run -d -b "$TMP/$rt-sleep" benchx \
		</dev/null >/dev/null 2>"$ERRF" || RT_NA[$rt]="run -d: $(why $?)"
done

# ------------------------------------------------ (b) enter
log "== (b) enter /bin/true, $RUNS runs each"
mark_na enter pbox crun runc
[ -n "$NSPID" ] || NA[enter/nsenter]="no box to enter"
for t in nsenter pbox crun runc; do
	ok "enter/$t" && warm "enter/$t" "${NS_OF[$t]:-}" "enter_$t"
done
round enter "$RUNS" nsenter pbox crun runc

# ------------------------------------------------ (c) throughput
log "== (c) dd bs=1M count=$DD_MB through the entered process's stdout, $DD_RUNS runs each"
mark_na dd pbox
[ -n "$NSPID" ] || NA[dd/nsenter]="no box to enter"
for t in nsenter pbox; do
	ok "dd/$t" && warm "dd/$t" "" "dd_$t" && rm -f "$TMP/dd.out"
done
round dd "$DD_RUNS" nsenter pbox

# ------------------------------------------------ (d) concurrent enters
log "== (d) $CLIENTS clients x $PER_CLIENT enters, $CONC_ROUNDS rounds each"
mark_na conc pbox crun
[ -n "$NSPID" ] || NA[conc/nsenter]="no box to enter"
for t in nsenter pbox crun; do
	[ -n "${NA[enter/$t]:-}" ] && NA[conc/$t]=${NA[enter/$t]}
done
round conc "$CONC_ROUNDS" nsenter pbox crun

# ------------------------------------------------ (e) memory
log "== (e) memory of a running box"
declare -A MEM MEM_RT_NA
if [ -z "$PBOX_NA" ]; then
	rss=0 pss=0 names=""
	while read -r name pid; do
		[ "$name" = initproc ] && continue # PID 1 inside the box
		read -r r p < <(mem_of "$pid")
		rss=$((rss + r)) pss=$((pss + p)) names+="$name "
	done < <(components)
	if [ -n "$names" ]; then
		MEM[pbox]="$rss $pss"
		MEM_NOTE="${names% }"
	else
		MEM_NA="no components in pbox status --json"
	fi
else
	MEM_NA=$PBOX_NA
fi
for rt in crun runc; do
	[ -n "${RT_NA[$rt]:-}" ] && continue
	root=$CRUN_ROOT
	[ "$rt" = runc ] && root=$RUNC_ROOT
	# nsenter with only -m execs the runtime: $! is its foreground process
	nsenter -t "$HELPER" -m -- "$rt" --root "$root" run -b "$TMP/$rt-sleep" benchmem \
		</dev/null >/dev/null 2>"$ERRF" &
	pid=$!
	[ "$rt" = crun ] && CRUN_FG=$pid || RUNC_FG=$pid
	for _ in $(seq 50); do
		in_helper "$rt" --root "$root" state benchmem 2>/dev/null | grep -q '"running"' && break
		sleep 0.1
	done
	sleep 0.3
	if [ -r "/proc/$pid/smaps_rollup" ]; then
		MEM[$rt]=$(mem_of "$pid")
	else
		MEM_RT_NA[$rt]="run: $(why 1)"
	fi
	in_helper "$rt" --root "$root" kill benchmem KILL >/dev/null 2>&1
	wait "$pid" 2>/dev/null
	in_helper "$rt" --root "$root" delete -f benchmem >/dev/null 2>&1
done

# enterd over many enters: RSS and open fds before and after
GROWTH=()
if [ -z "$PBOX_NA" ] && [ -z "${NA[enter/pbox]:-}" ]; then
	declare -A before
	while read -r name pid; do
		case "$name" in enterd*) before[$name]="$pid $(mem_of "$pid") $(fds_of "$pid")" ;; esac
	done < <(components)
	log "== enterd over $ENTERS enters"
	fails=0
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < ENTERS; i++)); do
		enter_pbox </dev/null >/dev/null 2>"$ERRF" || fails=$((fails + 1))
	done
	rate=$(calc "$ENTERS * 1000000 / (${EPOCHREALTIME/./} - $t0)")
	for name in "${!before[@]}"; do
		read -r pid r0 _ f0 <<<"${before[$name]}"
		if [ ! -d "/proc/$pid" ]; then
			GROWTH+=("$name|gone after the enters|MISS")
			continue
		fi
		read -r r1 _ < <(mem_of "$pid")
		f1=$(fds_of "$pid")
		v=$(verdict "$f1 <= $f0 && $r1 - $r0 <= 128 && $fails == 0")
		GROWTH+=("$name|RSS ${r0}->${r1} kB, fds $f0->$f1, $fails failed, $(printf '%.0f' "$rate")/s|$v")
	done
fi

# ------------------------------------------------------------- the table
TARGET[start/pbox]="<= 1.30x floor, < crun"
f=$(med start/floor) p=$(med start/pbox) c=$(med start/crun)
[ -n "$p" ] && [ -n "$f" ] && VERDICT[start/pbox]=$(verdict "$p <= 1.3 * $f && ${c:-1e18} > $p && ${NFAIL[start/pbox]:-0} == 0")
TARGET[enter/pbox]="<= 1.30x nsenter, < crun exec"
f=$(med enter/nsenter) p=$(med enter/pbox) c=$(med enter/crun)
[ -n "$p" ] && [ -n "$f" ] && VERDICT[enter/pbox]=$(verdict "$p <= 1.3 * $f && ${c:-1e18} > $p && ${NFAIL[enter/pbox]:-0} == 0")

{
	echo
	echo "pbox benchmarks — $(uname -r), $(nproc) cpus, $(date -u +%Y-%m-%dT%H:%MZ)"
	printf '%-22s %-18s %14s %9s  %-30s %s\n' test tool median ratio target result
	printf '%s\n' "----------------------------------------------------------------------------------------------------------"
	time_rows "start /bin/true" start/floor start/pbox start/crun start/runc
	time_rows "enter /bin/true" enter/nsenter enter/pbox enter/crun enter/runc
	printf '%s\n' "${ROWS[@]}"
	ROWS=()

	# throughput and rates: higher is better
	n=$(med dd/nsenter) p=$(med dd/pbox)
	test="dd ${DD_MB} MiB out"
	for k in dd/nsenter dd/pbox; do
		m=$(med "$k") val=n/a r="" tg="" v=""
		[ -n "$m" ] && [ -z "${NA[$k]:-}" ] && val=$(printf '%.0f MB/s' "$(calc "$DD_MB * 1048576 / $m")")
		if [ "$k" = dd/pbox ] && [ -n "$p" ] && [ -n "$n" ]; then
			r=$(printf '%.2fx' "$(calc "$n / $p")")
			tg=">= 0.90x nsenter"
			v=$(verdict "$n / $p >= 0.9 && ${NFAIL[$k]:-0} == 0")
		fi
		row "$test" "${k#*/}" "$val" "$r" "$tg" "$v${v:+ }$(note "$k")"
		test=""
	done
	n=$(med conc/nsenter) p=$(med conc/pbox)
	test="$CLIENTS x $PER_CLIENT enters"
	total=$((CLIENTS * PER_CLIENT))
	for k in conc/nsenter conc/pbox conc/crun; do
		m=$(med "$k") val=n/a r="" tg="" v=""
		[ -n "$m" ] && [ -z "${NA[$k]:-}" ] && val=$(printf '%.0f /s' "$(calc "$total * 1000000 / $m")")
		[ -n "$m" ] && [ -n "$n" ] && [ "$k" != conc/nsenter ] && r=$(printf '%.2fx' "$(calc "$n / $m")")
		if [ "$k" = conc/pbox ] && [ -n "$p" ] && [ -n "$n" ]; then
			tg=">= 0.80x nsenter, no failure"
			v=$(verdict "$n / $p >= 0.8 && ${NFAIL[$k]:-0} == 0")
		fi
		row "$test" "${k#*/}" "$val" "$r" "$tg" "$v${v:+ }$(note "$k")"
		test=""
	done

	# memory
	test="host memory"
	if [ -n "${MEM[pbox]:-}" ]; then
		read -r rss pss <<<"${MEM[pbox]}"
		row "$test" "pbox RSS (sum)" "$rss kB" "" "< 4096 kB" "$(verdict "$rss < 4096") ($MEM_NOTE)"
		cp=""
		[ -n "${MEM[crun]:-}" ] && read -r _ cp <<<"${MEM[crun]}"
		row "" "pbox PSS (sum)" "$pss kB" "" "< crun's PSS" "$([ -n "$cp" ] && verdict "$pss < $cp")"
	else
		row "$test" "pbox" "n/a" "" "" "n/a (${MEM_NA:-?})"
	fi
	for rt in crun runc; do
		if [ -n "${MEM[$rt]:-}" ]; then
			read -r rss pss <<<"${MEM[$rt]}"
			row "" "$rt run (fg) RSS" "$rss kB" "" "" ""
			row "" "$rt run (fg) PSS" "$pss kB" "" "" ""
		else
			row "" "$rt run (fg)" "n/a" "" "" "n/a (${RT_NA[$rt]:-${MEM_RT_NA[$rt]:-?}})"
		fi
	done
	test="enterd, $ENTERS enters"
	if [ "${#GROWTH[@]}" -eq 0 ]; then
		row "$test" "pbox" "n/a" "" "no fd/RSS growth" "n/a (${PBOX_NA:-${NA[enter/pbox]:-?}})"
	fi
	for g in "${GROWTH[@]}"; do
		IFS='|' read -r name what v <<<"$g"
		row "$test" "$name" "" "" "no fd/RSS growth" "$v ($what)"
		test=""
	done
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "ratios: times relative to the first row of each test (lower is better);"
	echo "rates relative to nsenter's (higher is better)."
	[ -n "$NSENTER_EXTRA" ] && echo "nsenter entered an unshare+chroot box (with -r -w): pbox had none running."
	echo "runs: start/enter $RUNS, dd $DD_RUNS, concurrent $CONC_ROUNDS rounds; crun and runc in a private"
	echo "mount namespace without the hybrid cgroup2 mount (see start_helper)."
}
