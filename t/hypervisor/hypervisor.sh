#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A private libvirt daemon (libvirtd + virtlogd) for tests that need a real
# hypervisor. Everything it creates lives under DIR; the system's own
# libvirtd, /run/libvirt, /etc/libvirt and /var/lib/libvirt are left alone.
#
#   hypervisor.sh start DIR   start the daemons; the last line printed is the
#                             libvirt URI, qemu:///system?socket=DIR/run/libvirt-sock
#                             (also written to DIR/uri)
#   hypervisor.sh stop DIR    destroy every domain and network, stop the daemons
#                             and every process they spawned (QEMU, dnsmasq).
#                             Safe to run twice, or after a failed start.
#   hypervisor.sh status DIR  exit 0 when the daemon answers, and print its URI
#   hypervisor.sh uri DIR     print the URI
#
# Needs root (QEMU's system driver and bridges want it) and the Debian
# packages libvirt-daemon-system (with libvirt-daemon-system-sysv on a machine
# without systemd), libvirt-daemon-driver-qemu, libvirt-clients,
# qemu-system-x86, qemu-utils, dnsmasq-base, iptables, util-linux, iproute2.
#
# Environment:
#   HYPERVISOR_SOCK_GROUP  group of the read-write socket (default nogroup: the
#                          group of Apache::Test's children, which run as
#                          nobody; use www-data for a Debian httpd)
#   HYPERVISOR_SOCK_PERMS  mode of the read-write socket (default 0770)
#   HYPERVISOR_CACHE_DIR   keep libvirt's QEMU capability cache here instead
#                          of DIR/cache, so that the next start skips the
#                          first probe of QEMU (8 s here, up to a minute)
#   HYPERVISOR_TIMEOUT     seconds to wait for the daemon to answer (default 120)
#
# How the daemon is kept private (and the pitfalls behind it):
# - A privileged libvirtd has fixed paths (/run/libvirt, /etc/libvirt,
#   /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt); no environment
#   variable moves them (XDG_* only applies to qemu:///session), and
#   unix_sock_dir moves the client sockets only: the QEMU driver still
#   looks for virtlogd at /run/libvirt/virtlogd-sock and a define still
#   writes /etc/libvirt/qemu/NAME.xml. So both daemons run in their own
#   mount namespace, where DIR/etc, DIR/run, DIR/lib, DIR/cache and DIR/log
#   are bind-mounted over those paths, on top of a private tmpfs on /run
#   (the host may have no /run/libvirt to mount onto). Clients outside
#   reach the daemon through DIR/run/libvirt-sock.
# - The daemons also get their own network namespace: bridges, tap devices,
#   dnsmasq and libvirt's iptables rules for test networks stay inside it,
#   cannot clash with the host's virbr0/vnet* or with a second instance of
#   this harness, and vanish with it. (Guests are therefore not reachable
#   from the host's network stack; tests talk to libvirt, not to guests.)
# - The private configuration holds no 'default' network: copying Debian's
#   /etc/libvirt would autostart it and clash with the system's 192.168.122.0/24.
# - cgroup_controllers = [] in qemu.conf: without systemd, libvirt would
#   create /sys/fs/cgroup/*/machine/qemu-ID-NAME.libvirt-qemu, which is host
#   wide and clashes between two harness instances running a domain with the
#   same ID and name.
# - /dev/kvm at mode 0600 (root only) makes libvirt think its cached QEMU
#   capabilities are stale, and every define then re-probes QEMU (40-55 s).
#   start sets it to root:kvm 0660, as udev would. KVM itself may still be
#   unusable (nested virtualisation off): guests must use <domain type='qemu'>.
# - A fresh daemon probes QEMU's capabilities (about 8 s here with /dev/kvm
#   fixed, up to a minute elsewhere) before it answers; start waits for it
#   and runs `virsh domcapabilities` once so that later defines take ~0.03 s.
#   With HYPERVISOR_CACHE_DIR kept between runs, start takes about 0.2 s.
# - libvirtd.log holds harmless errors: "ethtool ioctl error on eth0" (the
#   node-device driver sees the host's interfaces in sysfs, but not in its
#   network namespace), "Unable to get system bus connection" (no D-Bus in
#   the private /run, hence no firewalld), dmidecode, udev DMI, and
#   "At least one cgroup controller is required" (cgroups are off).
# - libvirtd and virtlogd take 1-2 s each to exit after SIGTERM; stop signals
#   both at once. A libvirtd that is killed leaves QEMU running: stop finds
#   such processes through the namespaces and QEMU's pid files.
# - Unix socket paths are limited to 107 bytes: keep DIR short.
# - A non-root client (httpd's children) needs search permission on every
#   directory down to DIR/run: start makes DIR mode 0711 (mktemp -d gives 0700).
set -u
set -o pipefail

