#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prepares a fresh clone: installs the Debian packages the build and the
# tests need when some are missing, then runs autoreconf and configure.
# Arguments are passed to configure. Safe to run again.
set -e
cd "$(dirname "$0")"

# libjs-chart.js is Chart.js, which the build embeds for the web console's
# usage charts (configure's --with-chartjs).
# chromium runs the web console's browser test (t/libvirt/console_browser.t),
# with playwright-core from npm; Debian's nodejs and npm only where no node
# is installed already (another node, with its own npm, is as good).
packages="apache2 apache2-dev libapr1-dev libaprutil1-dev libaprutil1-dbd-sqlite3 \
libaprutil1-dbd-pgsql libpq-dev libjson-c-dev libvirt-dev libjs-chart.js autoconf automake libtool pkg-config \
build-essential libapache2-mod-perl2 libwww-perl sqlite3 postgresql \
libvirt-daemon-system libvirt-daemon-system-sysv libvirt-daemon libvirt-daemon-driver-qemu \
libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base iptables iproute2 genisoimage curl openssl \
wrk valgrind dpkg-dev debhelper chromium libapache2-mod-auth-openidc \
libapache2-mod-auth-gssapi krb5-kdc krb5-admin-server krb5-user slapd ldap-utils python3 novnc"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages="$packages nodejs npm"
fi

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    install_line="apt-get install -y --no-install-recommends$missing"
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "autogen.sh: these packages are missing; install them as root, then run me again:" >&2
        echo "  $install_line" >&2
        exit 1
    fi
    echo "autogen.sh: installing$missing"
    case " $missing " in
    *" slapd "*)
        # The tests start a slapd of their own (t/ldap/slapd.sh). Without
        # this answer the package would make a directory for the host's
        # name in /etc/ldap/slapd.d and start a system slapd on port 389;
        # with it, it makes none, and its service has nothing to start.
        echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
        ;;
    esac
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $install_line
fi

autoreconf --force --install
./configure "$@"
