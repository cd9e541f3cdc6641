#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# A private OpenLDAP slapd on loopback, for tests (Basic authentication
# against a directory through mod_ldap and mod_authnz_ldap, groups and
# attributes as tenants and administrators).  Nothing outside DIR is
# written: the configuration is a slapd.conf in DIR (slapd -f, so the
# system's /etc/ldap/slapd.d is never read), the mdb database, the pid file
# and the log are in DIR, and every client tool runs with LDAPNOINIT=1, so
# that /etc/ldap/ldap.conf and ~/.ldaprc do not change what it asks.  Only
# the schema files (/etc/ldap/schema) and the modules (/usr/lib/ldap) of
# the slapd package are read.
#
# Usage:
#   t/ldap/slapd.sh start DIR   create the directory dc=occi,dc=test in DIR,
#                               start slapd on ldap://127.0.0.1:PORT/
#   t/ldap/slapd.sh stop DIR    stop the slapd started in DIR (DIR is kept;
#                               the caller removes it)
#
# DIR should be a fresh (empty or not yet existing) temporary directory.
# The directory holds:
#   ou=people   alice and carol (departmentNumber blue), bob (red), dave
#               (no departmentNumber), erin (ops; an administrator by
#               group), mallory (purple; a valid password, but in no group)
#   ou=groups   groupOfNames occi-users (alice, bob, carol, dave, erin) and
#               occi-admins (erin)
#   ou=services occi-reader, the account httpd searches with
# Each user entry carries memberOf, kept by slapd's memberof overlay.
# Anonymous clients may only bind (to check a password); occi-reader reads
# everything but passwords; nobody else reads anything.
#
# "start" leaves in DIR:
#   env.sh             export lines for a test to source: OCCI_LDAP_PORT,
#                      OCCI_LDAP_URL, OCCI_LDAP_DIR, OCCI_LDAP_SUFFIX,
#                      OCCI_LDAP_BIND_DN, LDAPNOINIT=1
#   slapd.conf         the configuration (slapd -f)
#   data/              the mdb database
#   USER.password      (mode 0600) each user's password, without a newline, for
#                      USER in alice bob carol dave erin mallory occi-reader
#   admin.password     (mode 0600) the password of the rootdn cn=admin
#   slapd.pid, slapd.log   the running slapd and what it logs (connections
#                      and operations: debug level "stats")
#   load.out           what slapadd and ldapadd said
#
# slapd runs as the user who calls "start" (root in CI).  httpd's children
# only talk to it over TCP, so they need no access to DIR.
#
# Needs the Debian packages slapd (slapd, slapadd, slappasswd) and
# ldap-utils (ldapadd, ldapsearch, ldapwhoami), and perl (to pick a free
# port).  Every step is bounded by 20 s: slapd must answer within that, each
# tool is stopped after it, and "stop" sends SIGKILL after it.

set -eu

SUFFIX=dc=occi,dc=test
ROOT_DN="cn=admin,$SUFFIX"
BIND_DN="cn=occi-reader,ou=services,$SUFFIX"
USERS="alice bob carol dave erin mallory"
WAIT_SECONDS=20
SCHEMA_DIR=/etc/ldap/schema
MODULE_DIR=/usr/lib/ldap
PATH=$PATH:/usr/sbin:/sbin
# The client tools read no ldap.conf or .ldaprc: what they ask is only
# what this script says.
LDAPNOINIT=1
export PATH LDAPNOINIT

me=${0##*/}
. "$(dirname "$0")/../lib/daemon.sh"

# Fails naming every Debian package whose program or file is missing.
need_tools() {
    local t
    need_programs slapd:slapd slapadd:slapd slappasswd:slapd ldapadd:ldap-utils \
        ldapsearch:ldap-utils ldapwhoami:ldap-utils perl:perl-base timeout:coreutils
    for t in core cosine inetorgperson; do
        [ -r "$SCHEMA_DIR/$t.schema" ] || die "$SCHEMA_DIR/$t.schema not found (Debian package slapd)"
    done
    for t in back_mdb memberof; do
        [ -e "$MODULE_DIR/$t.so" ] || die "$MODULE_DIR/$t.so not found (Debian package slapd)"
    done
}

# A TCP port free on 127.0.0.1 at the time of asking.
free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                      Proto => "tcp", Listen => 1)
            or exit 1;
        print $s->sockport, "\n";'
}

