#!/bin/sh
# mkrootfs.sh DIR — build a minimal busybox root filesystem in DIR (from
# the busybox-static package), with the users and groups the tests and the
# demo use. Used by tests/lib/rootfs.c, the demo and the benchmarks.
set -eu
dir=$1
bb=$(command -v busybox || true)
[ -x /bin/busybox ] && bb=/bin/busybox
if [ -z "$bb" ]; then echo "mkrootfs: busybox-static is not installed" >&2; exit 1; fi
mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin etc proc sys dev tmp run root home/user usr/bin usr/sbin var/tmp
chmod 1777 tmp var/tmp
cp "$bb" bin/busybox
chmod 0755 bin/busybox
for a in $(./bin/busybox --list); do
        [ -e "bin/$a" ] || ln -s busybox "bin/$a"
done
ln -sf /bin/init sbin/init 2>/dev/null || true
cat > etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:A User:/home/user:/bin/sh
other:x:1001:1001::/home/other:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > etc/group <<'G'
root:x:0:
daemon:x:1:
wheel:x:10:user
audio:x:29:user,other
user:x:1000:
other:x:1001:
nogroup:x:65534:
G
printf '127.0.0.1\tlocalhost\n' > etc/hosts
chown 1000:1000 home/user
