# SPDX-License-Identifier: Apache-2.0
# What the scripts that start a test's private daemon share (the KDC of
# t/kerberos/kdc.sh, the slapd of t/ldap/slapd.sh). Sourced; $me is the
# script's name, for its messages.

die() {
    echo "$me: $*" >&2
    exit 1
}

usage() {
    echo "usage: $me start DIR | $me stop DIR" >&2
    exit 2
}

# need_programs PROGRAM:PACKAGE ...: fails naming every Debian package
# whose program is missing.
need_programs() {
    local missing="" t pkg
    for t in "$@"; do
        pkg=${t#*:}
        # command -v alone also names a file that is not executable.
        if ! [ -x "$(command -v "${t%%:*}" 2>/dev/null || echo /nonexistent)" ]; then
            echo "$me: ${t%%:*} not found (Debian package $pkg)" >&2
            case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
        fi
    done
    [ -z "$missing" ] || die "missing packages, install with: apt-get install$missing"
}

# run_command start|stop DIR: DIR set, then the script's start or stop.
run_command() {
    [ $# -eq 2 ] || usage
    DIR=$2
    [ -n "$DIR" ] || usage
    case $1 in
        start) start ;;
        stop) stop ;;
        *) usage ;;
    esac
}
