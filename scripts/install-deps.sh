#!/bin/bash
# install-deps.sh [--bench] — install the Debian 12 packages pbox needs to
# build, test and fuzz (and, with --bench, the runtimes it is measured
# against). Idempotent: when every package is already installed it does not
# touch apt at all. Works with no stdin; any apt failure fails the script.
set -euo pipefail

pkgs=(
	build-essential pkg-config
	clang
	# libFuzzer and clang's sanitizer runtimes: only a Recommends of clang-14
	# on bookworm, so --no-install-recommends would leave them out.
	libclang-rt-14-dev
	libcap-ng-dev libselinux1-dev libnl-3-dev libnl-route-3-dev
	libmsgpack-dev libseccomp-dev check
	busybox-static util-linux
)

for a in "$@"; do
	case "$a" in
	--bench) pkgs+=(crun runc hyperfine) ;;
	-h | --help)
		echo "usage: $0 [--bench]"
		exit 0
		;;
	*)
		echo "install-deps: unknown argument: $a" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ "$st" == ii* ]] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages already installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null
apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null

# apt-get returns 0 on some partial failures; check again, loudly.
for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	if [[ "$st" != ii* ]]; then
		echo "install-deps: $p is still not installed" >&2
		exit 1
	fi
done
echo "install-deps: done"
