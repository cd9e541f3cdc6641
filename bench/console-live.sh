#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What open consoles cost httpd (docs/console.md, "States that update
# themselves"): a private httpd with Debian's event MPM settings, SQLite and
# OCCILibvirtURI none, CONSOLES pages open at once for SECONDS, each either
#   poll:   asking for its compute every second, as the console does, or
#   stream: holding a response open that gets an event every second, as a
#           page fed by server-sent events would (through mod_proxy from a
#           small event server: in httpd 2.4 a streamed response holds a
#           worker thread whichever module writes it).
# The last rows poll again with AsyncRequestWorkerFactor 4.
# Each row gives what the consoles got, what a probe (another API client,
# one request every 0.25 s) got meanwhile, the CPU the httpd processes used
# (seconds per second, from /proc) and the threads they ran at the end.
# Not a test: compare the rows of one run.
#
#   bench/console-live.sh HTTPD HTTPD_MODULES_DIR BUILD_DIR SRC_DIR
#   BENCH_CONSOLES   "100 500" consoles per row; BENCH_SECONDS (20)
#   BENCH_SMOKE=1    10 consoles for 2 s, to show that every step runs
set -euo pipefail
httpd=$1 modules_dir=$2 build_dir=$3 src_dir=$4
consoles=${BENCH_CONSOLES:-100 500}
seconds=${BENCH_SECONDS:-20}
if [ "${BENCH_SMOKE:-}" = 1 ]; then
    consoles=10 seconds=2
fi
for tool in python3 curl perl; do
    command -v "$tool" >/dev/null || { echo "console-live: $tool is missing" >&2; exit 2; }
done
client="$src_dir/bench/console_live.py"

free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport'
}

work=$(mktemp -d /tmp/mod_occi-console-live.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/data" "$work/logs" "$work/run"
child_user=""
if [ "$(id -u)" = 0 ]; then
    child_user=www-data
    chown "$child_user" "$work/data"
fi
port=$(free_port)
events_port=$(free_port)
upstream_pid=""
cleanup() {
    [ -f "$work/run/httpd.pid" ] && "$httpd" -d "$work" -f "$work/httpd.conf" -k stop 2>/dev/null
    [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null
    for _ in $(seq 50); do [ -f "$work/run/httpd.pid" ] || break; sleep 0.1; done
    rm -rf "$work"
}
trap cleanup EXIT

# Debian's MPM settings (bench/debian-mpm.conf), as an operator runs httpd.
cat > "$work/httpd.conf" <<CONF
ServerRoot "$work"
DefaultRuntimeDir "$work/run"
PidFile "$work/run/httpd.pid"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
${child_user:+User $child_user}
${child_user:+Group $child_user}
LoadModule mpm_event_module $modules_dir/mod_mpm_event.so
LoadModule authz_core_module $modules_dir/mod_authz_core.so
LoadModule proxy_module $modules_dir/mod_proxy.so
LoadModule proxy_http_module $modules_dir/mod_proxy_http.so
LoadModule dbd_module $modules_dir/mod_dbd.so
LoadModule occi_module $build_dir/.libs/mod_occi.so
ErrorLog "$work/logs/error_log"
LogLevel warn
Include "$src_dir/bench/debian-mpm.conf"
DBDriver sqlite3
DBDParams "$work/data/occi.sqlite"
DBDInitSQL "PRAGMA journal_mode=WAL"
OCCILibvirtURI none
<Location /occi/>
    SetHandler occi
</Location>
ProxyPass /events http://127.0.0.1:$events_port/events
CONF

python3 "$client" upstream "$events_port" &
upstream_pid=$!
"$httpd" -d "$work" -f "$work/httpd.conf" -k start
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/occi/-/" && break
    sleep 0.1
done
location=$(curl -sf -D - -o /dev/null -X POST -H 'Content-Type: application/occi+json' \
    --data '{"kind": "http://schemas.ogf.org/occi/infrastructure#compute", "title": "watched"}' \
    "http://127.0.0.1:$port/occi/compute/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
path=/${location#*://*/}
[ "$path" != / ] || { echo "console-live: cannot create the compute" >&2; exit 1; }

# CPU seconds (user + system) of every process of the server, and threads.
server_processes() {
    local parent
    parent=$(cat "$work/run/httpd.pid")
    echo "$parent" $(pgrep -P "$parent")
}
# The parent's own fields 16 and 17 count the children it has reaped.
cpu_ticks() {
    local total=0 pid parent
    parent=$(cat "$work/run/httpd.pid")
    total=$(awk '{ print $16 + $17 }' "/proc/$parent/stat")
    for pid in $(server_processes); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}
threads() {
    local total=0 pid
    for pid in $(server_processes); do
        [ -d "/proc/$pid/task" ] && total=$((total + $(ls "/proc/$pid/task" | wc -l)))
    done
    echo "$total"
}

ticks_per_second=$(getconf CLK_TCK)
smoke_failed=0
# row LABEL MODE COUNT
row() {
    local before after line cpu
    before=$(cpu_ticks)
    line=$(python3 "$client" "$2" 127.0.0.1 "$port" "$path" "$seconds" "$3" 1 /events)
    after=$(cpu_ticks)
    cpu=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v s="$seconds" \
        'BEGIN { printf "%.3f", t / hz / s }')
    echo "$1 $line httpd_cpu=$cpu httpd_threads=$(threads)"
    # A few consoles are always served: a row that failed one is a defect.
    if [ "${BENCH_SMOKE:-}" = 1 ] && { [[ $line =~ (failures|probe_failures)=[1-9] ]] ||
        { [ "$2" = stream ] && [[ ! $line =~ streams_fed=$3\  ]]; }; }; then
        smoke_failed=1
    fi
    # Streams end when httpd next writes to them; the children that grew
    # for this row go before the next one.
    sleep 5
}

# Debian's settings first, then the one line that lets each worker
# thread keep more idle keep-alive connections (no thread more).
for count in $consoles; do
    row debian poll "$count"
done
for count in $consoles; do
    row debian stream "$count"
done
echo 'AsyncRequestWorkerFactor 4' >> "$work/httpd.conf"
"$httpd" -d "$work" -f "$work/httpd.conf" -k graceful
sleep 3
for count in $consoles; do
    row factor4 poll "$count"
done
if [ "$smoke_failed" = 1 ]; then
    echo "console-live: a few consoles were not all served" >&2
    exit 1
fi