prog=hypervisor
die() { echo "$prog: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }

usage() {
    echo "usage: $0 start|stop|status|uri DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
dir=${dir%/}

sock=$dir/run/libvirt-sock
uri="qemu:///system?socket=$sock"
timeout_s=${HYPERVISOR_TIMEOUT:-120}

virsh_q() {
    # virsh against the private daemon, bounded in time.
    local t=$1; shift
    timeout "$t" virsh -q -c "$uri" "$@"
}

alive() {
    # alive PIDFILE: the pid in it is running
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

answers() {
    [ -S "$sock" ] && virsh_q 20 version >/dev/null 2>&1
}

# Processes this daemon left behind: those in the mount and network
# namespaces this script created, and the QEMU and dnsmasq processes named by
# pid files under DIR/run that share the network namespace (QEMU runs in a
# mount namespace of its own, libvirt's qemu.conf `namespaces` default).
# Namespace ids are reused once a namespace is gone (seen here: a new
# daemon got the previous one's network namespace id), so an id alone is
# not enough to call a process ours.
ns_pids() {
    local f mnt net p pid listed=" "
    f=$dir/run/namespaces
    [ -s "$f" ] || return 0
    read -r mnt net <"$f" || return 0
    [ -n "$mnt" ] && [ -n "$net" ] || return 0
    for f in "$dir"/run/qemu/*.pid "$dir"/run/network/*.pid; do
        [ -s "$f" ] || continue
        case $f in */driver.pid) continue ;; esac
        pid=$(tr -dc 0-9 <"$f")
        [ -n "$pid" ] && listed="$listed$pid "
    done
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [ "$pid" != $$ ] || continue
        [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$net" ] || continue
        if [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mnt" ]; then
            echo "$pid"
        else
            case $listed in *" $pid "*) echo "$pid" ;; esac
        fi
    done
}

kill_wait() {
    # kill_wait SECONDS PID...: TERM, wait, then KILL what is left
    local secs=$1; shift
    local pids="$*" left p i
    [ -n "$pids" ] || return 0
    kill -TERM $pids 2>/dev/null
    for ((i = 0; i < secs * 10; i++)); do
        left=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        [ -n "$left" ] || return 0
        sleep 0.1
    done
    kill -KILL $left 2>/dev/null
    sleep 0.2
    return 0
}

write_configs() {
    local group=$1 perms=$2
    mkdir -p "$dir/etc/qemu/networks/autostart" "$dir/etc/qemu/autostart" \
        "$dir/etc/storage/autostart" "$dir/etc/nwfilter" "$dir/etc/secrets" \
        "$dir/run" "$dir/lib/qemu" "$dir/lib/images" "$dir/lib/boot" \
        "$dir/log/qemu" "$dir/cache/qemu"

    cat >"$dir/etc/libvirtd.conf" <<EOF
# Private test daemon: unix sockets only, no authentication on them; who may
# connect is decided by the socket's group and mode.
unix_sock_dir = "/run/libvirt"
unix_sock_group = "$group"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "$perms"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$dir/log/libvirtd.log"
# Each daemon a host of its own: libvirt refuses to migrate between two
# that share a host UUID (here, the machine's SMBIOS one).
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
EOF

    cat >"$dir/etc/virtlogd.conf" <<EOF
log_outputs = "3:file:$dir/log/virtlogd.log"
EOF

    cat >"$dir/etc/qemu.conf" <<EOF
# See hypervisor.sh for why cgroups are off.
cgroup_controllers = [ ]
# No AppArmor/SELinux labelling of test files.
security_driver = "none"
# Serial logs and QEMU's stderr go through virtlogd (the default).
stdio_handler = "logd"
# Do not keep the original owner in extended attributes: test files may be
# on a file system without trusted.* xattrs.
remember_owner = 0
EOF

    # libvirtd reads these at start; empty ones are fine.
    : >"$dir/etc/libvirt.conf"
    : >"$dir/etc/network.conf"
    chmod 0755 "$dir/run"
    # QEMU runs as libvirt-qemu and must reach files under DIR (kernels,
    # images, pools): search permission, no listing.
    chmod 0711 "$dir"
    chown libvirt-qemu:libvirt-qemu "$dir/lib/qemu" 2>/dev/null || true
    chmod 0751 "$dir/lib/qemu"
}

prepare_kvm() {
    # See the header: avoids a capability re-probe on every define.
    if [ -e /dev/kvm ]; then
        chgrp kvm /dev/kvm 2>/dev/null && chmod 0660 /dev/kvm 2>/dev/null ||
            say "warning: could not set /dev/kvm to root:kvm 0660; defines will be slow"
    fi
}

start_failed() {
    # Leave nothing running behind a failed start.
    echo "$prog: $*" >&2
    do_stop >/dev/null 2>&1
    exit 1
}

do_start() {
    local group perms cache i

    [ "$(id -u)" = 0 ] || die "must run as root"
    for c in libvirtd virtlogd virsh unshare timeout ip; do
        command -v "$c" >/dev/null 2>&1 || die "$c not found (see the packages in the header)"
    done
    case $dir/ in
        /run/* | /var/run/* | /etc/libvirt/* | /var/lib/libvirt/* | /var/cache/libvirt/* | /var/log/libvirt/*)
            die "DIR must not be under /run or libvirt's own directories" ;;
    esac
    [ ${#sock} -lt 107 ] || die "DIR is too long for a unix socket path: $sock"
    getent passwd libvirt-qemu >/dev/null || die "user libvirt-qemu missing: install libvirt-daemon-system"

    mkdir -p "$dir" || die "cannot create $dir"

    if alive "$dir/run/libvirtd.pid" && answers; then
        say "already running"
        echo "$uri"
        return 0
    fi
    if alive "$dir/run/libvirtd.pid" || alive "$dir/run/virtlogd.pid"; then
        say "half-started daemon found, stopping it first"
        do_stop >/dev/null
    fi

    group=${HYPERVISOR_SOCK_GROUP:-nogroup}
    getent group "$group" >/dev/null || die "group $group does not exist"
    perms=${HYPERVISOR_SOCK_PERMS:-0770}
    cache=${HYPERVISOR_CACHE_DIR:-$dir/cache}
    case $cache in /*) ;; *) cache=$PWD/$cache ;; esac
    mkdir -p "$cache/qemu" || die "cannot create $cache"
    chmod 0711 "$cache" "$cache/qemu"

    write_configs "$group" "$perms"
    rm -f "$dir/run/libvirtd.pid" "$dir/run/virtlogd.pid" "$dir/run/namespaces" "$dir/uri"
    prepare_kvm

    # Inside new mount and network namespaces: hide the host's /run, put the
    # private directories where a privileged libvirtd looks, start the daemons
    # (they daemonize and keep the namespaces alive after this shell exits).
    unshare --mount --net --propagation private -- /bin/sh -e -c '
        d=$1 cache=$2
        mount -t tmpfs -o mode=0755 occi-hypervisor-run /run
        mkdir -p /run/libvirt /run/lock
        mount --bind "$d/run" /run/libvirt
        mount --bind "$d/etc" /etc/libvirt
        mount --bind "$d/lib" /var/lib/libvirt
        mount --bind "$cache" /var/cache/libvirt
        mount --bind "$d/log" /var/log/libvirt
        ip link set lo up
        echo "$(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/net)" >"$d/run/namespaces"
        virtlogd -d -f /etc/libvirt/virtlogd.conf -p "$d/run/virtlogd.pid"
        libvirtd -d -f /etc/libvirt/libvirtd.conf -p "$d/run/libvirtd.pid"
    ' occi-hypervisor "$dir" "$cache" >"$dir/log/start.log" 2>&1 ||
        start_failed "could not start the daemons: $(cat "$dir/log/start.log")"
    [ -s "$dir/run/namespaces" ] || start_failed "no namespaces recorded"

    say "waiting for libvirtd (up to ${timeout_s}s)"
    for ((i = 0; i < timeout_s * 5; i++)); do
        answers && break
        if [ $i -gt 25 ] && ! alive "$dir/run/libvirtd.pid"; then
            tail -n 20 "$dir/log/libvirtd.log" >&2 2>/dev/null
            start_failed "libvirtd exited (see $dir/log/libvirtd.log)"
        fi
        sleep 0.2
    done
    answers || start_failed "libvirtd does not answer on $sock after ${timeout_s}s (see $dir/log/libvirtd.log)"
    alive "$dir/run/virtlogd.pid" || start_failed "virtlogd is not running (see $dir/log/virtlogd.log)"

    # Probe QEMU's capabilities now rather than at the first define (a few
    # seconds here; about a minute has been seen on a fresh machine).
    say "probing QEMU capabilities"
    virsh_q 300 domcapabilities --virttype qemu --arch x86_64 >/dev/null ||
        start_failed "virsh domcapabilities failed (see $dir/log/libvirtd.log)"
    virsh_q 300 capabilities >/dev/null || start_failed "virsh capabilities failed"

    echo "$uri" >"$dir/uri"
    say "ready"
    echo "$uri"
}

do_stop() {
    local d n pids

    if [ ! -d "$dir/run" ]; then
        return 0
    fi
    if alive "$dir/run/libvirtd.pid" && answers; then
        for d in $(virsh_q 30 list --name 2>/dev/null); do
            virsh_q 30 destroy "$d" >/dev/null 2>&1 || say "warning: destroy $d failed"
        done
        for n in $(virsh_q 30 net-list --name 2>/dev/null); do
            virsh_q 30 net-destroy "$n" >/dev/null 2>&1 || say "warning: net-destroy $n failed"
        done
    fi
    # Both at once: each takes 1-2 s to exit after SIGTERM.
    pids=""
    alive "$dir/run/libvirtd.pid" && pids="$pids $(cat "$dir/run/libvirtd.pid")"
    alive "$dir/run/virtlogd.pid" && pids="$pids $(cat "$dir/run/virtlogd.pid")"
    kill_wait 20 $pids
    # Anything left in the namespaces (QEMU or dnsmasq after a crash of
    # libvirtd) is ours.
    pids=$(ns_pids)
    if [ -n "$pids" ]; then
        say "stopping leftover processes:" $pids
        kill_wait 10 $pids
    fi
    pids=$(ns_pids)
    [ -z "$pids" ] || die "processes still running: $pids"
    rm -f "$dir/run/libvirtd.pid" "$dir/run/virtlogd.pid" "$dir/run/namespaces" "$dir/uri"
    return 0
}

case $cmd in
    start) do_start ;;
    stop) do_stop && say "stopped" ;;
    status)
        if alive "$dir/run/libvirtd.pid" && answers; then echo "$uri"; else exit 1; fi ;;
    uri) echo "$uri" ;;
    *) usage ;;
esac
