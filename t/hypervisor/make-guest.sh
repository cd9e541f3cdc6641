#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds a tiny bootable test guest into DIR:
#   DIR/vmlinuz     a Debian kernel (linux-image-*-cloud-amd64: virtio, ACPI
#                   and the 8250 serial console built in, a 27 MB download)
#   DIR/initrd.img  a gzipped cpio with a static busybox, a few modules and
#                   an /init that mounts proc/sys/dev, loads the ACPI button,
#                   evdev and virtio drivers, starts busybox acpid (the ACPI
#                   power button, i.e. `virsh shutdown`, runs `poweroff -f`)
#                   and prints "occi-guest ready" on the console, then
#                   "occi-guest tick BOOT_ID N" every second; with a network
#                   card it takes 10.99.0.<MAC's last byte>/24 and prints
#                   "occi-guest reached 10.99.0.N" for each peer (.1 to .4)
#                   that answers a ping
#   DIR/cmdline     the kernel command line to use: console=ttyS0 ...
# Boot it with <os><type>hvm</type><kernel>DIR/vmlinuz</kernel>
# <initrd>DIR/initrd.img</initrd><cmdline>(DIR/cmdline)</cmdline></os> and a
# serial console; it needs no disk and about 256 MiB.
#
# Running it again with a complete DIR returns at once. The kernel and
# busybox are taken from Debian packages fetched with `apt-get download`
# (nothing is installed and the host's /boot is not touched; an installed
# busybox-static package is used as it is), unless
#   GUEST_KERNEL_DEB=/path/linux-image-...-cloud-amd64_....deb
#   GUEST_BUSYBOX_DEB=/path/busybox-static_....deb
# name local copies. Needs dpkg-deb, tar, gzip and apt (an `apt-get update`
# done once, which this script does itself when run as root).
#
# Pitfalls:
# - The metapackage linux-image-cloud-amd64 holds no kernel; the versioned
#   package it depends on (linux-image-6.1.0-NN-cloud-amd64) does.
# - Debian's kernels build the ACPI button driver and evdev as modules: without
#   them the guest ignores the power button and `virsh shutdown` does nothing
#   (libvirt still reports success). busybox acpid reads /dev/input/event*.
# - A power-button press that arrives before acpid runs is lost: wait for
#   "occi-guest ready" on the console before `virsh shutdown`.
# - The .deb ships no modules.dep: busybox depmod makes one for busybox modprobe.
# - No /dev/console exists in the cpio (making one needs root): /init mounts
#   devtmpfs first and then points its stdio at /dev/console.
set -eu
set -o pipefail

# Bump when the contents of the guest change, so cached guests are rebuilt.
guest_version=5

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac

