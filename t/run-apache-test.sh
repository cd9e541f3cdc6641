#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the Apache::Test suite (t/TEST.PL) against a private httpd that loads
# mod_occi from the build tree, once with the entity store on SQLite and
# once on PostgreSQL (a cluster started here on loopback, and stopped).
# The httpd, apxs and module directory come from configure, so no system
# path is written into the repository.
# Usage: run-apache-test.sh APXS HTTPD HTTPD_MODULES_DIR BUILD_DIR SRC_DIR [TEST.PL options]
# OCCI_TEST_DATABASES="sqlite3 pgsql https" chooses the runs (default all
# three; https is part of the suite over TLS, on SQLite; none runs none).
# OCCI_TEST_HYPERVISORS="test qemu hosts" chooses the hypervisor runs
# (default all three): t/libvirt/ on the test driver in httpd's process,
# t/hypervisor/ on a private libvirtd with QEMU, and t/hosts/ on three
# private libvirtds serving the test driver, one per OCCIHypervisorHost.
# With OCCI_TEST_DATABASES set, the hypervisor runs happen only when
# OCCI_TEST_HYPERVISORS is set too.
# OCCI_TEST_BROWSER=0 leaves out the web console's test in chromium
# (t/libvirt/console_browser.t), which otherwise fails without node, npm or
# chromium.
# OCCI_TEST_ASAN_RUNTIME=/path/libasan.so runs httpd under the sanitizers
# (make check sets it after ./configure --enable-sanitizers).
# OCCI_TEST_PACKAGE=0 leaves out the test of the Debian package, which
# installs it and serves it through the system httpd on port 80.
set -e
apxs=$1 httpd=$2 modules_dir=$3 build_dir=$4 src_dir=$5
shift 5

if [ "$build_dir" != "$src_dir" ]; then
    echo "run-apache-test.sh: the Apache::Test suite needs an in-tree build" >&2
    exit 1
fi
cd "$src_dir"
cat > t/conf/httpd-modules.conf <<CONF
LoadModule mpm_event_module $modules_dir/mod_mpm_event.so
LoadModule authz_core_module $modules_dir/mod_authz_core.so
LoadModule mime_module $modules_dir/mod_mime.so
LoadModule dbd_module $modules_dir/mod_dbd.so
LoadModule auth_basic_module $modules_dir/mod_auth_basic.so
LoadModule authn_core_module $modules_dir/mod_authn_core.so
LoadModule authn_file_module $modules_dir/mod_authn_file.so
LoadModule authz_user_module $modules_dir/mod_authz_user.so
LoadModule socache_shmcb_module $modules_dir/mod_socache_shmcb.so
LoadModule headers_module $modules_dir/mod_headers.so
LoadModule ssl_module $modules_dir/mod_ssl.so
LoadModule alias_module $modules_dir/mod_alias.so
LoadModule proxy_module $modules_dir/mod_proxy.so
LoadModule proxy_http_module $modules_dir/mod_proxy_http.so
LoadModule proxy_wstunnel_module $modules_dir/mod_proxy_wstunnel.so
TypesConfig /etc/mime.types
CONF

mkdir -p t/logs
work=$(mktemp -d /tmp/occi-test.XXXXXX)
chmod 755 "$work"

# Under --enable-sanitizers configure names the ASan runtime: httpd is not
# built with ASan, so a wrapper preloads the runtime into httpd (and into
# nothing else the tests start). Children die at the first report
# (detect_leaks=0: httpd frees its pools only by exiting); reports land in
# t/logs/sanitizer/, and any report fails the run.
sanitizer_dir=
suite_runs=0
if [ -n "${OCCI_TEST_ASAN_RUNTIME:-}" ]; then
    sanitizer_dir="$src_dir/t/logs/sanitizer"
    rm -rf "$sanitizer_dir"
    mkdir -p "$sanitizer_dir"
    chmod 1777 "$sanitizer_dir"          # the children write as nobody
    # ASan wraps the XDR functions, which libvirt takes from libtirpc; when
    # libtirpc arrives only with the module, after ASan started, the
    # wrappers have nothing to call and the first libvirt call jumps to 0.
    # Preloaded too, libtirpc is there when ASan looks.
    preload="$OCCI_TEST_ASAN_RUNTIME"
    tirpc=$(ldd "$build_dir/.libs/mod_occi.so" 2>/dev/null | awk '$1 ~ /^libtirpc/ { print $3 }')
    preload="$preload${tirpc:+:$tirpc}"
    cat > "$work/httpd" <<WRAPPER
#!/bin/sh
LD_PRELOAD="$preload\${LD_PRELOAD:+:\$LD_PRELOAD}" \\
ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:allow_user_segv_handler=0:log_path=$sanitizer_dir/asan" \\
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$sanitizer_dir/ubsan" \\
exec "$httpd" "\$@"
WRAPPER
    chmod 755 "$work/httpd"
    httpd="$work/httpd"
    echo "==== sanitizers: httpd runs with $preload preloaded"
fi