random_secret() {
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# The salted hash slapd stores for the password in file $1 (slappasswd -T
# reads the file, so that no password is on a command line).
password_hash() {
    slappasswd -T "$1" -h '{SSHA}'
}

# Writes slapd.conf; the port is not in it (slapd -h gives the listener).
write_conf() {
    local root_hash
    root_hash=$(password_hash "$DIR/admin.password")
    (umask 077 && cat >"$DIR/slapd.conf") <<EOF
# Written by $me: a private directory $SUFFIX for tests.
include $SCHEMA_DIR/core.schema
include $SCHEMA_DIR/cosine.schema
include $SCHEMA_DIR/inetorgperson.schema

modulepath $MODULE_DIR
moduleload back_mdb
moduleload memberof

pidfile $DIR/slapd.pid
argsfile $DIR/slapd.args
# What slapd says goes to its stderr (slapd -d stats, into slapd.log), not
# to syslog.
loglevel none

database mdb
suffix "$SUFFIX"
rootdn "$ROOT_DN"
rootpw $root_hash
directory $DIR/data
maxsize 16777216
index objectClass eq
index uid eq
index member eq

# memberOf on each user, kept by slapd when a group's members change (the
# groups are added online for that: slapadd does not run overlays).
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true

# A password is only ever compared, at a bind; the reader httpd binds as
# reads the rest, and nobody else anything, so that the test shows httpd
# uses its bind DN.
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="$BIND_DN" read
    by anonymous auth
    by * none
EOF
}

# Writes env.sh for port $1.
write_env() {
    local port=$1
    {
        echo "# Written by $me: source this to use the private directory $SUFFIX."
        echo "export OCCI_LDAP_PORT=$port"
        echo "export OCCI_LDAP_URL=ldap://127.0.0.1:$port/"
        printf 'export OCCI_LDAP_DIR=%q\n' "$DIR"
        echo "export OCCI_LDAP_SUFFIX=$SUFFIX"
        echo "export OCCI_LDAP_BIND_DN='$BIND_DN'"
        echo 'export LDAPNOINIT=1'
    } >"$DIR/env.sh"
}

# The people, the service account and the organisational units, for
# slapadd.  $1: the departmentNumber of each user, as USER=DEPARTMENT
# words (none for a user without one).
write_people() {
    local u dept
    {
        echo "# Written by $me: the entries loaded before slapd starts."
        printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: occi\no: mod_occi tests\n\n' "$SUFFIX"
        for u in people groups services; do
            printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$u" "$SUFFIX" "$u"
        done
        printf 'dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: occi-reader\nuserPassword: %s\n\n' \
            "$BIND_DN" "$(password_hash "$DIR/occi-reader.password")"
        for u in $USERS; do
            dept=$(printf '%s\n' $1 | sed -n "s/^$u=//p")
            printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' \
                "$u" "$SUFFIX" "$u" "$u" "$u"
            [ "$dept" = none ] || printf 'departmentNumber: %s\n' "$dept"
            printf 'userPassword: %s\n\n' "$(password_hash "$DIR/$u.password")"
        done
    } >"$DIR/people.ldif"
}

# The groups, added online so that the memberof overlay writes memberOf.
write_groups() {
    {
        echo "# Written by $me: the groups, added once slapd runs."
        printf 'dn: cn=occi-users,ou=groups,%s\nobjectClass: groupOfNames\ncn: occi-users\n' "$SUFFIX"
        for u in alice bob carol dave erin; do
            printf 'member: uid=%s,ou=people,%s\n' "$u" "$SUFFIX"
        done
        printf '\ndn: cn=occi-admins,ou=groups,%s\nobjectClass: groupOfNames\ncn: occi-admins\n' "$SUFFIX"
        printf 'member: uid=erin,ou=people,%s\n' "$SUFFIX"
    } >"$DIR/groups.ldif"
}

slapd_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
        [ "$(cat "/proc/$1/comm" 2>/dev/null || echo slapd)" = slapd ]
}

