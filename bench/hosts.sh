#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a create and a read of one compute cost the core as the cloud grows
# (docs/performance.md, "Many hosts"): t/unit/bench_hosts runs the service
# layer over the real store (SQLite) and fake hypervisor hosts, under
# callgrind, counting instructions inside one create (placement among the
# hosts included) and inside one read with its live state; each row is the
# average of BENCH_HOSTS_REPEAT of them, and its ratio to the first row.
# Instruction counts do not depend on what else the machine does.
#
#   bench/hosts.sh BUILD_DIR
#
#   BENCH_HOSTS_SIZES   "HOSTS:COMPUTES ..." (default "1:0 1:10000 10:10000 100:0 100:10000")
#   BENCH_HOSTS_REPEAT  creates and reads counted per row (default 50)
#   BENCH_SMOKE=1       two small rows, a few requests (make check)
set -euo pipefail

build=${1:?usage: bench/hosts.sh BUILD_DIR}
sizes=${BENCH_HOSTS_SIZES:-1:0 1:10000 10:10000 100:0 100:10000}
repeat=${BENCH_HOSTS_REPEAT:-50}
if [ "${BENCH_SMOKE:-}" = 1 ]; then
    sizes="1:0 3:100"
    repeat=3
fi
command -v valgrind >/dev/null || { echo "bench/hosts.sh: valgrind is needed" >&2; exit 1; }
make -s -C "$build" t/unit/bench_hosts >/dev/null
work=$(mktemp -d /tmp/occi-bench-hosts.XXXXXX)
trap 'rm -rf "$work"' EXIT

# instructions FUNCTION HOSTS COMPUTES: per call of FUNCTION, averaged
instructions() {
    local out="$work/cg.$1.$2.$3" total
    valgrind --tool=callgrind --toggle-collect="$1" --callgrind-out-file="$out" \
        "$build/t/unit/bench_hosts" "$2" "$3" "$repeat" >"$work/log" 2>&1 ||
        { cat "$work/log" >&2; return 1; }
    total=$(awk '/^summary:/ { print $2; exit }' "$out")
    echo $((total / repeat))
}

printf '%-8s %-9s %18s %8s %18s %8s\n' hosts computes "instr./create" ratio "instr./read" ratio
first_create= first_read=
for size in $sizes; do
    hosts=${size%%:*} computes=${size#*:}
    create=$(instructions measured_create "$hosts" "$computes")
    read=$(instructions measured_get "$hosts" "$computes")
    first_create=${first_create:-$create} first_read=${first_read:-$read}
    printf '%-8s %-9s %18s %8s %18s %8s\n' "$hosts" "$computes" "$create" \
        "$(awk -v a="$create" -v b="$first_create" 'BEGIN { printf "%.2f", a / b }')" "$read" \
        "$(awk -v a="$read" -v b="$first_read" 'BEGIN { printf "%.2f", a / b }')"
done
