#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# A private MIT Kerberos KDC on loopback, for tests (Negotiate/SPNEGO through
# mod_auth_gssapi).  Nothing outside DIR is read or written: /etc/krb5.conf
# and /etc/krb5kdc are left alone, every tool is pointed into DIR through
# KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME and KRB5_KTNAME.
#
# Usage:
#   t/kerberos/kdc.sh start DIR   create realm OCCI.TEST in DIR, start the KDC
#   t/kerberos/kdc.sh stop DIR    stop the KDC started in DIR (DIR is kept;
#                                 the caller removes it)
#
# DIR should be a fresh (empty or not yet existing) temporary directory.
# "start" leaves in DIR:
#   env.sh          export lines for a test to source: KRB5_CONFIG,
#                   KRB5_KDC_PROFILE, KRB5CCNAME (FILE:DIR/ccache),
#                   KRB5_KTNAME (the HTTP keytab), KRB5RCACHETYPE=none,
#                   OCCI_KRB5_REALM, OCCI_KRB5_KDC_PORT, OCCI_KRB5_DIR
#   krb5.conf       client profile: realm OCCI.TEST, kdc = 127.0.0.1:PORT,
#                   no DNS, no reverse DNS, TCP (udp_preference_limit = 1)
#   kdc.conf        KDC profile: database, stash and logs in DIR, listening
#                   on 127.0.0.1:PORT only (UDP and TCP)
#   http.keytab     keys of HTTP/localhost@OCCI.TEST, mode 0644
#   alice.keytab, bob.keytab      (mode 0600) for `kinit -k -t DIR/alice.keytab alice`
#   alice.password, bob.password  (mode 0600) for `kinit alice <DIR/alice.password`
#   kdc.pid, kdc.log, kdc.out     the running KDC, its log and its stdio
#
# httpd's children run as User (e.g. nobody) and mod_auth_gssapi opens the
# keytab in the child, at request time.  So http.keytab is made mode 0644 and
# DIR itself mode 0755; every parent directory of DIR must be searchable (o+x)
# by that user too -- a DIR below a mode-0700 directory (such as a bare
# `mktemp -d`) is not reachable by nobody, and httpd then answers 401 for
# every ticket.  When run as root, "start" warns if nobody cannot read the
# keytab.  The user keytabs and passwords stay 0600: only the test reads them.
#
# The server principal is HTTP/localhost: clients must address the server as
# http://localhost:PORT/ (curl --negotiate -u : asks for HTTP@localhost);
# http://127.0.0.1:PORT/ asks for HTTP/127.0.0.1, unknown here, and gets 401.
#
# For httpd: start it with KRB5_CONFIG (and KRB5RCACHETYPE=none) in its
# process environment, e.g. env KRB5_CONFIG=... KRB5RCACHETYPE=none httpd ...
# (mod_env's SetEnv/PassEnv do not reach libkrb5).  With only
# "GssapiCredStore keytab:DIR/http.keytab" the ticket is accepted without it,
# but "GssapiLocalName On" (REMOTE_USER "alice" instead of "alice@OCCI.TEST")
# needs the realm's krb5.conf or gss_localname() fails and every request is
# 401; without KRB5RCACHETYPE=none (or "GssapiCredStore rcache:none:") the
# children write a replay cache /var/tmp/krb5_<uid>.rcache2.
#
# Needs the Debian packages krb5-kdc (krb5kdc, kdb5_util), krb5-admin-server
# (kadmin.local) and krb5-user (kinit, klist, kdestroy), and perl (to pick a
# free port).  Every step is bounded: the KDC must answer within about 20 s.

set -eu

REALM=OCCI.TEST
USERS="alice bob"
WAIT_SECONDS=20
PATH=$PATH:/usr/sbin:/sbin
export PATH

me=${0##*/}
. "$(dirname "$0")/../lib/daemon.sh"

# Fails naming every Debian package whose program is missing.
need_tools() {
    need_programs krb5kdc:krb5-kdc kdb5_util:krb5-kdc kadmin.local:krb5-admin-server \
        kinit:krb5-user klist:krb5-user kdestroy:krb5-user perl:perl-base timeout:coreutils
}

# A port free on 127.0.0.1 for both TCP and UDP at the time of asking.
free_port() {
    perl -MIO::Socket::INET -e '
        for (1 .. 50) {
            my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                          Proto => "tcp", Listen => 1, ReuseAddr => 0)
                or next;
            my $p = $t->sockport;
            my $u = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
                                          Proto => "udp") or next;
            print "$p\n";
            exit 0;
        }
        exit 1;'
}