# Names the reports of the run just ended after it ("run2-pgsql"),
# copies sanitizer lines from its error_log beside them, and fails when
# there are any.
sanitizer_scan() {
    local label=$1 report found=0
    [ -n "$sanitizer_dir" ] || return 0
    if grep -qE 'ERROR: AddressSanitizer|runtime error:' t/logs/error_log 2>/dev/null; then
        grep -E -A 30 'ERROR: AddressSanitizer|runtime error:' t/logs/error_log \
            > "$sanitizer_dir/$label-error_log"
    fi
    for report in "$sanitizer_dir"/asan.* "$sanitizer_dir"/ubsan.* "$sanitizer_dir/$label-error_log"; do
        [ -f "$report" ] || continue
        found=1
        case "$report" in
        */asan.*|*/ubsan.*) mv "$report" "$sanitizer_dir/$label-${report##*/}"
                            report="$sanitizer_dir/$label-${report##*/}" ;;
        esac
        echo "==== sanitizer report $report:"
        head -n 40 "$report"
    done
    return "$found"
}

pg_ctl=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)
pg_bin=$(dirname "${pg_ctl:-/nonexistent/pg_ctl}")
pg_dir="$work/pgsql"
. t/lib/postgres.sh

# The users of the tenancy tests, two tenants and an administrator, in a
# file httpd's children (nobody) can read wherever the tree is.
htpasswd -c -b -B "$work/occi-users" alice alice-secret 2>/dev/null
htpasswd -b -B "$work/occi-users" bob bob-secret 2>/dev/null
htpasswd -b -B "$work/occi-users" admin admin-secret 2>/dev/null
chmod 644 "$work/occi-users"
echo "Define OCCI_TEST_USERS $work/occi-users" > t/conf/occi-users.conf
# noVNC as Debian installs it, for the console's screen (t/hypervisor/screen.t).
if [ -f /usr/share/novnc/core/rfb.js ]; then
    echo "Define OCCI_TEST_NOVNC /usr/share/novnc" >> t/conf/occi-users.conf
fi

# OpenID Connect access tokens (t/oidc.t): mod_auth_openidc checks JWTs
# signed with this run's key; the test signs its tokens with the same.
OCCI_TEST_OIDC_KEY=$(openssl rand -hex 32)
export OCCI_TEST_OIDC_KEY
if [ ! -f "$modules_dir/mod_auth_openidc.so" ]; then
    echo "==== $modules_dir/mod_auth_openidc.so is missing (autogen.sh installs" \
         "libapache2-mod-auth-openidc): t/oidc.t will fail"
else
    echo "LoadModule auth_openidc_module $modules_dir/mod_auth_openidc.so" >> t/conf/occi-users.conf
fi
echo "Define OCCI_TEST_OIDC_KEY $OCCI_TEST_OIDC_KEY" >> t/conf/occi-users.conf
# The console's sign-on (t/libvirt/console_sso.t): the port its provider
# listens on, and the client's secret.
OCCI_TEST_IDP_PORT=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
OCCI_TEST_IDP_SECRET=$(openssl rand -hex 24)
export OCCI_TEST_IDP_PORT OCCI_TEST_IDP_SECRET
echo "Define OCCI_TEST_IDP_PORT $OCCI_TEST_IDP_PORT" >> t/conf/occi-users.conf
echo "Define OCCI_TEST_IDP_SECRET $OCCI_TEST_IDP_SECRET" >> t/conf/occi-users.conf

# Kerberos (t/kerberos.t): a private MIT KDC on loopback, realm OCCI.TEST
# (t/kerberos/kdc.sh), and mod_auth_gssapi with the realm's HTTP/localhost
# keytab. libkrb5 in httpd finds the realm through KRB5_CONFIG in its
# process environment (SetEnv does not reach it), and keeps no replay cache
# on disk with KRB5RCACHETYPE=none.
krb5_dir="$work/krb5"
if [ ! -f "$modules_dir/mod_auth_gssapi.so" ]; then
    echo "==== $modules_dir/mod_auth_gssapi.so is missing (autogen.sh installs" \
         "libapache2-mod-auth-gssapi): t/kerberos.t will fail"
elif t/kerberos/kdc.sh start "$krb5_dir" > "$work/kdc-start.log" 2>&1; then
    echo "LoadModule auth_gssapi_module $modules_dir/mod_auth_gssapi.so" >> t/conf/occi-users.conf
    echo "Define OCCI_TEST_KRB5_KEYTAB $krb5_dir/http.keytab" >> t/conf/occi-users.conf
    KRB5_CONFIG="$krb5_dir/krb5.conf" KRB5RCACHETYPE=none OCCI_TEST_KRB5_DIR="$krb5_dir"
    export KRB5_CONFIG KRB5RCACHETYPE OCCI_TEST_KRB5_DIR
else
    echo "==== the private KDC did not start: t/kerberos.t will fail"
    tail -n 20 "$work/kdc-start.log"
fi

