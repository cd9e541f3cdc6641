#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test of the real-hypervisor harness: starts a private libvirtd
# (hypervisor.sh) in a temporary directory, boots the tiny guest
# (make-guest.sh) under QEMU/TCG and runs it through the life cycle the
# module needs: define, start, suspend, resume, hot-plug and unplug of a
# qcow2 volume from a dir pool, an isolated network and a NIC on it, ACPI
# shutdown, then removes everything and stops the daemon. Prints the time of
# each step and "smoke: OK"; exits non-zero on the first failure.
#
# Run as root: t/hypervisor/smoke.sh
# Environment:
#   HYPERVISOR_GUEST_DIR  where make-guest.sh keeps the guest (default: inside
#                         the temporary directory, rebuilt every run; point it
#                         at a lasting directory to build it once)
#   HYPERVISOR_CACHE_DIR  see hypervisor.sh
#   SMOKE_KEEP=1          keep the temporary directory (logs) afterwards
#   TMPDIR                where the temporary directory goes (keep the path
#                         short: unix socket paths are limited to 107 bytes)
#
# Pitfalls seen while writing it:
# - `virsh shutdown` only presses the ACPI power button and returns at once;
#   the guest must be up (acpid running) to act on it, so the test waits for
#   "occi-guest ready" on the serial console first, then polls domstate.
# - `virsh detach-disk --live` returns once QEMU has asked the guest to eject
#   the device; the disk leaves the live XML only when the guest's ACPI
#   hot-plug code acknowledges. Poll domblklist instead of trusting the
#   return value.
# - attach-disk needs --subdriver qcow2 for a qcow2 volume (libvirt would
#   otherwise hand it to the guest as raw).
# - The network is isolated (no <forward>): no NAT, no routes, no iptables
#   MASQUERADE; libvirt still adds its per-bridge filter rules, inside the
#   daemon's private network namespace.
set -u
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
hv=$here/hypervisor.sh
mkguest=$here/make-guest.sh

dom=occitest-smoke
pool=occitest-pool
net=occitest-net
bridge=occitest0
vol=occitest-vol.qcow2