# Writes krb5.conf, kdc.conf and env.sh for port $1.
write_conf() {
    local port=$1
    cat >"$DIR/krb5.conf" <<EOF
# Written by $me: private realm $REALM for tests.
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    default_ccache_name = FILE:$DIR/ccache
    default_keytab_name = FILE:$DIR/http.keytab
    forwardable = false
    ticket_lifetime = 1h

[realms]
    $REALM = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    localhost = $REALM
    .localhost = $REALM
EOF
    # kdc_listen / kdc_tcp_listen are the names (krb5 >= 1.15) of
    # kdc_ports / kdc_tcp_ports that also take an address.
    cat >"$DIR/kdc.conf" <<EOF
# Written by $me: private KDC for $REALM on 127.0.0.1:$port.
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $REALM = {
        database_name = $DIR/principal
        key_stash_file = $DIR/stash
        acl_file = $DIR/kadm5.acl
        admin_keytab = FILE:$DIR/kadm5.keytab
        kdc_listen = 127.0.0.1:$port
        kdc_tcp_listen = 127.0.0.1:$port
        master_key_type = aes256-cts-hmac-sha1-96
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
        max_life = 1h
        max_renewable_life = 0
    }

# SPAKE would want spake_preauth_groups; off, so the log has no error.
[plugins]
    kdcpreauth = {
        disable = spake
    }

[logging]
    kdc = FILE:$DIR/kdc.log
    admin_server = FILE:$DIR/kadmin.log
    default = FILE:$DIR/kdc.log
EOF
    {
        echo "# Written by $me: source this to use the private realm $REALM."
        printf 'export KRB5_CONFIG=%q\n' "$DIR/krb5.conf"
        printf 'export KRB5_KDC_PROFILE=%q\n' "$DIR/kdc.conf"
        printf 'export KRB5CCNAME=%q\n' "FILE:$DIR/ccache"
        printf 'export KRB5_KTNAME=%q\n' "FILE:$DIR/http.keytab"
        # No replay cache file for an acceptor (httpd as nobody) to create.
        echo 'export KRB5RCACHETYPE=none'
        echo "export OCCI_KRB5_REALM=$REALM"
        echo "export OCCI_KRB5_KDC_PORT=$port"
        printf 'export OCCI_KRB5_DIR=%q\n' "$DIR"
    } >"$DIR/env.sh"
}

random_secret() {
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

kadmin() {
    timeout 30 kadmin.local -r "$REALM" -q "$1" >>"$DIR/kadmin.out" 2>&1 \
        || die "kadmin.local -q '$1' failed, see $DIR/kadmin.out"
}

kdc_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
        [ "$(cat "/proc/$1/comm" 2>/dev/null || echo krb5kdc)" = krb5kdc ]
}

# Starts krb5kdc and waits until a kinit against it succeeds.
# Returns 1 (KDC gone) if it died, e.g. because the port was taken meanwhile.
run_kdc() {
    local pid i
    krb5kdc -n -r "$REALM" -P "$DIR/kdc.pid" </dev/null >>"$DIR/kdc.out" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/kdc.pid"
    i=0
    while [ $i -lt $((WAIT_SECONDS * 4)) ]; do
        # Our own child: kill -0 suffices (its comm may not be krb5kdc yet).
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            rm -f "$DIR/kdc.pid"
            return 1
        fi
        if KRB5CCNAME="FILE:$DIR/probe.ccache" timeout 5 \
                kinit -k -t "$DIR/alice.keytab" "alice@$REALM" >>"$DIR/kdc.out" 2>&1; then
            KRB5CCNAME="FILE:$DIR/probe.ccache" kdestroy >/dev/null 2>&1 || true
            # -P rewrites the file with the same pid; keep ours regardless.
            echo "$pid" >"$DIR/kdc.pid"
            return 0
        fi
        sleep 0.25
        i=$((i + 1))
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$DIR/kdc.pid"
    die "the KDC did not answer within ${WAIT_SECONDS}s; see $DIR/kdc.log and $DIR/kdc.out"
}