# LDAP (t/ldap.t): a private OpenLDAP slapd on loopback, dc=occi,dc=test
# (t/ldap/slapd.sh), and mod_authnz_ldap checking Basic passwords against
# it below /ldap/. httpd reaches it over TCP only (the port is defined for
# the configuration) and binds as the directory's reader, whose password
# it reads from the directory's files when it parses its configuration
# (as root). Without the packages t/ldap.t skips; when slapd is there but
# does not start, t/ldap.t fails, as it cannot tell a broken directory from
# a broken recipe. LDAPNOINIT=1 keeps libldap in httpd from reading the
# machine's /etc/ldap/ldap.conf, so that nothing of the host's LDAP set-up
# changes what the test sees.
ldap_dir="$work/ldap"
if [ ! -f "$modules_dir/mod_ldap.so" ] || [ ! -f "$modules_dir/mod_authnz_ldap.so" ]; then
    echo "==== $modules_dir/mod_authnz_ldap.so or mod_ldap.so is missing (Debian's apache2" \
         "ships them): t/ldap.t is skipped"
    OCCI_TEST_LDAP_SKIP="mod_ldap and mod_authnz_ldap are not in $modules_dir"
    export OCCI_TEST_LDAP_SKIP
elif ! PATH=$PATH:/usr/sbin command -v slapd >/dev/null 2>&1; then
    echo "==== slapd is missing (autogen.sh installs slapd and ldap-utils): t/ldap.t is skipped"
    OCCI_TEST_LDAP_SKIP="slapd is not installed (Debian packages slapd and ldap-utils)"
    export OCCI_TEST_LDAP_SKIP
elif t/ldap/slapd.sh start "$ldap_dir" > "$work/slapd-start.log" 2>&1; then
    ldap_port=$(sed -n 's/^export OCCI_LDAP_PORT=//p' "$ldap_dir/env.sh")
    {
        echo "LoadModule ldap_module $modules_dir/mod_ldap.so"
        echo "LoadModule authnz_ldap_module $modules_dir/mod_authnz_ldap.so"
        echo "Define OCCI_TEST_LDAP_PORT $ldap_port"
        echo "Define OCCI_TEST_LDAP_DIR $ldap_dir"
    } >> t/conf/occi-users.conf
    OCCI_TEST_LDAP_DIR="$ldap_dir" LDAPNOINIT=1
    export OCCI_TEST_LDAP_DIR LDAPNOINIT
else
    echo "==== the private slapd did not start: t/ldap.t will fail"
    tail -n 20 "$work/slapd-start.log"
fi

