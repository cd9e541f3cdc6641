#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark. The ceiling is a stock httpd (Debian's modules and MPM
# settings, no access log) serving static files of the same bytes as each
# answer; against it, the module in the shapes an operator runs (the same
# httpd plus mod_dbd and mod_occi): SQLite with OCCILibvirtURI none, with a
# libvirt daemon its children share, and PostgreSQL (when installed and
# run as root). Rows of their own, labelled, for a private httpd of one
# child with the libvirt test driver in the process against its own
# static files; the memory of the children over mixed requests; and
# callgrind's instructions per GET. Prints one table.
# It is not a test: numbers depend on the machine; compare ratios of one run.
#
# Usage: benchmark.sh HTTPD HTTPD_MODULES_DIR BUILD_DIR SRC_DIR
#   BENCH_SECONDS             seconds of wrk per row (default 10)
#   BENCH_CONNECTIONS         wrk connections (default 16); BENCH_THREADS (2)
#   BENCH_SIZES               collection sizes for the page rows
#                             (default "100 10000 100000")
#   BENCH_MEMORY_REQUESTS     requests between the two memory readings
#                             (default 1000000)
#   BENCH_CALLGRIND_REQUESTS  GETs counted under callgrind (default 1000)
#   BENCH_SMOKE=1             a few seconds in all, only to show that every
#                             step still runs (make check does this)
set -euo pipefail
httpd=$1 modules_dir=$2 build_dir=$3 src_dir=$4
. "$src_dir/t/lib/postgres.sh"

if [ "${BENCH_SMOKE:-}" = 1 ]; then
    : "${BENCH_SECONDS:=1}" "${BENCH_SIZES:=10 50}" "${BENCH_MEMORY_REQUESTS:=2000}"
    : "${BENCH_CALLGRIND_REQUESTS:=20}" "${BENCH_CONNECTIONS:=4}"
fi
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
sizes=${BENCH_SIZES:-100 10000 100000}
memory_requests=${BENCH_MEMORY_REQUESTS:-1000000}
callgrind_requests=${BENCH_CALLGRIND_REQUESTS:-1000}