# Warns (as root) when user nobody could not read the HTTP keytab.
check_nobody() {
    [ "$(id -u)" = 0 ] || return 0
    id nobody >/dev/null 2>&1 || return 0
    command -v setpriv >/dev/null 2>&1 || return 0
    if ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
            test -r "$DIR/http.keytab" 2>/dev/null; then
        echo "$me: warning: user nobody cannot read $DIR/http.keytab" \
             "(a parent directory is not searchable); httpd running as nobody" \
             "will reject every ticket" >&2
    fi
}

start() {
    local master port attempt u pw
    need_tools
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    case $DIR in *[[:space:]]*) die "DIR must not contain white space: '$DIR'" ;; esac
    [ ! -e "$DIR/principal" ] || die "$DIR already holds a KDC database; use a fresh directory"
    if [ -f "$DIR/kdc.pid" ] && kdc_alive "$(cat "$DIR/kdc.pid")"; then
        die "a KDC already runs for $DIR (pid $(cat "$DIR/kdc.pid"))"
    fi
    chmod 0755 "$DIR"
    umask 022

    export KRB5_CONFIG="$DIR/krb5.conf"
    export KRB5_KDC_PROFILE="$DIR/kdc.conf"
    export KRB5CCNAME="FILE:$DIR/ccache"
    export KRB5_KTNAME="FILE:$DIR/http.keytab"
    export KRB5RCACHETYPE=none
    unset KRB5_CLIENT_KTNAME KRB5_TRACE 2>/dev/null || true

    port=$(free_port) || die "no free port on 127.0.0.1"
    write_conf "$port"
    : >"$DIR/kadm5.acl"

    master=$(random_secret)
    timeout 60 kdb5_util -r "$REALM" create -s -P "$master" >"$DIR/kdb5_util.out" 2>&1 \
        || die "kdb5_util create failed, see $DIR/kdb5_util.out"
    unset master

    kadmin "addprinc -randkey HTTP/localhost@$REALM"
    kadmin "ktadd -k $DIR/http.keytab HTTP/localhost@$REALM"
    chmod 0644 "$DIR/http.keytab"
    for u in $USERS; do
        pw=$(random_secret)
        (umask 077 && printf '%s\n' "$pw" >"$DIR/$u.password")
        kadmin "addprinc -pw $pw $u@$REALM"
        # -norandkey (kadmin.local only) keeps the password valid as well.
        kadmin "ktadd -k $DIR/$u.keytab -norandkey $u@$REALM"
        chmod 0600 "$DIR/$u.keytab"
    done

    # The port was free when chosen; if something took it since, the KDC
    # dies on bind and another port is tried.
    for attempt in 1 2 3; do
        if run_kdc; then
            check_nobody
            echo "$me: realm $REALM, KDC on 127.0.0.1:$port (tcp+udp), pid $(cat "$DIR/kdc.pid"); source $DIR/env.sh"
            return 0
        fi
        echo "$me: KDC exited at start (attempt $attempt):" >&2
        tail -n 3 "$DIR/kdc.out" "$DIR/kdc.log" 2>/dev/null | sed 's/^/  /' >&2 || true
        port=$(free_port) || die "no free port on 127.0.0.1"
        write_conf "$port"
    done
    die "the KDC would not start; see $DIR/kdc.log and $DIR/kdc.out"
}

stop() {
    local pid i
    [ -d "$DIR" ] || die "no directory $DIR"
    if [ ! -f "$DIR/kdc.pid" ]; then
        echo "$me: no KDC pid file in $DIR; nothing to stop" >&2
        return 0
    fi
    pid=$(cat "$DIR/kdc.pid")
    case $pid in ''|*[!0-9]*) die "bad pid file $DIR/kdc.pid" ;; esac
    if kdc_alive "$pid"; then
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null; do
            if [ $i -ge $((WAIT_SECONDS * 4)) ]; then
                echo "$me: KDC pid $pid ignored SIGTERM for ${WAIT_SECONDS}s; sending SIGKILL" >&2
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
                break
            fi
            sleep 0.25
            i=$((i + 1))
        done
    fi
    rm -f "$DIR/kdc.pid"
}

run_command "$@"