# TLS: a CA, a certificate for the server (localhost) and one for each
# client (alice, bob), made here with openssl; the TLS tests present them.
tls="$work/tls"
mkdir -p "$tls"
make_certificate() {         # name subject [signer]
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$2" \
        -keyout "$tls/$1.key" -out "$tls/$1.csr" >/dev/null 2>&1 &&
    openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 2 -out "$tls/$1.pem" \
        ${3:+-extfile "$tls/$3"} >/dev/null 2>&1
}
openssl req -x509 -new -newkey rsa:2048 -nodes -subj "/CN=mod_occi test CA" -days 2 \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$tls/server.ext"
make_certificate server localhost server.ext
make_certificate alice alice
make_certificate bob bob
chmod 644 "$tls"/*
echo "Define OCCI_TEST_TLS $tls" >> t/conf/occi-users.conf

# The hosts of the hosts run (h1 h2 h3): each a private libvirtd in
# $work/NAME serving libvirt's test driver (test:///default: 16 CPUs, 3 GiB,
# a pool default-pool of 100 GiB) over its own socket. The daemon frees
# test:///default with its last connection, so a virsh listening to events
# (the keeper, $work/NAME/keeper.pid) holds it open for the whole run.
# Sets host_uris to "h1=URI h2=URI h3=URI"; returns 1 when one fails.
host_names="h1 h2 h3"
host_uris=
# Starts a private libvirtd in $work/NAME for each NAME, all at once: a
# start takes up to 8 s here when libvirtd probes QEMU again (it rewrites
# the capabilities in HYPERVISOR_CACHE_DIR then). Each one's output goes
# to $work/NAME.log. Returns 1 when one fails.
start_daemons() {
    local name pid pids= failed=0
    for name in "$@"; do
        HYPERVISOR_CACHE_DIR=${HYPERVISOR_CACHE_DIR:-/var/tmp/mod_occi-hv-cache} \
            t/hypervisor/hypervisor.sh start "$work/$name" >"$work/$name.log" 2>&1 &
        pids="$pids $!"
    done
    for pid in $pids; do
        wait "$pid" || failed=1
    done
    return $failed
}
start_hosts() {
    local name dir uri i clients failed=0
    host_uris=
    start_daemons $host_names || failed=1
    for name in $host_names; do
        cat "$work/$name.log" >>"$work/hosts.log"
    done
    [ "$failed" = 0 ] || return 1
    for name in $host_names; do
        dir="$work/$name"
        uri="test+unix:///default?socket=$dir/run/libvirt-sock"
        virsh -c "$uri" event --all --loop >"$dir/keeper.log" 2>&1 </dev/null &
        echo $! > "$dir/keeper.pid"
        # Nothing may reach the test driver before the keeper holds it: a
        # state made then would go with the connection that made it.
        clients=0
        for ((i = 0; i < 100; i++)); do
            clients=$(virt-admin -c "libvirtd:///system?socket=$dir/run/libvirt-admin-sock" \
                          srv-clients-info libvirtd 2>/dev/null | awk '$1 == "nclients" { print $3 }')
            [ "${clients:-0}" -ge 1 ] && break
            kill -0 "$(cat "$dir/keeper.pid")" 2>/dev/null || break
            sleep 0.1
        done
        if [ "${clients:-0}" -lt 1 ]; then
            echo "$name: the keeper did not connect to $uri" >>"$work/hosts.log"
            cat "$dir/keeper.log" >>"$work/hosts.log" 2>/dev/null
            return 1
        fi
        host_uris="$host_uris${host_uris:+ }$name=$uri"
    done
}
# Stops the keepers and the daemons of start_hosts; safe to run twice.
stop_hosts() {
    local name dir pid pids=
    for name in $host_names; do
        dir="$work/$name"
        [ -d "$dir" ] || continue
        if [ -s "$dir/keeper.pid" ]; then
            pid=$(cat "$dir/keeper.pid")
            if kill "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null || true
            fi
            rm -f "$dir/keeper.pid"
        fi
        # All at once: each daemon takes about 2 s to exit.
        t/hypervisor/hypervisor.sh stop "$dir" >/dev/null 2>&1 &
        pids="$pids $!"
    done
    for pid in $pids; do
        wait "$pid" || true
    done
    return 0
}

stop_postgres() { stop_private_postgres "$pg_bin" "$pg_dir"; }
cleanup() {
    stop_postgres
    if [ -d "$work/krb5" ]; then
        t/kerberos/kdc.sh stop "$work/krb5" >/dev/null 2>&1 || true
    fi
    if [ -d "$work/ldap" ]; then
        t/ldap/slapd.sh stop "$work/ldap" >/dev/null 2>&1 || true
    fi
    if [ -d "$work/hv" ]; then
        t/hypervisor/hypervisor.sh stop "$work/hv" >/dev/null 2>&1 || true
    fi
    stop_hosts
    for name in qa qb; do
        if [ -d "$work/$name" ]; then
            t/hypervisor/hypervisor.sh stop "$work/$name" >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

# A private PostgreSQL cluster in $pg_dir (t/lib/postgres.sh).
start_postgres() { start_private_postgres "$pg_bin" "$pg_dir"; }

# Writes the hypervisor part of the configuration: none (entities kept in
# the store only, several children with several threads each, as in
# production), a libvirt URI (the test driver keeps its state per
# process, so it gets a single child), or hosts: one OCCIHypervisorHost
# line for each NAME=URI of host_uris (test drivers served by their
# daemons, whose state every child shares: several children).
write_backend() {
    local uri=$1 host
    {
        echo "# Generated by t/run-apache-test.sh: the hypervisor of this run."
        if [ "$uri" = hosts ]; then
            for host in $host_uris; do
                echo "OCCIHypervisorHost ${host%%=*} \"${host#*=}\" pool=default-pool"
            done
            echo "OCCILibvirtDomainType test"
            # Bridges the test driver takes on trust (t/hosts/provider_networks.t).
            echo "OCCIProviderNetwork public bridge=br-public"
            echo "OCCIProviderNetwork tagged bridge=br-ovs openvswitch"
            echo "OCCIProviderNetwork office bridge=br-ovs vlan=42 openvswitch"
        else
            echo "OCCILibvirtURI $uri"
        fi
        case "$uri" in
        test:*)
            echo "ServerLimit 1"
            echo "StartServers 1"
            echo "ThreadsPerChild 10"
            echo "MaxRequestWorkers 10"
            ;;
        *)
            echo "StartServers 3"
            echo "ThreadsPerChild 10"
            echo "MaxRequestWorkers 30"
            ;;
        esac
    } > t/conf/occi-backend.conf
}

# Runs the suite once with the store on driver/params; appends to the log.
run_suite() {
    local driver=$1 params=$2
    shift 2
    cat > t/conf/occi-dbd.conf <<CONF
# Generated by t/run-apache-test.sh: the entity store of this run.
DBDriver $driver
DBDParams "$params"
CONF
    if [ "$driver" = pgsql ]; then
        # A generic plan cached for a prepared statement can be far slower
        # for small collections in a large table (see docs/directives.md).
        echo 'DBDInitSQL "SET plan_cache_mode = force_custom_plan"' >> t/conf/occi-dbd.conf
    fi
    if [ "$driver" = sqlite3 ]; then
        # No busy timeout: see docs/directives.md (mod_occi retries itself).
        printf '%s\n' 'DBDInitSQL "PRAGMA journal_mode=WAL"' \
            >> t/conf/occi-dbd.conf
    fi
    echo "==== Apache::Test suite with the store on $driver"
    # A fresh configuration each run: Apache::Test caches it otherwise.
    perl t/TEST.PL -clean >/dev/null 2>&1 || true
    # -port select: another suite running on this machine must not collide.
    perl t/TEST.PL -apxs "$apxs" -httpd "$httpd" -port select \
        -httpd_conf "$src_dir/t/conf/httpd-modules.conf" "$@" 2>&1 \
        | tee "t/logs/${suite_log:-apache-test-$driver}.out"
    local result=${PIPESTATUS[0]}
    suite_runs=$((suite_runs + 1))
    sanitizer_scan "run$suite_runs-$driver" || result=1
    return "$result"
}

suite_total=0
suite_failed=0
status=0
count_results() {
    local log=$1 total failed
    total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$log" | tail -n 1)
    failed=$(sed -n 's/^Failed [0-9]*\/[0-9]* test programs\. \([0-9]*\)\/[0-9]* subtests failed\./\1/p' \
             "$log" | tail -n 1)
    total=${total:-0}
    failed=${failed:-0}
    if [ "$2" != 0 ] && [ "$failed" = 0 ]; then
        failed=1        # the run itself failed (server did not start, a test died)
    fi
    if [ "$total" -lt "$failed" ]; then
        total=$failed
    fi
    suite_total=$((suite_total + total))
    suite_failed=$((suite_failed + failed))
}

protocol_tests=$(ls t/*.t)
https_tests="t/actions.t t/collections.t t/discovery.t t/entities_json.t t/entities_text.t
    t/filter.t t/hostile.t t/limits.t t/links.t t/matrix.t t/mixins.t t/negotiation.t t/oidc.t t/kerberos.t
    t/ldap.t"
write_backend none
for database in ${OCCI_TEST_DATABASES:-sqlite3 pgsql https}; do
    case "$database" in
    none)
        continue        # OCCI_TEST_DATABASES=none: only the hypervisor runs
        ;;
    sqlite3)
        # httpd's children run as nobody when the suite runs as root.
        mkdir -p "$work/sqlite"
        [ "$(id -u)" = 0 ] && chown nobody "$work/sqlite"
        set +e; run_suite sqlite3 "$work/sqlite/occi.sqlite" "$@" $protocol_tests; result=$?; set -e
        ;;
    pgsql)
        if [ -z "$pg_ctl" ] || ! params=$(start_postgres); then
            echo "==== PostgreSQL could not be started (see $pg_dir): that run fails"
            result=1
            : > t/logs/apache-test-pgsql.out
        else
            # t/outage.t stops and starts the database under the running server.
            export OCCI_TEST_DATABASE_STOP="runuser -u postgres -- $pg_bin/pg_ctl -D $pg_dir/data -m fast -w stop >/dev/null"
            export OCCI_TEST_DATABASE_START="runuser -u postgres -- $pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w start >/dev/null"
            set +e; run_suite pgsql "$params" "$@" $protocol_tests; result=$?; set -e
            unset OCCI_TEST_DATABASE_STOP OCCI_TEST_DATABASE_START
            # The store's unit tests, again on PostgreSQL (after the suite:
            # they drop and make the tables anew).
            if [ -x t/unit/test_store ]; then
                OCCI_TEST_PGSQL="$params" t/unit/test_store > t/logs/unit-store-pgsql.tap 2>&1 || status=1
                store_passed=$(grep -c '^ok ' t/logs/unit-store-pgsql.tap || true)
                store_failed=$(grep -c '^not ok ' t/logs/unit-store-pgsql.tap || true)
                echo "==== store unit tests on PostgreSQL: $store_passed passed, $store_failed failed"
                grep -A3 '^not ok ' t/logs/unit-store-pgsql.tap || true
                suite_total=$((suite_total + store_passed + store_failed))
                suite_failed=$((suite_failed + store_failed))
            fi
            stop_postgres
        fi
        ;;
    https)
        # Part of the suite again, over HTTPS with a client certificate
        # (the occi_tls virtual host; the tenant is the certificate's CN).
        mkdir -p "$work/sqlite-https"
        [ "$(id -u)" = 0 ] && chown nobody "$work/sqlite-https"
        set +e
        OCCI_TEST_HTTPS="$tls" suite_log=apache-test-https \
            run_suite sqlite3 "$work/sqlite-https/occi.sqlite" "$@" $https_tests
        result=$?
        set -e
        ;;
    esac
    count_results "t/logs/apache-test-$database.out" "$result"
    [ "$result" = 0 ] || status=1
done

# A private libvirtd with a storage pool, and the test guest (kept in the
# build tree between runs) as an OS template. Prints the URI.
start_hypervisor() {
    # Outside the build tree, which may sit where QEMU's user cannot read
    # (a clone under /root); /var/tmp keeps it between runs.
    local dir="$work/hv" guest="${OCCI_TEST_GUEST_DIR:-/var/tmp/mod_occi-test-guest}" uri
    t/hypervisor/make-guest.sh "$guest" >"$work/make-guest.log" 2>&1 || return 1
    uri=$(t/hypervisor/hypervisor.sh start "$dir" 2>"$work/hypervisor.log" | tail -n 1) || return 1
    mkdir -p "$dir/pool"
    # An empty base image stands for a disk OS template (it need not boot).
    qemu-img create -q -f qcow2 "$dir/pool/base.qcow2" 64M || return 1
    virsh -q -c "$uri" pool-define-as occi dir --target "$dir/pool" >/dev/null &&
        virsh -q -c "$uri" pool-start occi >/dev/null &&
        virsh -q -c "$uri" pool-autostart occi >/dev/null || return 1
    # The daemon's network namespace is reached from httpd's through a veth
    # pair, as an API node reaches a hypervisor host: the computes' screens
    # listen on the host's end alone (t/hypervisor/screen.t). A subnet of
    # this run's own, so that runs side by side do not clash.
    local net="10.232.$(( $$ % 250 + 1 ))" here="ocs$$h" there="ocs$$n"
    ip link add "$here" type veth peer name "$there" &&
        ip link set "$there" netns "$(cat "$dir/run/libvirtd.pid")" &&
        ip addr add "$net.1/30" dev "$here" && ip link set "$here" up &&
        nsenter -t "$(cat "$dir/run/libvirtd.pid")" -n sh -ec \
            "ip addr add $net.2/30 dev $there && ip link set $there up" || return 1
    {
        echo "OCCIStoragePool occi"
        echo "OCCILibvirtDomainType qemu"
        echo "OCCIScreenListen $net.2"
        # Readings of what computes use every 2 s (t/hypervisor/usage.t).
        echo "OCCIUsageInterval 2"
        echo "OCCIOSTemplate diskguest \"Disk guest\" disk=$dir/pool/base.qcow2"
        # An image that is not there: httpd starts, and warns (t/hypervisor/vm.t).
        echo "OCCIOSTemplate vanished \"Vanished image\" disk=$dir/pool/vanished.qcow2"
        echo "OCCIOSTemplate testguest \"Test guest\" kernel=$guest/vmlinuz initrd=$guest/initrd.img \"cmdline=$(cat "$guest/cmdline")\""
    } > "$work/hypervisor.conf"
    echo "$uri"
}

# Two hosts running QEMU guests (qa and qb), for migration and provider
# networks: two private libvirtds, each in its own network namespace,
# joined by a veth pair (10.231.0.1 and 10.231.0.2) over which QEMU
# migrates a running guest and copies its disks and a VXLAN joins the
# hosts' bridges br-public, each with a pool occi holding the same base
# image.
# Writes the hosts' configuration to $work/qemu-hosts.conf and sets
# qemu_host_uris to "qa=URI qb=URI"; returns 1 when one fails.
qemu_host_uris=
start_qemu_hosts() {
    local guest="${OCCI_TEST_GUEST_DIR:-/var/tmp/mod_occi-test-guest}" name dir uri i a b
    qemu_host_uris=
    t/hypervisor/make-guest.sh "$guest" >"$work/make-guest.log" 2>&1 || return 1
    start_daemons qa qb || { cat "$work/qa.log" "$work/qb.log"; return 1; }
    # The two ends are made here and each moved into a daemon's namespace,
    # where the names no longer clash with another run's.
    a="ocm$$a" b="ocm$$b"
    ip link add "$a" type veth peer name "$b" || return 1
    i=1
    for name in qa qb; do
        dir="$work/$name"
        [ "$name" = qa ] && end=$a || end=$b
        ip link set "$end" netns "$(cat "$dir/run/libvirtd.pid")" || return 1
        # The provider network public: a bridge on each host, joined to the
        # other host's by a VXLAN (VNI 42) over the veth pair.
        nsenter -t "$(cat "$dir/run/libvirtd.pid")" -n sh -ec \
            "ip addr add 10.231.0.$i/24 dev $end && ip link set $end up &&
             ip link add br-public type bridge && ip link set br-public up &&
             ip link add vx42 type vxlan id 42 dstport 4789 dev $end \
                 local 10.231.0.$i remote 10.231.0.$((3 - i)) &&
             ip link set vx42 master br-public && ip link set vx42 up" || return 1
        uri=$(cat "$dir/uri")
        mkdir -p "$dir/pool"
        qemu-img create -q -f qcow2 "$dir/pool/base.qcow2" 64M || return 1
        virsh -q -c "$uri" pool-define-as occi dir --target "$dir/pool" >/dev/null &&
            virsh -q -c "$uri" pool-start occi >/dev/null || return 1
        qemu_host_uris="$qemu_host_uris${qemu_host_uris:+ }$name=$uri"
        echo "OCCIHypervisorHost $name \"$uri\" pool=occi migration_address=10.231.0.$i"
        i=$((i + 1))
    done > "$work/qemu-hosts.conf"
    {
        echo "OCCILibvirtDomainType qemu"
        # Filled in turn: the first computes go to qa, so that the tests
        # know where each starts.
        echo "OCCIPlacement pack"
        echo "OCCIProviderNetwork public bridge=br-public"
        echo "OCCIOSTemplate testguest \"Test guest\" kernel=$guest/vmlinuz initrd=$guest/initrd.img \"cmdline=$(cat "$guest/cmdline")\""
    } >> "$work/qemu-hosts.conf"
}

# The hypervisor suites: the libvirt test driver (one child, as its state
# lives in the process), a real libvirtd running QEMU guests, then three
# hosts, each a private libvirtd serving the test driver.
if [ -z "${OCCI_TEST_DATABASES:-}" ] || [ "${OCCI_TEST_HYPERVISORS:-}" ]; then
    for hypervisor in ${OCCI_TEST_HYPERVISORS:-test qemu hosts qemu-hosts}; do
        case "$hypervisor" in
        test)
            # A copy httpd's children (nobody) can read wherever the tree is.
            cp conf/libvirt-test-host.xml "$work/libvirt-test-host.xml"
            chmod 644 "$work/libvirt-test-host.xml"
            write_backend "test://$work/libvirt-test-host.xml"
            mkdir -p "$work/sqlite-test" && chown nobody "$work/sqlite-test" 2>/dev/null || true
            set +e
            suite_log=apache-test-libvirt-test \
                run_suite sqlite3 "$work/sqlite-test/occi.sqlite" "$@" t/libvirt/*.t
            result=$?
            set -e
            count_results t/logs/apache-test-libvirt-test.out "$result"
            ;;
        qemu)
            echo "==== starting a private libvirtd with QEMU"
            if ! uri=$(start_hypervisor); then
                echo "==== the hypervisor could not be started: that run fails"
                cat "$work/make-guest.log" "$work/hypervisor.log" 2>/dev/null | tail -n 20
                : > t/logs/apache-test-libvirt-qemu.out
                result=1
            else
                write_backend "$uri"
                cat "$work/hypervisor.conf" >> t/conf/occi-backend.conf
                mkdir -p "$work/sqlite-qemu" && chown nobody "$work/sqlite-qemu" 2>/dev/null || true
                export OCCI_TEST_LIBVIRT_URI="$uri" OCCI_TEST_STORAGE_POOL=occi \
                    OCCI_TEST_HYPERVISOR_DIR="$work/hv"
                set +e
                suite_log=apache-test-libvirt-qemu \
                    run_suite sqlite3 "$work/sqlite-qemu/occi.sqlite" "$@" t/hypervisor/*.t
                result=$?
                set -e
                t/hypervisor/hypervisor.sh stop "$work/hv" >/dev/null 2>&1 || true
            fi
            count_results t/logs/apache-test-libvirt-qemu.out "$result"
            ;;
        hosts)
            echo "==== starting three private libvirtds with the test driver (h1 h2 h3)"
            : > "$work/hosts.log"
            if ! start_hosts; then
                echo "==== the hosts could not be started: that run fails"
                tail -n 20 "$work/hosts.log"
                : > t/logs/apache-test-hosts.out
                result=1
            else
                write_backend hosts
                mkdir -p "$work/sqlite-hosts" && chown nobody "$work/sqlite-hosts" 2>/dev/null || true
                set +e
                OCCI_TEST_HOST_URIS="$host_uris" suite_log=apache-test-hosts \
                    run_suite sqlite3 "$work/sqlite-hosts/occi.sqlite" "$@" t/hosts/*.t
                result=$?
                set -e
            fi
            stop_hosts
            count_results t/logs/apache-test-hosts.out "$result"
            ;;
        qemu-hosts)
            echo "==== starting two private libvirtds with QEMU, joined by a veth pair (qa qb)"
            if ! start_qemu_hosts >"$work/qemu-hosts.log" 2>&1; then
                echo "==== the hosts could not be started: that run fails"
                tail -n 20 "$work/qemu-hosts.log" "$work/make-guest.log" 2>/dev/null
                : > t/logs/apache-test-qemu-hosts.out
                result=1
            else
                {
                    echo "# Generated by t/run-apache-test.sh: two QEMU hosts."
                    cat "$work/qemu-hosts.conf"
                    echo "StartServers 3"
                    echo "ThreadsPerChild 10"
                    echo "MaxRequestWorkers 30"
                } > t/conf/occi-backend.conf
                mkdir -p "$work/sqlite-qemu-hosts" && chown nobody "$work/sqlite-qemu-hosts" 2>/dev/null || true
                set +e
                OCCI_TEST_QEMU_HOST_URIS="$qemu_host_uris" suite_log=apache-test-qemu-hosts \
                    run_suite sqlite3 "$work/sqlite-qemu-hosts/occi.sqlite" "$@" t/hosts-qemu/*.t
                result=$?
                set -e
            fi
            for name in qa qb; do
                t/hypervisor/hypervisor.sh stop "$work/$name" >/dev/null 2>&1 &
            done
            wait
            count_results t/logs/apache-test-qemu-hosts.out "$result"
            ;;
        esac
        [ "$result" = 0 ] || status=1
    done
fi

# Short forms of the make targets that are not tests, so that they cannot
# rot: the load test (10 clients for 5 s with kills, against an httpd, a
# libvirtd and a store of its own), two API nodes with one killed
# (t/load/nodes.pl), two API nodes filling three hosts (t/load/hosts.pl),
# twenty creations at once through two API nodes against a quota
# (t/load/quota.pl) and the benchmarks (a second per row; two small rows
# of bench/hosts.sh).
# Each starts what it needs and stops it. OCCI_TEST_LOAD=0 and
# OCCI_TEST_BENCH=0 leave them out.
smoke_passed=0
smoke_failed=0
if [ -n "${OCCI_TEST_ASAN_RUNTIME:-}" ]; then
    # Their httpd would load the sanitized module without the sanitizers'
    # runtime (and valgrind cannot run beside ASan): the sanitizer build
    # checks the Apache::Test suites only.
    echo "==== sanitizer build: the load and benchmark smoke runs are left out"
    OCCI_TEST_LOAD=0 OCCI_TEST_BENCH=0
fi
smoke() {
    local name=$1 result
    shift
    echo "==== $name"
    set +e
    "$@" 2>&1 | tee "t/logs/$name.out"
    result=${PIPESTATUS[0]}
    set -e
    if [ "$result" = 0 ]; then
        smoke_passed=$((smoke_passed + 1))
    else
        smoke_failed=$((smoke_failed + 1))
        status=1
    fi
}
if [ "${OCCI_TEST_LOAD:-1}" != 0 ]; then
    smoke load-smoke perl t/load/load.pl --smoke --httpd "$httpd" --modules "$modules_dir" \
        --build "$build_dir"
    smoke nodes-smoke perl t/load/nodes.pl --smoke --httpd "$httpd" --modules "$modules_dir" \
        --build "$build_dir"
    smoke hosts-smoke perl t/load/hosts.pl --smoke --httpd "$httpd" --modules "$modules_dir" \
        --build "$build_dir"
    smoke collections-smoke perl t/load/collections.pl --smoke --httpd "$httpd" \
        --modules "$modules_dir" --build "$build_dir"
    smoke read-cache-smoke perl t/load/read_cache.pl --smoke --httpd "$httpd" \
        --modules "$modules_dir" --build "$build_dir"
    smoke quota-smoke perl t/load/quota.pl --smoke --httpd "$httpd" \
        --modules "$modules_dir" --build "$build_dir"
fi
if [ "${OCCI_TEST_BENCH:-1}" != 0 ]; then
    smoke bench-smoke env BENCH_SMOKE=1 bash bench/benchmark.sh "$httpd" "$modules_dir" \
        "$build_dir" "$src_dir"
    smoke bench-hosts-smoke env BENCH_SMOKE=1 bash bench/hosts.sh "$build_dir"
    smoke console-live-smoke env BENCH_SMOKE=1 bash bench/console-live.sh "$httpd" \
        "$modules_dir" "$build_dir" "$src_dir"
fi

# The Debian package (debian/), built from a copy of the tree, installed,
# enabled in the system httpd and asked on port 80, then purged
# (t/package/package-test.sh, docs/packaging.md). It needs root and apt;
# OCCI_TEST_PACKAGE=0 leaves it out.
package_passed=0
package_failed=0
if [ "${OCCI_TEST_PACKAGE:-1}" != 0 ]; then
    echo "==== Debian package: build, install, a2enmod occi, the system httpd, purge"
    set +e
    bash t/package/package-test.sh "$src_dir" "$src_dir/t/logs" 2>&1 | tee t/logs/package-test.out
    result=${PIPESTATUS[0]}
    set -e
    package_passed=$(grep -c '^ok ' t/logs/package-test.out || true)
    package_failed=$(grep -c '^not ok ' t/logs/package-test.out || true)
    if [ "$result" != 0 ] && [ "$package_failed" = 0 ]; then
        package_failed=1        # the script itself failed before saying what
    fi
    [ "$result" = 0 ] || status=1
fi

# What failed, named just above the counts, so that the last lines of a
# long run say which test to look at: the harness's summary lines of each
# suite, the assertions' own words, and the unit tests that failed.
failures=$( {
    for log in t/logs/apache-test-*.out t/logs/unit-store-pgsql.tap; do
        [ -f "$log" ] || continue
        # Each failed assertion with the diagnostics Test::More printed
        # after it (got, expected; a few lines), then the harness's summary.
        awk '/^#   Failed test/ { left = 8; print; next }
             left > 0 && /^#/ { left--; print; next }
             { left = 0 }
             /^not ok |^t\/.*\(Wstat|^  Failed tests?:/ { print }' "$log" 2>/dev/null \
            | sed "s|^|${log#t/logs/}: |"
    done
    grep -lE '^:test-result: (FAIL|ERROR|XPASS)' t/unit/*.trs fuzz/*.trs t/*.trs 2>/dev/null \
        | sed 's|\.trs$| (unit test failed; see its .log)|'
    for name in load-smoke nodes-smoke hosts-smoke collections-smoke read-cache-smoke \
                quota-smoke bench-smoke bench-hosts-smoke console-live-smoke package-test; do
        [ -f "t/logs/$name.out" ] && grep -E '^not ok |^console-live: ' "t/logs/$name.out" \
            | sed "s|^|$name: |"
    done
} | head -n 80 )
if [ -n "$failures" ]; then
    echo "what failed:"
    echo "$failures"
fi

# One closing line for the unit tests and every run of the suite together
# (the unit tests' line counts automake's TESTS: the unit tests, the corpus
# replays and the documentation checks, t/*.sh).
unit_passed=$(cat t/unit/*.trs fuzz/*.trs t/*.trs 2>/dev/null | grep -c '^:test-result: PASS' || true)
unit_failed=$(cat t/unit/*.trs fuzz/*.trs t/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)' || true)
echo "unit tests: $unit_passed passed, $unit_failed failed"
echo "Apache::Test (every store and hypervisor): $((suite_total - suite_failed)) passed, $suite_failed failed"
echo "smoke runs of make load and make bench: $smoke_passed passed, $smoke_failed failed"
echo "Debian package test: $package_passed passed, $package_failed failed"
echo "total: $((unit_passed + suite_total - suite_failed + smoke_passed + package_passed)) passed, $((unit_failed + suite_failed + smoke_failed + package_failed)) failed"
exit "$status"
