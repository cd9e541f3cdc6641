#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs httpd in the foreground with a private configuration generated into
# the build tree (never /etc/apache2), serving the OCCI API.
#   OCCI_PORT         port on 127.0.0.1 (default 8080)
#   OCCI_PREFIX       mount path (default /)
#   OCCI_DBD_DRIVER   mod_dbd driver (default sqlite3)
#   OCCI_DBD_PARAMS   mod_dbd parameters (default: a SQLite file in the build tree)
#   OCCI_LIBVIRT_URI  the hypervisor (default: the libvirt test driver with
#                     the host of conf/libvirt-test-host.xml)
# Usage: devserver.sh HTTPD HTTPD_MODULES_DIR BUILD_DIR SRC_DIR
set -e
httpd=$1 modules_dir=$2 build_dir=$3 src_dir=$4
port=${OCCI_PORT:-8080}
prefix=${OCCI_PREFIX:-/}
run_dir="$build_dir/run"

case "$port" in
    ''|*[!0-9]*) echo "devserver: OCCI_PORT must be a port number, not '$port'" >&2; exit 2 ;;
esac
case "$prefix" in
    /*) ;;
    *) echo "devserver: OCCI_PREFIX must start with '/', not '$prefix'" >&2; exit 2 ;;
esac
case "$prefix" in
    */) ;;
    *) prefix="$prefix/" ;;
esac

# As root, httpd's children run as www-data and must reach the runtime
# directory, the SQLite database and the test host's description. A clone
# in a directory www-data cannot search (root's home is mode 700, and so is
# any mktemp -d) would answer 503 to every request: the server's directory
# then goes under /var/tmp, one per build tree, kept between runs.
child_user=
if [ "$(id -u)" = 0 ]; then
    child_user=www-data
    if ! id -u "$child_user" >/dev/null 2>&1; then
        echo "devserver: httpd's children run as $child_user, and there is no such user" \
             "(apt-get install apache2 makes it)" >&2
        exit 2
    fi
    mkdir -p "$run_dir"
    if ! runuser -u "$child_user" -- test -x "$run_dir" 2>/dev/null; then
        tree_key=$(printf '%s' "$build_dir" | cksum | cut -d' ' -f1)
        run_dir=/var/tmp/mod_occi-run-$tree_key
        echo "mod_occi: $child_user cannot reach $build_dir, so the server's files" \
             "(its database, runtime files and configuration) are in $run_dir"
        mkdir -p "$run_dir"
        # /var/tmp is everyone's: use the directory only if root made it.
        if [ -L "$run_dir" ] || [ "$(stat -c %u "$run_dir")" != 0 ]; then
            echo "devserver: $run_dir does not belong to root; remove it and run again" >&2
            exit 2
        fi
        chmod 755 "$run_dir"
    fi
fi

# One configuration and pid file per port, so two servers can run side by side.
conf="$run_dir/conf/httpd-$port.conf"
mkdir -p "$run_dir/conf" "$run_dir/run" "$run_dir/data"
dbd_driver=${OCCI_DBD_DRIVER:-sqlite3}
dbd_params=${OCCI_DBD_PARAMS:-$run_dir/data/occi.sqlite}
case "$dbd_driver" in
    # No busy timeout: mod_occi waits for the write lock itself.
    sqlite3) dbd_init_lines='DBDInitSQL "PRAGMA journal_mode=WAL"' ;;
    pgsql) dbd_init_lines='DBDInitSQL "SET plan_cache_mode = force_custom_plan"' ;;
    *) dbd_init_lines="" ;;
esac
if [ -n "${OCCI_LIBVIRT_URI:-}" ]; then
    libvirt_uri=$OCCI_LIBVIRT_URI
else
    # A copy beside the database: each child reads it at its first request.
    cp "$src_dir/conf/libvirt-test-host.xml" "$run_dir/libvirt-test-host.xml"
    chmod 644 "$run_dir/libvirt-test-host.xml"
    libvirt_uri=test://$run_dir/libvirt-test-host.xml
fi
case "$libvirt_uri" in
    # The test driver keeps its state per connection, so per process.
    test:*) process_lines='ServerLimit 1
StartServers 1
ThreadsPerChild 25
MaxRequestWorkers 25' ;;
    *) process_lines="" ;;
esac
user_lines=""
if [ -n "$child_user" ]; then
    # httpd's children drop root; they must own the files they write.
    user_lines="User $child_user
Group $child_user"
    if [ "$dbd_driver" = sqlite3 ]; then
        chown "$child_user:$child_user" "$run_dir/data"
        if [ -z "${OCCI_DBD_PARAMS:-}" ] && [ -e "$dbd_params" ]; then
            chown "$child_user:$child_user" "$dbd_params" "$dbd_params"-wal "$dbd_params"-shm \
                2>/dev/null || true
        fi
    fi
fi

escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|@RUN_DIR@|$(escape "$run_dir")|g" \
    -e "s|@PORT@|$port|g" \
    -e "s|@PREFIX@|$(escape "$prefix")|g" \
    -e "s|@HTTPD_MODULES_DIR@|$(escape "$modules_dir")|g" \
    -e "s|@BUILD_DIR@|$(escape "$build_dir")|g" \
    -e "s|@SRC_DIR@|$(escape "$src_dir")|g" \
    -e "s|@DBD_DRIVER@|$(escape "$dbd_driver")|g" \
    -e "s|@DBD_PARAMS@|$(escape "$dbd_params")|g" \
    -e "s|@LIBVIRT_URI@|$(escape "$libvirt_uri")|g" \
    "$src_dir/conf/httpd-dev.conf.in" > "$conf.tmp"
awk -v users="$user_lines" -v init="$dbd_init_lines" -v processes="$process_lines" \
    '{ if ($0 == "@USER_LINES@") print users;
       else if ($0 == "@DBD_INIT_LINES@") print init;
       else if ($0 == "@PROCESS_LINES@") print processes;
       else print }' \
    "$conf.tmp" > "$conf"
rm -f "$conf.tmp"

echo "mod_occi: serving http://127.0.0.1:$port$prefix (configuration: $conf); Ctrl-C stops"
# exec: Ctrl-C and SIGTERM reach httpd itself, which stops cleanly.
exec "$httpd" -d "$run_dir" -f "$conf" -D FOREGROUND