[ "$(id -u)" = 0 ] || { echo "smoke: must run as root" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/occi-hv.XXXXXX") || exit 1
chmod 0711 "$tmp"
hvdir=$tmp/hv
guestdir=${HYPERVISOR_GUEST_DIR:-$tmp/guest}
console=$tmp/console.log
uri=""
failed=1

cleanup() {
    local rc=$?
    if [ $failed -ne 0 ]; then
        echo "smoke: FAILED; logs:" >&2
        for f in "$console" "$hvdir/log/qemu/$dom.log" "$hvdir/log/libvirtd.log"; do
            [ -f "$f" ] || continue
            echo "---- $f (last lines)" >&2
            # Drop libvirtd's harmless noise (see hypervisor.sh).
            grep -v -e 'ethtool ioctl error' -e 'system bus connection' "$f" | tail -n 15 >&2
        done
    fi
    "$hv" stop "$hvdir" >/dev/null 2>&1 || echo "smoke: hypervisor.sh stop failed" >&2
    if [ "${SMOKE_KEEP:-0}" = 1 ]; then
        echo "smoke: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    [ $failed -eq 0 ] || exit $((rc ? rc : 1))
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
t_all=$(now)
t_step=$t_all
step() {
    # step NAME: print the time since the previous step
    local t
    t=$(now)
    printf 'smoke: %-34s %6.2f s\n' "$1" "$(echo "$t $t_step" | awk '{ print $1 - $2 }')"
    t_step=$t
}
fail() { echo "smoke: $*" >&2; exit 1; }
v() { timeout 120 virsh -q -c "$uri" "$@"; }

state_is() {
    # state_is STATE SECONDS: wait until the domain is in STATE
    local want=$1 secs=$2 i s=""
    for ((i = 0; i < secs * 5; i++)); do
        s=$(v domstate "$dom" 2>/dev/null | head -n1)
        [ "$s" = "$want" ] && return 0
        sleep 0.2
    done
    fail "domain is '$s', expected '$want' within ${secs}s"
}

wait_for() {
    # wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 5; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "timed out after ${secs}s waiting for $what"
}

has_disk() { v domblklist "$dom" | awk '{ print $1 }' | grep -qx vdb; }
no_disk() { ! has_disk; }
has_nic() { v domiflist "$dom" | grep -q "$net"; }
no_nic() { ! has_nic; }
guest_ready() { grep -q "occi-guest ready" "$console"; }

peak_kb() {
    # peak_kb PID...: sum of VmHWM (peak resident set) in kB
    local p sum=0 k
    for p in "$@"; do
        k=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        sum=$((sum + ${k:-0}))
    done
    echo $sum
}

# ---- guest and daemon
"$mkguest" "$guestdir" || fail "make-guest.sh failed"
step "make-guest"

out=$("$hv" start "$hvdir") || { echo "$out" >&2; fail "hypervisor.sh start failed"; }
uri=$(echo "$out" | tail -n1)
case $uri in qemu:///system\?socket=/*) ;; *) fail "unexpected URI: $uri" ;; esac
echo "smoke: URI $uri"
step "hypervisor start"

if [ -z "${HYPERVISOR_SOCK_GROUP:-}" ] && id nobody >/dev/null 2>&1; then
    runuser -u nobody -- virsh -q -c "$uri" list >/dev/null ||
        fail "user nobody cannot use $uri"
    step "non-root client (nobody)"
fi

# ---- domain
cat >"$tmp/domain.xml" <<EOF
<domain type='qemu'>
  <name>$dom</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guestdir/vmlinuz</kernel>
    <initrd>$guestdir/initrd.img</initrd>
    <cmdline>$(cat "$guestdir/cmdline")</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='$console'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='$console'/>
      <target type='serial' port='0'/>
    </console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='virtio'/>
  </devices>
</domain>
EOF
v define "$tmp/domain.xml" >/dev/null || fail "define failed"
step "define"
v start "$dom" >/dev/null || fail "start failed"
state_is running 10
step "start (running)"
wait_for 60 "occi-guest ready on the console" guest_ready
step "guest booted"

v suspend "$dom" >/dev/null || fail "suspend failed"
state_is paused 10
step "suspend (paused)"
v resume "$dom" >/dev/null || fail "resume failed"
state_is running 10
step "resume (running)"

# ---- storage: dir pool, qcow2 volume, hot-plug
mkdir -p "$tmp/pool"
v pool-define-as "$pool" dir --target "$tmp/pool" >/dev/null || fail "pool-define-as failed"
v pool-start "$pool" >/dev/null || fail "pool-start failed"
step "dir pool defined and started"
v vol-create-as "$pool" "$vol" 1G --format qcow2 >/dev/null || fail "vol-create-as failed"
volpath=$(v vol-path --pool "$pool" "$vol") || fail "vol-path failed"
[ "$(v vol-info --pool "$pool" "$vol" | awk '/^Capacity:/ { print $2, $3 }')" = "1.00 GiB" ] ||
    fail "volume capacity is not 1 GiB"
step "1 GiB qcow2 volume"
v attach-disk "$dom" "$volpath" vdb --targetbus virtio --subdriver qcow2 --live >/dev/null ||
    fail "attach-disk failed"
wait_for 10 "vdb in domblklist" has_disk
step "hot-plug virtio disk"
v detach-disk "$dom" vdb --live >/dev/null || fail "detach-disk failed"
wait_for 30 "vdb to leave domblklist" no_disk
step "hot-unplug virtio disk"

# ---- isolated network and a NIC on it
cat >"$tmp/network.xml" <<EOF
<network>
  <name>$net</name>
  <bridge name='$bridge' stp='off' delay='0'/>
  <ip address='192.0.2.1' netmask='255.255.255.0'>
    <dhcp><range start='192.0.2.100' end='192.0.2.199'/></dhcp>
  </ip>
</network>
EOF
v net-define "$tmp/network.xml" >/dev/null || fail "net-define failed"
v net-start "$net" >/dev/null || fail "net-start failed"
[ "$(v net-info "$net" | awk '/^Bridge:/ { print $2 }')" = "$bridge" ] || fail "bridge is not $bridge"
step "isolated network started"
v attach-interface "$dom" network "$net" --model virtio --live >/dev/null ||
    fail "attach-interface failed"
wait_for 10 "the NIC in domiflist" has_nic
step "hot-plug virtio NIC"
mac=$(v domiflist "$dom" | awk -v n="$net" '$3 == n { print $5 }')
v detach-interface "$dom" network --mac "$mac" --live >/dev/null || fail "detach-interface failed"
wait_for 30 "the NIC to leave domiflist" no_nic
step "hot-unplug virtio NIC"

# ---- memory, measured while everything runs
qemu_pid=$(cat "$hvdir/run/qemu/$dom.pid" 2>/dev/null)
[ -n "$qemu_pid" ] || fail "no pid file for QEMU"
peak_qemu=$(peak_kb "$qemu_pid")
peak_daemons=$(peak_kb "$(cat "$hvdir/run/libvirtd.pid")" "$(cat "$hvdir/run/virtlogd.pid")")

# ---- ACPI shutdown
v shutdown "$dom" >/dev/null || fail "shutdown failed"
state_is "shut off" 60
grep -q "power button" "$console" || fail "the guest did not see the power button"
step "ACPI shutdown (shut off)"

# ---- removal
v undefine "$dom" >/dev/null || fail "undefine failed"
v net-destroy "$net" >/dev/null || fail "net-destroy failed"
v net-undefine "$net" >/dev/null || fail "net-undefine failed"
v vol-delete --pool "$pool" "$vol" >/dev/null || fail "vol-delete failed"
v pool-destroy "$pool" >/dev/null || fail "pool-destroy failed"
v pool-undefine "$pool" >/dev/null || fail "pool-undefine failed"
[ -z "$(v list --all --name)" ] || fail "domains left"
[ -z "$(v net-list --all --name)" ] || fail "networks left"
[ -z "$(v pool-list --all --name)" ] || fail "pools left"
step "undefine everything"

"$hv" stop "$hvdir" >/dev/null || fail "hypervisor.sh stop failed"
[ ! -e "$hvdir/run/libvirtd.pid" ] || fail "stop left a pid file"
"$hv" stop "$hvdir" >/dev/null || fail "a second hypervisor.sh stop failed"
step "hypervisor stop (twice)"

printf 'smoke: %-34s %6.2f s\n' "total" "$(echo "$(now) $t_all" | awk '{ print $1 - $2 }')"
echo "smoke: peak RSS: QEMU $((peak_qemu / 1024)) MiB, libvirtd+virtlogd $((peak_daemons / 1024)) MiB"
failed=0
echo "smoke: OK"
