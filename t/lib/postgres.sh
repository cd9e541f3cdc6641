# SPDX-License-Identifier: Apache-2.0
# Sourced by t/run-apache-test.sh and bench/benchmark.sh (as root).

# start_private_postgres PG_BIN DIR: a PostgreSQL cluster in DIR, owned by
# the postgres user, on a free loopback port, with the role and database
# occi (password occi); prints its DBDParams. Its configuration file holds
# the port, so that it starts again as it was (t/outage.t).
start_private_postgres() {
    local pg_bin=$1 pg_dir=$2 port
    port=$(perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
    mkdir -p "$pg_dir" && chown postgres "$pg_dir"
    runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust \
        -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 || return 1
    printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $port" \
        "unix_socket_directories = '$pg_dir'" "max_connections = 200" >> "$pg_dir/data/postgresql.conf"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start >/dev/null 2>&1 \
        || return 1
    "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q \
        -c "CREATE ROLE occi LOGIN PASSWORD 'occi'" -c "CREATE DATABASE occi OWNER occi" \
        >/dev/null 2>&1 || return 1
    echo "host=127.0.0.1 port=$port dbname=occi user=occi password=occi"
}

# stop_private_postgres PG_BIN DIR: stops the cluster in DIR, if it runs.
stop_private_postgres() {
    local pg_bin=$1 pg_dir=$2
    [ -f "$pg_dir/data/postmaster.pid" ] || return 0
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