if [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.img" ] && [ -s "$dir/cmdline" ] &&
    [ "$(cat "$dir/.guest-version" 2>/dev/null)" = "$guest_version" ]; then
    exit 0
fi

start=$(date +%s)
mkdir -p "$dir"
work=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { echo "make-guest: $*"; }

apt_download() {
    # apt_download PACKAGE: fetch PACKAGE's .deb into $work/debs, print its path
    local pkg=$1 f
    mkdir -p "$work/debs"
    # As root, apt drops to the _apt user to download and warns that it
    # cannot write our private directory: download as root instead.
    (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) || return 1
    for f in "$work/debs/${pkg}_"*.deb; do
        [ -s "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

ensure_apt_lists() {
    if ! apt-cache show busybox-static >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then
            say "apt-get update" >&2
            apt-get update -qq >&2
        else
            echo "make-guest: apt has no package lists: run apt-get update as root" >&2
            exit 1
        fi
    fi
}

find_deb() {
    # find_deb PACKAGE: a copy in apt's cache, or a fresh download
    local pkg=$1 f
    local cached=""
    for f in /var/cache/apt/archives/"${pkg}"_*_amd64.deb; do [ -s "$f" ] && cached=$f; done
    if [ -n "$cached" ]; then echo "$cached"; return 0; fi
    ensure_apt_lists
    apt_download "$pkg"
}

kernel_deb=${GUEST_KERNEL_DEB:-}
if [ -z "$kernel_deb" ]; then
    ensure_apt_lists
    kernel_pkg=$(apt-cache depends --important linux-image-cloud-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kernel_pkg" ] || { echo "make-guest: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
    say "kernel from $kernel_pkg"
    kernel_deb=$(find_deb "$kernel_pkg") || { echo "make-guest: cannot download $kernel_pkg" >&2; exit 1; }
fi
busybox_deb=${GUEST_BUSYBOX_DEB:-}
host_busybox=""
if [ -z "$busybox_deb" ] &&
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
    host_busybox=/bin/busybox
elif [ -z "$busybox_deb" ]; then
    busybox_deb=$(find_deb busybox-static) || { echo "make-guest: cannot download busybox-static" >&2; exit 1; }
fi

# Only the kernel and the few modules the guest loads (the whole package
# unpacks to about 100 MB).
mkdir -p "$work/kernel"
dpkg-deb --fsys-tarfile "$kernel_deb" | tar -x -C "$work/kernel" --wildcards \
    '*/boot/vmlinuz-*' \
    '*/modules/*/modules.builtin' '*/modules/*/modules.order' \
    '*/modules/*/kernel/drivers/acpi/button.ko' \
    '*/modules/*/kernel/drivers/input/evdev.ko' \
    '*/modules/*/kernel/drivers/virtio/virtio*.ko' \
    '*/modules/*/kernel/drivers/block/virtio_blk.ko' \
    '*/modules/*/kernel/drivers/net/virtio_net.ko' \
    '*/modules/*/kernel/drivers/net/net_failover.ko' \
    '*/modules/*/kernel/net/core/failover.ko'
vmlinuz="" moddir=""
for f in "$work"/kernel/boot/vmlinuz-*; do [ -s "$f" ] && vmlinuz=$f; done
for f in "$work"/kernel/lib/modules/* "$work"/kernel/usr/lib/modules/*; do [ -d "$f" ] && moddir=$f; done
[ -n "$vmlinuz" ] && [ -n "$moddir" ] || { echo "make-guest: no kernel in $kernel_deb" >&2; exit 1; }
kver=${moddir##*/}

if [ -n "$host_busybox" ]; then
    busybox=$host_busybox
else
    mkdir -p "$work/bb"
    dpkg-deb --fsys-tarfile "$busybox_deb" | tar -x -C "$work/bb" --wildcards '*/bin/busybox'
    busybox=$work/bb/bin/busybox
fi
[ -x "$busybox" ] || { echo "make-guest: no busybox in ${busybox_deb:-$host_busybox}" >&2; exit 1; }

# The initramfs tree.
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,etc/acpi/PWRF,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp -a "$moddir" "$root/lib/modules/$kver"
"$busybox" depmod -b "$root" "$kver"

cat >"$root/init" <<'EOF'
#!/bin/sh
# occi test guest: no disk, no login; reacts to the ACPI power button.
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
for m in button evdev virtio_pci virtio_blk virtio_net; do
    modprobe "$m" 2>/dev/null || echo "occi-guest: no module $m"
done
hostname occi-guest
ip link set lo up
acpid -c /etc/acpi -a /etc/acpid.conf -l /run/acpid.log
echo "occi-guest ready"
# A line a second naming this boot: a guest that keeps its boot id and
# counts on has kept running (a live migration), one that starts from 0
# with another id has booted again.
boot=$(cat /proc/sys/kernel/random/boot_id)
( i=0; while :; do echo "occi-guest tick $boot $i"; i=$((i + 1)); sleep 1; done ) &
# The same on the screen (a domain with a VGA card and a VNC server), which
# it fills first from top to bottom: the console's screen test sees the
# guest's text where the firmware's never reaches.
if [ -c /dev/tty1 ]; then
    ( printf '\033[2J\033[H' >/dev/tty1
      for line in $(seq 1 30); do echo "occi-guest screen: line $line ================" ; done >/dev/tty1
      i=0; while :; do
        echo "occi-guest screen: tick $i" >/dev/tty1 2>/dev/null
        i=$((i + 1)); sleep 1
      done ) 2>/dev/null &
fi
# With a network card: an address from its MAC's last byte (52:54:00:00:00:0a
# is 10.99.0.10/24), and "occi-guest reached ADDRESS" on the console each
# time one of 10.99.0.1 to .4 answers a ping: two guests on one network
# show that they reach each other.
if [ -e /sys/class/net/eth0 ]; then
    mac=$(cat /sys/class/net/eth0/address)
    last=$((0x${mac##*:}))
    ip addr add "10.99.0.$last/24" dev eth0
    ip link set eth0 up
    ( while :; do
        for peer in 1 2 3 4; do
            [ "$peer" = "$last" ] && continue
            ping -c 1 -W 1 "10.99.0.$peer" >/dev/null 2>&1 && echo "occi-guest reached 10.99.0.$peer"
        done
        sleep 1
      done ) &
fi
# PID 1 must never exit; it also reaps orphans.
while :; do sleep 3600; done
EOF
cat >"$root/etc/acpid.conf" <<'EOF'
PWRF PWRF/00000080
PWRB PWRF/00000080
EOF
cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "occi-guest: power button, powering off" >/dev/console
poweroff -f
EOF
chmod 0755 "$root/init" "$root/etc/acpi/PWRF/00000080"

(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -6 >"$work/initrd.img"

# console=ttyS0: the serial port is the console; panic=-1: reboot at once on
# a kernel panic (give the domain <on_crash>destroy</on_crash>).
echo "console=ttyS0 panic=-1 quiet loglevel=4" >"$work/cmdline"

chmod 0644 "$work/initrd.img" "$work/cmdline"
cp "$vmlinuz" "$work/vmlinuz"
chmod 0644 "$work/vmlinuz"
mv -f "$work/vmlinuz" "$dir/vmlinuz"
mv -f "$work/initrd.img" "$dir/initrd.img"
mv -f "$work/cmdline" "$dir/cmdline"
echo "$kver" >"$dir/kernel-version"
echo "$guest_version" >"$dir/.guest-version"
say "guest with kernel $kver in $dir ($(( $(date +%s) - start )) s)"