for tool in wrk curl perl; do
    command -v "$tool" >/dev/null || { echo "benchmark: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

# Everything under one directory that httpd's children can read.
work=$(mktemp -d /tmp/mod_occi-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/htdocs/static" "$work/data" "$work/logs" "$work/run" "$work/callgrind"
child_user=""
if [ "$(id -u)" = 0 ]; then
    child_user=www-data
    chown "$child_user" "$work/data"
fi
port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
base="http://127.0.0.1:$port"
api="$base/occi"
cp "$src_dir/conf/libvirt-test-host.xml" "$work/libvirt-test-host.xml"
chmod 644 "$work/libvirt-test-host.xml"

conf="$work/httpd.conf"
cat > "$conf" <<CONF
ServerRoot "$work"
DefaultRuntimeDir "$work/run"
PidFile "$work/run/httpd.pid"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
ServerTokens Full
${child_user:+User $child_user}
${child_user:+Group $child_user}
LoadModule mpm_event_module $modules_dir/mod_mpm_event.so
LoadModule authz_core_module $modules_dir/mod_authz_core.so
LoadModule mime_module $modules_dir/mod_mime.so
LoadModule dbd_module $modules_dir/mod_dbd.so
LoadModule occi_module $build_dir/.libs/mod_occi.so
TypesConfig /etc/mime.types
ErrorLog "$work/logs/error_log"
LogLevel warn
# No access log: the ceiling and the module pay the same, and it would
# measure the disk.

# One child: the libvirt test driver keeps its state in the process.
ServerLimit 1
StartServers 1
ThreadsPerChild 64
MaxRequestWorkers 64
MaxConnectionsPerChild 0
KeepAliveTimeout 30
MaxKeepAliveRequests 0

DBDriver sqlite3
DBDParams "$work/data/occi.sqlite"
DBDInitSQL "PRAGMA journal_mode=WAL"
Include "$src_dir/conf/templates.conf"
OCCILibvirtURI "test://$work/libvirt-test-host.xml"
# Large batches keep loading a hundred thousand entities short.
OCCIMaxCategories 1000
OCCIMaxBodySize 16777216

DocumentRoot "$work/htdocs"
<Directory "$work/htdocs">
    Require all granted
</Directory>
<Location /occi/>
    SetHandler occi
</Location>
CONF

httpd_pid=""
cleanup() {
    local server
    for server in stock operator operator-lv operator-pg operator-pg-lv; do
        if [ -f "$work/$server/httpd.pid" ]; then
            "$httpd" -d "$work/$server" -f "$work/$server/httpd.conf" -k stop >/dev/null 2>&1 || true
        fi
    done
    [ -z "${keeper_pid:-}" ] || kill "$keeper_pid" 2>/dev/null || true
    [ -z "${hv_dir:-}" ] || bash "$src_dir/t/hypervisor/hypervisor.sh" stop "$hv_dir" >/dev/null 2>&1 || true
    if [ -f "$work/run/httpd.pid" ]; then
        "$httpd" -d "$work" -f "$conf" -k stop >/dev/null 2>&1 || true
        for _ in $(seq 50); do [ -f "$work/run/httpd.pid" ] || break; sleep 0.2; done
    fi
    [ -z "${pg_ctl:-}" ] || stop_private_postgres "$(dirname "$pg_ctl")" "$work/pg"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

start_httpd() {
    "$httpd" -d "$work" -f "$conf" -k start
    for _ in $(seq 100); do
        curl -sf -o /dev/null "$api/-/" && return 0
        sleep 0.1
    done
    echo "benchmark: httpd did not start:" >&2
    tail -n 20 "$work/logs/error_log" >&2
    exit 1
}

# The resident memory of httpd's children, in kB.
children_rss() {
    local parent
    parent=$(cat "$work/run/httpd.pid")
    ps -o rss= --ppid "$parent" | awk '{ sum += $1 } END { print sum + 0 }'
}

# Creates computes up to a total of $1, in batches of multi-creates.
created=0
grow_to() {
    local target=$1 batch
    while [ "$created" -lt "$target" ]; do
        batch=$((target - created))
        [ "$batch" -gt 500 ] && batch=500
        perl -e 'my ($n, $from) = @ARGV;
                 print q({"resources":[),
                       join(",", map { qq({"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"bench $_"}) }
                                 $from .. $from + $n - 1), "]}"' "$batch" "$created" > "$work/batch.json"
        status=$(curl -s -o "$work/batch.out" -w '%{http_code}' -X POST \
                 -H 'Content-Type: application/occi+json' -H 'Accept: text/plain' \
                 --data-binary "@$work/batch.json" "$api/compute/")
        if [ "$status" != 201 ]; then
            echo "benchmark: loading computes: $status $(head -c 300 "$work/batch.out")" >&2
            exit 1
        fi
        created=$((created + batch))
    done
}

# wrk for one row: prints "requests/s p99 non-2xx"; fails on any non-2xx
# answer unless BENCH_ALLOW_CONFLICTS is set (concurrent actions on one
# entity may meet, and the loser is told 409).
run_wrk() {
    local url=$1 out
    shift
    out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" "$url")
    if [ -z "${BENCH_ALLOW_CONFLICTS:-}" ] && grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        echo "benchmark: $url answered errors:" >&2
        echo "$out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ { rate = $2 }
         $1 == "99%" { p99 = $2 }
         /Non-2xx or 3xx responses/ { errors = $NF }
         END { printf "%.0f %s %d\n", rate, p99, errors }' <<<"$out"
}

rows=()
row() { rows+=("$(printf '%-44s %12s %10s %8s' "$1" "$2" "$3" "${4:-}")"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

start_httpd
echo "benchmark: httpd on $base, ${seconds}s per row, $connections connections, $threads wrk threads" >&2

# ---- The model and one entity, against static files of the same bytes ----
grow_to 1
json='Accept: application/occi+json'
curl -sf -H "$json" -o "$work/htdocs/static/model.json" "$api/-/"
# Listings name entities by their URLs.
entity_url=$(curl -sf -H 'Accept: text/uri-list' "$api/compute/?page=1&number=1" | tr -d '\r' |
             head -n 1)
curl -sf -H "$json" -o "$work/htdocs/static/entity.json" "$entity_url"
curl -sf -H 'Accept: text/plain' -o "$work/htdocs/static/entity.txt" "$entity_url"

rows+=("The test driver, one child of 64 threads (ratios to its own static files):")
read -r model_rate model_p99 _ < <(run_wrk "$api/-/" -H "$json")
read -r model_static _ < <(run_wrk "$base/static/model.json")
row "GET /-/ (JSON, $(stat -c %s "$work/htdocs/static/model.json") bytes)" \
    "$model_rate" "$model_p99" "$(ratio "$model_rate" "$model_static")"
row "  static file of the same bytes" "$model_static" ""
read -r entity_rate entity_p99 _ < <(run_wrk "$entity_url" -H "$json")
read -r entity_static _ < <(run_wrk "$base/static/entity.json")
row "GET one compute (JSON)" "$entity_rate" "$entity_p99" "$(ratio "$entity_rate" "$entity_static")"
row "  static file of the same bytes" "$entity_static" ""
read -r text_rate text_p99 _ < <(run_wrk "$entity_url" -H 'Accept: text/plain')
read -r text_static _ < <(run_wrk "$base/static/entity.txt")
row "GET one compute (text/plain)" "$text_rate" "$text_p99" "$(ratio "$text_rate" "$text_static")"
row "  static file of the same bytes" "$text_static" ""

# A create per request, for wrk.
cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/occi+json"
wrk.headers["Accept"] = "text/plain"
wrk.body = '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"created by wrk"}'
LUA

# ---- Against the real ceiling: a stock httpd --------------------------------
# The rows above compare with this httpd's own static files, whose single
# child (the test driver keeps its state in the process) handicaps them.
# The ceiling here is a stock httpd: Debian's apache2 as installed (its
# default modules, mpm_event.conf's MPM settings, apache2.conf's keepalive),
# without the access log, serving the same bytes. Against it, the module in
# the shapes an operator runs: the same httpd and modules plus mod_dbd and
# mod_occi, on SQLite or PostgreSQL, with OCCILibvirtURI none or with a
# libvirt daemon that its children share over its socket. Each pair is
# measured alternating, twice each, and averaged.
stock_modules="mpm_event authz_core access_compat alias auth_basic authn_core authn_file
               authz_host authz_user autoindex deflate dir env filter mime negotiation
               reqtimeout setenvif status"
stock_conf() {
    local root=$1 port=$2 module
    cat <<CONF
ServerRoot "$root"
DefaultRuntimeDir "$root"
PidFile "$root/httpd.pid"
ErrorLog "$root/error_log"
LogLevel warn
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
${child_user:+User $child_user}
${child_user:+Group $child_user}
CONF
    for module in $stock_modules; do
        echo "LoadModule ${module}_module $modules_dir/mod_$module.so"
    done
    cat <<CONF
TypesConfig /etc/mime.types
Include "$src_dir/bench/debian-mpm.conf"
DocumentRoot "$work/htdocs"
<Directory "$work/htdocs">
    Require all granted
</Directory>
CONF
}
free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport'
}
# start_server NAME: starts the httpd of $work/NAME/httpd.conf and waits
# until URL answers.
start_server() {
    local name=$1 url=$2
    "$httpd" -d "$work/$name" -f "$work/$name/httpd.conf" -k start
    for _ in $(seq 100); do curl -sf -o /dev/null "$url" && return 0; sleep 0.1; done
    echo "benchmark: the $name httpd did not start:" >&2
    tail -n 20 "$work/$name/error_log" >&2
    exit 1
}
stop_server() {
    local name=$1 pid
    pid=$(cat "$work/$name/httpd.pid" 2>/dev/null || true)
    "$httpd" -d "$work/$name" -f "$work/$name/httpd.conf" -k stop >/dev/null 2>&1 || true
    for _ in $(seq 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
# operator NAME DRIVER PARAMS LIBVIRT_URI: the module as an operator runs
# it, started; its API's URL in $operator_api.
operator() {
    local name=$1 driver=$2 params=$3 uri=$4 port init
    port=$(free_port)
    mkdir -p "$work/$name"
    init='DBDInitSQL "PRAGMA journal_mode=WAL"'
    [ "$driver" = pgsql ] && init='DBDInitSQL "SET plan_cache_mode = force_custom_plan"'
    {
        stock_conf "$work/$name" "$port"
        cat <<CONF
LoadModule dbd_module $modules_dir/mod_dbd.so
LoadModule occi_module $build_dir/.libs/mod_occi.so
DBDriver $driver
DBDParams "$params"
$init
Include "$src_dir/conf/templates.conf"
OCCILibvirtURI "$uri"
<Location /occi/>
    SetHandler occi
</Location>
CONF
    } > "$work/$name/httpd.conf"
    operator_api="http://127.0.0.1:$port/occi"
    start_server "$name" "$operator_api/-/"
}
# A compute made through API; its URL.
make_compute() {
    curl -sf -D - -o /dev/null -X POST -H 'Content-Type: application/occi+json' -H "$json" \
        --data-binary '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"bench 0"}' \
        "$1/compute/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p'
}

stock_port=$(free_port)
mkdir -p "$work/stock"
stock_conf "$work/stock" "$stock_port" > "$work/stock/httpd.conf"
stock_base="http://127.0.0.1:$stock_port"
start_server stock "$stock_base/static/model.json"

# against_stock LABEL NAME URL [wrk options]: saves the answer at URL as
# the static file NAME, then measures the module's rate and p99 at URL and
# the stock httpd's rate for the file, alternating, as a row.
against_stock() {
    local label=$1 file=$2 url=$3 rate p99 stock module_sum=0 stock_sum=0 last_p99 round accept
    shift 3
    accept=$json
    [ "${2:-}" = 'Accept: text/plain' ] && accept='Accept: text/plain'
    curl -sf -H "$accept" -o "$work/htdocs/static/$file" "$url"
    for round in 1 2; do
        read -r stock _ < <(run_wrk "$stock_base/static/$file")
        read -r rate p99 _ < <(run_wrk "$url" "$@")
        stock_sum=$((stock_sum + stock)) module_sum=$((module_sum + rate)) last_p99=$p99
    done
    row "$label ($(stat -c %s "$work/htdocs/static/$file") bytes)" "$((module_sum / 2))" \
        "$last_p99" "$(ratio "$module_sum" "$stock_sum")"
    row "  stock httpd, the same bytes" "$((stock_sum / 2))" ""
    last_rate=$((module_sum / 2))
}
# create_row LABEL API: a create per request, for wrk's time.
create_row() {
    local rate p99
    read -r rate p99 _ < <(run_wrk "$2/compute/" -s "$work/create.lua")
    row "$1" "$rate" "$p99"
}

# ---- SQLite, no hypervisor ----------------------------------------------
rows+=("" "Operator's shape (stock MPM, several children, no access log), SQLite,")
rows+=("OCCILibvirtURI none, against a stock httpd serving the same bytes:")
operator operator sqlite3 "$work/data/occi.sqlite" none
sqlite_api=$operator_api
operator_entity="$sqlite_api/compute/${entity_url##*/}"
against_stock "GET /-/ (JSON)" operator-model.json "$sqlite_api/-/" -H "$json"
against_stock "GET one compute (JSON)" operator-entity.json "$operator_entity" -H "$json"
against_stock "GET one compute (text/plain)" operator-entity.txt "$operator_entity" \
    -H 'Accept: text/plain'

# A page of 100 as the collection grows (grown through the test driver's
# httpd, which shares the store).
first_page=""
for size in $sizes; do
    grow_to "$size"
    against_stock "GET a page of 100 (JSON), N = $size" "page-$size.json" \
        "$sqlite_api/compute/?page=1&number=100" -H "$json"
    first_page=${first_page:-$last_rate}
    row "  the page at N = $size to the page at the first N" "" "" \
        "$(ratio "$last_rate" "$first_page")"
done
create_row "POST create a compute (JSON), the store alone" "$sqlite_api"

# ---- A libvirt daemon shared by the children ----------------------------
# A private libvirtd (t/hypervisor/hypervisor.sh) serving its test driver
# over its socket; a `virsh event` keeper holds the driver's state open.
hv_dir=""
if [ "$(id -u)" = 0 ] && command -v libvirtd >/dev/null && command -v virsh >/dev/null; then
    hv_dir="$work/hv"
    if HYPERVISOR_SOCK_GROUP=$child_user HYPERVISOR_CACHE_DIR=/var/tmp/mod_occi-hv-cache \
       bash "$src_dir/t/hypervisor/hypervisor.sh" start "$hv_dir" >"$work/hypervisor.log" 2>&1; then
        shared_uri="test+unix:///default?socket=$hv_dir/run/libvirt-sock"
        virsh -c "$shared_uri" event --all --loop >/dev/null 2>&1 </dev/null &
        keeper_pid=$!
        for _ in $(seq 100); do
            virt-admin -c "libvirtd:///system?socket=$hv_dir/run/libvirt-admin-sock" \
                srv-clients-info libvirtd 2>/dev/null | grep -Eq 'nclients *: *[1-9]' && break
            sleep 0.1
        done
        rows+=("" "The same with a libvirt daemon the children share (its test driver,")
        rows+=("over the daemon's socket):")
        operator operator-lv sqlite3 "$work/data/occi.sqlite" "$shared_uri"
        lv_entity=$(make_compute "$operator_api")
        against_stock "GET one compute (JSON)" lv-entity.json "$lv_entity" -H "$json"
        against_stock "GET one compute (text/plain)" lv-entity.txt "$lv_entity" \
            -H 'Accept: text/plain'
        create_row "POST create a compute (JSON)" "$operator_api"
        stop_server operator-lv
    else
        rows+=("" "(A shared libvirt daemon: not measured; it did not start, see $work/hypervisor.log)")
        hv_dir=""
    fi
else
    rows+=("" "(A shared libvirt daemon: not measured; it needs root and libvirtd)")
fi

# ---- PostgreSQL -----------------------------------------------------------
# The store of several API nodes, when it is installed and this runs as
# root: a private cluster on loopback. Each child keeps entities' rows
# between changes (OCCIReadCacheSize): the rows "read cache Off" show the
# round trips it saves.
pg_ctl=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pg_ctl" ] && [ "$(id -u)" = 0 ] &&
   pg_params=$(start_private_postgres "$(dirname "$pg_ctl")" "$work/pg"); then
    rows+=("" "On PostgreSQL (a private cluster on loopback), OCCILibvirtURI none:")
    operator operator-pg pgsql "$pg_params" none
    pg_api=$operator_api
    pg_entity=$(make_compute "$pg_api")
    against_stock "GET one compute (JSON)" pg-entity.json "$pg_entity" -H "$json"
    against_stock "GET one compute (text/plain)" pg-entity.txt "$pg_entity" -H 'Accept: text/plain'
    create_row "POST create a compute (JSON), the store alone" "$pg_api"
    stop_server operator-pg
    echo "OCCIReadCacheSize Off" >> "$work/operator-pg/httpd.conf"
    start_server operator-pg "$pg_api/-/"
    against_stock "GET one compute (JSON), read cache Off" pg-entity.json "$pg_entity" -H "$json"
    stop_server operator-pg
    if [ -n "$hv_dir" ]; then
        rows+=("" "On PostgreSQL with the shared libvirt daemon:")
        operator operator-pg-lv pgsql "$pg_params" "$shared_uri"
        pg_lv_entity=$(make_compute "$operator_api")
        against_stock "GET one compute (JSON)" pg-lv-entity.json "$pg_lv_entity" -H "$json"
        create_row "POST create a compute (JSON)" "$operator_api"
        stop_server operator-pg-lv
    fi
else
    rows+=("" "(PostgreSQL: not measured; it needs PostgreSQL installed and root)")
fi

# ---- Memory over many mixed requests ----------------------------------------
# On the SQLite operator's shape: GETs of one compute in JSON and in text,
# of /-/ and of a page of 10; an update of a compute's title; a create,
# and a delete of what it made. Read after a warm-up, and again after
# $memory_requests requests.
entity_path="/occi/compute/${entity_url##*/}"
# Updates go to 100 computes in turn: two connections that meet on one get
# a 200 and a 412 ("the entity changed while it was updated"), which is
# counted, not an error.
{
    echo 'local updated = {'
    curl -sf -H 'Accept: text/uri-list' "$sqlite_api/compute/?page=1&number=100" | tr -d '\r' |
        sed -e 's|^http://[^/]*||' -e 's|.*|"&",|'
    echo '}'
    cat <<LUA
local entity = "$entity_path"
local step, made, next_update = 0, {}, math.random(#updated)
local json = { ["Accept"] = "application/occi+json" }
local text = { ["Accept"] = "text/plain" }
local body = { ["Accept"] = "text/plain", ["Content-Type"] = "application/occi+json" }
conflicts, unexpected = 0, 0
request = function()
    step = step % 10 + 1
    if step == 9 then
        return wrk.format("POST", "/occi/compute/", body,
            '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"mixed"}')
    elseif step == 10 and #made > 0 then
        return wrk.format("DELETE", table.remove(made), text)
    elseif step == 8 then
        next_update = next_update % #updated + 1
        return wrk.format("POST", updated[next_update], body,
            '{"attributes":{"occi.core.summary":"mixed ' .. math.random(1000) .. '"}}')
    elseif step == 7 then
        return wrk.format("GET", "/occi/compute/?page=1&number=10", json)
    elseif step == 6 then
        return wrk.format("GET", "/occi/-/", json)
    elseif step % 2 == 0 then
        return wrk.format("GET", entity, text)
    end
    return wrk.format("GET", entity, json)
end
response = function(status, headers, body)
    local location = headers["Location"] or headers["location"]
    if status == 201 and location then
        table.insert(made, (location:gsub("^https?://[^/]+", "")))
    elseif status == 409 or status == 412 then
        conflicts = conflicts + 1
    elseif status >= 300 then
        unexpected = unexpected + 1
        io.write("unexpected " .. status .. " " .. body:sub(1, 200) .. "\\n")
    end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function()
    local c, u = 0, 0
    for _, thread in ipairs(threads) do
        c = c + thread:get("conflicts")
        u = u + thread:get("unexpected")
    end
    io.write(string.format("mixed: %d conflicts, %d unexpected\\n", c, u))
end
LUA
} > "$work/mixed.lua"
operator_pid=$(cat "$work/operator/httpd.pid")
operator_rss() {
    ps -o rss= --ppid "$operator_pid" | awk '{ sum += $1; n++ } END { printf "%d %d\n", sum, n }'
}
# mixed_requests COUNT: wrk runs by time: repeated until the count is reached.
mixed_requests() {
    local target=$1 done=0 out chunk rate=2000
    while [ "$done" -lt "$target" ]; do
        chunk=$(( (target - done) / rate + 1 ))
        [ "$chunk" -gt 60 ] && chunk=60
        out=$(wrk -t"$threads" -c"$connections" -d"${chunk}s" -s "$work/mixed.lua" \
              "http://${operator_entity#http://}")
        if ! grep -q '^mixed: [0-9]* conflicts, 0 unexpected' <<<"$out"; then
            echo "benchmark: mixed requests answered errors:" >&2
            echo "$out" >&2
            exit 1
        fi
        done=$((done + $(awk '/requests in/ { print $1 }' <<<"$out")))
        mixed_conflicts=$((mixed_conflicts + $(sed -n 's/^mixed: \([0-9]*\) conflicts.*/\1/p' <<<"$out")))
        rate=$(awk '/^Requests\/sec:/ { printf "%d", $2 + 1 }' <<<"$out")
    done
    memory_done=$((memory_done + done))
}
memory_done=0 mixed_conflicts=0
mixed_requests $((memory_requests / 10))
read -r rss_before children_before < <(operator_rss)
memory_done=0
mixed_requests "$memory_requests"
read -r rss_after children_after < <(operator_rss)
stop_server operator
stop_server stock

# ---- The test driver again ------------------------------------------------
rows+=("" "The test driver's httpd again (one child, its own static files):")

# ---- Writes -------------------------------------------------------------
read -r create_rate create_p99 _ < <(run_wrk "$api/compute/" -s "$work/create.lua")
row "POST create a compute (JSON)" "$create_rate" "$create_p99"
# Restart, on one of 100 started computes in turn, so that connections
# seldom meet on the same one.
curl -sf -H 'Accept: text/uri-list' "$api/compute/?page=1&number=100" |
    tr -d '\r' | sed -e "s|^$base||" > "$work/started"
while read -r path; do
    status=$(curl -s -o "$work/start.out" -w '%{http_code}' -X POST \
             -H 'Content-Type: application/occi+json' \
             --data-binary '{"action":"http://schemas.ogf.org/occi/infrastructure/compute/action#start"}' \
             "$base$path?action=start")
    if [ "$status" != 200 ]; then
        echo "benchmark: starting $path: $status $(head -c 300 "$work/start.out")" >&2
        exit 1
    fi
done < "$work/started"
{
    echo 'local paths = {'
    sed -e 's|.*|"&?action=restart",|' "$work/started"
    echo '}'
    cat <<'LUA'
local next = math.random(#paths)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/occi+json"
wrk.headers["Accept"] = "text/plain"
wrk.body = '{"action":"http://schemas.ogf.org/occi/infrastructure/compute/action#restart"}'
request = function()
    next = next % #paths + 1
    return wrk.format(nil, paths[next])
end
LUA
} > "$work/action.lua"
read -r action_rate action_p99 action_conflicts < <(BENCH_ALLOW_CONFLICTS=1 \
    run_wrk "$entity_url" -s "$work/action.lua")
row "POST an action (restart; $action_conflicts met a concurrent one)" "$action_rate" "$action_p99"

# ---- Instructions per GET, from callgrind ---------------------------------
# httpd -X under callgrind, counting inside ap_process_async_request (where
# the event MPM handles a request): one run makes a compute and reads it
# twice, one does the same and then reads it $callgrind_requests times more;
# the difference is the cost of those GETs.
# (callgrind_control cannot reach a process that waits in epoll here, and
# waiting for the port only connects, which processes no request.)
callgrind_run() {
    local reads=$1 out="$work/callgrind/out.$1" pid measured urls=()
    # Made beforehand for httpd's user, who writes it after dropping root.
    : > "$out"
    [ -z "$child_user" ] || chown "$child_user" "$out"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        --collect-atstart=no --toggle-collect=ap_process_async_request \
        "$httpd" -X -d "$work" -f "$conf" >"$work/valgrind.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new("127.0.0.1:'"$port"'")' && break
        sleep 0.1
    done
    # The new entity's URL is the answer's Location.
    measured=$(curl -sf -o /dev/null -D - -X POST -H 'Content-Type: application/occi+json' \
               -H "$json" \
               --data-binary '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"bench 0"}' \
               "$api/compute/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    if [ -z "$measured" ]; then
        echo "benchmark: the callgrind server made no compute" >&2
        kill -TERM "$pid"
        wait "$pid" || true
        echo 0
        return
    fi
    for _ in $(seq $((reads + 2))); do urls+=(-o /dev/null "$measured"); done
    curl -sf -H "$json" "${urls[@]}"
    kill -TERM "$pid"
    wait "$pid" || true
    awk '/^summary:/ { sum += $2 } END { print sum + 0 }' "$out"*
}

callgrind="not run (no valgrind)"
if command -v valgrind >/dev/null; then
    "$httpd" -d "$work" -f "$conf" -k stop
    for _ in $(seq 100); do [ -f "$work/run/httpd.pid" ] || break; sleep 0.1; done
    base_cost=$(callgrind_run 0)
    full_cost=$(callgrind_run "$callgrind_requests")
    callgrind=$(( (full_cost - base_cost) / callgrind_requests ))
fi

echo
printf '%-44s %12s %10s %8s\n' "row" "requests/s" "p99" "ratio"
printf '%s\n' "${rows[@]}"
echo
echo "ratio: the module's requests/s to those of the static file of the same bytes"
echo "(the stock httpd's, or for the test driver's rows its own httpd's)"
echo "children's resident memory, the SQLite operator's shape over mixed requests:"
echo "  ${rss_before} kB in ${children_before} children after a warm-up, ${rss_after} kB in ${children_after} after ${memory_done} more ($((rss_after - rss_before)) kB;"
echo "  ${mixed_conflicts} updates met a concurrent one and were told so)"
echo "instructions per GET of one compute (JSON), callgrind over $callgrind_requests requests: $callgrind"