# Starts slapd on port $1 and waits until the rootdn can bind.  Returns 1
# (slapd gone) if it died, e.g. because the port was taken meanwhile.
run_slapd() {
    local port=$1 pid deadline
    # -d: in the foreground (our child, whose pid we know), logging to
    # stderr; -h: this one listener only, no ldapi:// socket in /run.
    slapd -d stats -h "ldap://127.0.0.1:$port/" -f "$DIR/slapd.conf" \
        </dev/null >>"$DIR/slapd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/slapd.pid"
    # A deadline rather than a count of tries: a try that hangs (up to its
    # own timeout) does not stretch the wait.
    deadline=$((SECONDS + WAIT_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            rm -f "$DIR/slapd.pid"
            return 1
        fi
        if timeout 3 ldapwhoami -x -o nettimeout=2 -H "ldap://127.0.0.1:$port/" \
                -D "$ROOT_DN" -y "$DIR/admin.password" >>"$DIR/load.out" 2>&1; then
            # slapd writes its own pid file too; keep ours regardless.
            echo "$pid" >"$DIR/slapd.pid"
            return 0
        fi
        sleep 0.25
    done
    kill_slapd "$pid"
    rm -f "$DIR/slapd.pid"
    die "slapd did not answer within ${WAIT_SECONDS}s; see $DIR/slapd.log"
}

# Stops slapd with pid $1, bounded; SIGKILL after WAIT_SECONDS.
kill_slapd() {
    local pid=$1 deadline=$((SECONDS + WAIT_SECONDS))
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$me: slapd pid $pid ignored SIGTERM for ${WAIT_SECONDS}s; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.25
    done
}

# Checks what the tests rely on, as httpd will ask it: the reader finds
# alice with her department and her group, and alice's password binds.
check_directory() {
    local url=$1 out
    out=$(timeout 20 ldapsearch -x -LLL -o nettimeout=5 -o ldif-wrap=no -H "$url" \
              -D "$BIND_DN" -y "$DIR/occi-reader.password" -b "ou=people,$SUFFIX" \
              '(uid=alice)' departmentNumber memberOf 2>&1) ||
        die "the reader cannot search the directory: $out"
    case $out in
    *"memberOf: cn=occi-users,ou=groups,$SUFFIX"*) ;;
    *) die "alice has no memberOf for occi-users (is the memberof overlay working?): $out" ;;
    esac
    case $out in
    *"departmentNumber: blue"*) ;;
    *) die "alice has no departmentNumber blue: $out" ;;
    esac
    timeout 20 ldapwhoami -x -o nettimeout=5 -H "$url" -D "uid=alice,ou=people,$SUFFIX" \
            -y "$DIR/alice.password" >>"$DIR/load.out" 2>&1 ||
        die "alice cannot bind with her password; see $DIR/load.out"
}

start() {
    local port attempt u pid
    need_tools
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    case $DIR in *[[:space:]]*) die "DIR must not contain white space: '$DIR'" ;; esac
    [ ! -e "$DIR/data" ] || die "$DIR already holds a directory database; use a fresh directory"
    if [ -f "$DIR/slapd.pid" ] && slapd_alive "$(cat "$DIR/slapd.pid")"; then
        die "a slapd already runs for $DIR (pid $(cat "$DIR/slapd.pid"))"
    fi
    umask 022
    mkdir -m 0700 "$DIR/data"

    # No newline: slappasswd -T and the tools' -y take the file's whole
    # content as the password.
    for u in admin occi-reader $USERS; do
        (umask 077 && printf '%s' "$(random_secret)" >"$DIR/$u.password")
    done

    write_conf
    write_people "alice=blue carol=blue bob=red dave=none erin=ops mallory=purple"
    write_groups
    timeout 20 slapadd -q -f "$DIR/slapd.conf" -l "$DIR/people.ldif" >>"$DIR/load.out" 2>&1 ||
        die "slapadd failed, see $DIR/load.out"

    # The port was free when chosen; if something took it since, slapd
    # exits on bind and another port is tried.
    for attempt in 1 2 3; do
        port=$(free_port) || die "no free port on 127.0.0.1"
        if run_slapd "$port"; then
            break
        fi
        echo "$me: slapd exited at start (attempt $attempt):" >&2
        tail -n 3 "$DIR/slapd.log" 2>/dev/null | sed 's/^/  /' >&2 || true
        port=
    done
    [ -n "$port" ] || die "slapd would not start; see $DIR/slapd.log"
    pid=$(cat "$DIR/slapd.pid")

    if ! timeout 20 ldapadd -x -o nettimeout=5 -H "ldap://127.0.0.1:$port/" -D "$ROOT_DN" \
            -y "$DIR/admin.password" -f "$DIR/groups.ldif" >>"$DIR/load.out" 2>&1; then
        kill_slapd "$pid"
        rm -f "$DIR/slapd.pid"
        die "adding the groups failed, see $DIR/load.out"
    fi
    if ! (check_directory "ldap://127.0.0.1:$port/"); then
        kill_slapd "$pid"
        rm -f "$DIR/slapd.pid"
        exit 1
    fi
    write_env "$port"
    echo "$me: $SUFFIX on ldap://127.0.0.1:$port/, pid $pid; source $DIR/env.sh"
}

stop() {
    local pid
    [ -d "$DIR" ] || die "no directory $DIR"
    if [ ! -f "$DIR/slapd.pid" ]; then
        echo "$me: no slapd pid file in $DIR; nothing to stop" >&2
        return 0
    fi
    pid=$(cat "$DIR/slapd.pid")
    case $pid in ''|*[!0-9]*) die "bad pid file $DIR/slapd.pid" ;; esac
    if slapd_alive "$pid"; then
        kill_slapd "$pid"
    fi
    rm -f "$DIR/slapd.pid"
}

run_command "$@"
