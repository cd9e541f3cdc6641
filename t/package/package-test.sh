#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package (debian/) from a copy of the source tree with
# dpkg-buildpackage, installs it on this machine, enables it in the system
# httpd with a2enmod and asks the API through http://127.0.0.1/occi/: the
# model, a compute's life, README's tour as written, and a client in a
# network namespace of its own, which the package's "Require local" must
# refuse. Then it follows docs/production.md section 5 (TLS and Basic
# authentication in a :443 virtual host, plain HTTP closed) and checks who
# gets what. Last it stops httpd, purges the package and puts back every
# module, site, configuration and file under /etc/apache2 (and the
# certificate and password files) as they were. apache2 itself stays
# installed, and so do the packages the build and the package needed.
# Usage: package-test.sh SRC_DIR [LOG_DIR]
# Needs root, dpkg, apt-get, ip (network namespaces) and openssl, and ports
# 80 and 443 free. Prints TAP ("ok N - ...") and a closing "package test:
# P passed, F failed"; exits 1 on a failure.
# The build log is kept in LOG_DIR (default SRC_DIR/t/logs) as package-build.log.
set -u
src_dir=$(cd "$1" && pwd)
log_dir=${2:-$src_dir/t/logs}
mkdir -p "$log_dir"

# What the build (debian/control's Build-Depends) and this test need.
build_packages="dpkg-dev debhelper apache2-dev apache2-bin libapr1-dev libaprutil1-dev
libaprutil1-dbd-sqlite3 libjson-c-dev libpq-dev libvirt-dev libjs-chart.js autoconf automake libtool
pkg-config build-essential"
test_packages="apache2 curl perl openssl iproute2"
package=libapache2-mod-occi
api=http://127.0.0.1/occi
error_log=/var/log/apache2/error.log
pidfile=/run/apache2/apache2.pid

passed=0 failed=0 number=0
ok() {
    number=$((number + 1)) passed=$((passed + 1))
    echo "ok $number - $1"
}
not_ok() {         # not_ok DESCRIPTION [DIAGNOSTIC LINE...]
    number=$((number + 1)) failed=$((failed + 1))
    echo "not ok $number - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/#   /'
    done
}
check() {          # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
    local description=$1
    shift
    if "$@"; then ok "$description"; else not_ok "$description"; fi
}

work=
started_httpd=0 dbd_was_enabled=1 netns= veth= etc_saved=0 touched=
finish() {
    trap - EXIT
    cleanup
    echo "1..$number"
    echo "package test: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}
bail() {           # bail DESCRIPTION [DIAGNOSTIC LINE...]: a failure that ends the test
    not_ok "$@"
    finish
}

httpd_pid() {      # the system httpd's pid when it runs
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
stop_httpd() {     # stops the system httpd and waits until it is gone
    local pid tries=0
    pid=$(httpd_pid) || return 0
    apache2ctl stop >/dev/null 2>&1
    while kill -0 "$pid" 2>/dev/null && [ $tries -lt 150 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    ! kill -0 "$pid" 2>/dev/null
}
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
purge() {
    DEBIAN_FRONTEND=noninteractive apt-get purge -y "$package" >"$work/purge.log" 2>&1
}
port_busy() {      # port_busy PORT: something listens on 127.0.0.1:PORT
    perl -MIO::Socket::INET -e \
        'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Timeout => 2) ? 0 : 1)' "$1"
}
port_80_busy() {
    port_busy 80
}

# What the test changes on the machine, and how it is put back.
# enabled_list: the modules, sites and configurations enabled in /etc/apache2.
enabled_list() {
    local kind file
    for kind in mods sites conf; do
        for file in /etc/apache2/$kind-enabled/*; do
            case $file in
            */mods-enabled/*.load) echo "mods ${file##*/}" ;;
            */sites-enabled/*.conf | */conf-enabled/*.conf) echo "$kind ${file##*/}" ;;
            esac
        done
    done | sed 's/\.\(load\|conf\)$//' | sort
}
# etc_manifest: every path under /etc/apache2 with its type, mode, owner,
# link target and checksum, and the same for the files touch_file saved.
etc_manifest() {
    local path
    find /etc/apache2 -printf '%p %y %m %u:%g %l\n' | sort
    find /etc/apache2 -type f -print0 | sort -z | xargs -0 md5sum
    for path in $touched; do
        if [ -e "$path" ]; then
            stat -c '%n %F %a %U:%G' "$path"
            md5sum "$path"
        else
            echo "$path absent"
        fi
    done
}
# touch_file PATH: PATH is about to be made or changed; restore_files puts
# it back as it was (or removes it).
touch_file() {
    case " $touched " in *" $1 "*) return 0 ;; esac
    mkdir -p "$work/saved$(dirname "$1")"
    if [ -e "$1" ]; then
        cp -a "$1" "$work/saved$1"
    fi
    touched="$touched $1"
}
restore_files() {
    local path
    for path in $touched; do
        if [ -e "$work/saved$path" ]; then
            cp -a "$work/saved$path" "$path"
        else
            rm -f "$path"
        fi
    done
}
# restore_etc: the enabled modules, sites and configurations, the files the
# test made or changed, and a2enmod's state in /var/lib/apache2, as before.
restore_etc() {
    [ "$etc_saved" = 1 ] || return 0
    local kind name
    while read -r kind name; do          # enabled now, not before
        case $kind in
        mods) a2dismod -q -f "$name" ;;
        sites) a2dissite -q "$name" ;;
        conf) a2disconf -q "$name" ;;
        esac >/dev/null 2>&1
    done < <(comm -13 "$work/enabled-before" <(enabled_list))
    while read -r kind name; do          # enabled before, not now
        case $kind in
        mods) a2enmod -q "$name" ;;
        sites) a2ensite -q "$name" ;;
        conf) a2enconf -q "$name" ;;
        esac >/dev/null 2>&1
    done < <(comm -23 "$work/enabled-before" <(enabled_list))
    restore_files
    if [ -s "$work/apache2-state.tar" ]; then
        rm -rf /var/lib/apache2/module /var/lib/apache2/site /var/lib/apache2/conf
        tar -C / -xf "$work/apache2-state.tar"
    fi
}
remove_netns() {   # the namespace and the veth pair, if made
    if [ -n "$netns" ]; then
        ip netns delete "$netns" 2>/dev/null
    fi
    if [ -n "$veth" ] && ip link show "$veth" >/dev/null 2>&1; then
        ip link delete "$veth" 2>/dev/null
    fi
    netns= veth=
}

# Whatever happens, nothing of the test is left running or installed.
cleanup() {
    [ -n "$work" ] || return 0
    if [ "$started_httpd" = 1 ]; then
        stop_httpd
    fi
    remove_netns
    if installed "$package"; then
        purge || true
    fi
    if [ "$dbd_was_enabled" = 0 ] && a2query -q -m dbd 2>/dev/null; then
        a2dismod -q dbd >/dev/null 2>&1 || true
    fi
    restore_etc
    rm -rf "$work"
}
trap finish EXIT
trap 'not_ok "the test runs to its end" "interrupted by a signal"; exit 1' INT TERM HUP

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    bail "the package test needs root, dpkg and apt-get (OCCI_TEST_PACKAGE=0 leaves it out)"
fi
work=$(mktemp -d /tmp/occi-package.XXXXXX)
chmod 755 "$work"       # apt reads the .deb from here as its own user

# ---- Preparation ---------------------------------------------------------
missing=
for name in $build_packages $test_packages; do
    installed "$name" || missing="$missing $name"
done
if [ -n "$missing" ]; then
    echo "# installing$missing"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
            >"$work/apt.log" 2>&1; then
        apt-get update -qq >>"$work/apt.log" 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
            >>"$work/apt.log" 2>&1 ||
            bail "the packages the build needs install ($missing)" "$(tail -n 5 "$work/apt.log")"
    fi
fi
check "debian/control's build dependencies are installed" \
    dpkg-checkbuilddeps "$src_dir/debian/control"

# A run killed halfway left its package, and maybe the system httpd.
if installed "$package"; then
    echo "# $package is installed (left by an earlier run?): purging it"
    stop_httpd || bail "the system httpd (pid $(httpd_pid)) stops"
    purge || bail "the $package left installed is purged" "$(tail -n 5 "$work/purge.log")"
fi
if pid=$(httpd_pid); then
    bail "the system httpd is not running" \
        "it runs as pid $pid; stop it (apache2ctl stop) to run this test"
fi
if port_80_busy; then
    bail "port 80 is free" \
        "something listens on 127.0.0.1:80; the test serves the API through the system httpd there" \
        "$(ss -ltnp 'sport = :80' 2>/dev/null | tail -n +2)"
fi
if port_busy 443; then
    bail "port 443 is free" \
        "something listens on 127.0.0.1:443; the test serves the API over TLS there" \
        "$(ss -ltnp 'sport = :443' 2>/dev/null | tail -n +2)"
fi
a2query -q -m dbd 2>/dev/null || dbd_was_enabled=0
# What /etc/apache2 holds now, to put back and compare at the end.
enabled_list >"$work/enabled-before"
tar -C / -cf "$work/apache2-state.tar" var/lib/apache2/module var/lib/apache2/site \
    var/lib/apache2/conf 2>/dev/null
etc_saved=1
for path in /etc/apache2/sites-available/occi.conf /etc/apache2/occi.htpasswd \
        /etc/ssl/certs/cloud.example.com.pem /etc/ssl/private/cloud.example.com.key; do
    touch_file "$path"
done
etc_manifest >"$work/etc-before"

# ---- Build -----------------------------------------------------------------
# The files of the source tree, without build products: those git knows of
# (untracked ones too, unless ignored), or the whole tree, which the
# package's clean target then cleans.
mkdir "$work/src"
if git -C "$src_dir" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src_dir" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' file; do
            [ -e "$file" ] && printf '%s\0' "$file"
        done | xargs -0 cp --parents -t "$work/src")
else
    tar -C "$src_dir" --exclude=.git -cf - . | tar -C "$work/src" -xf -
fi
start=$(date +%s)
if (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -us -uc) \
        >"$log_dir/package-build.log" 2>&1; then
    ok "dpkg-buildpackage -b builds the package ($(($(date +%s) - start)) s)"
else
    bail "dpkg-buildpackage -b builds the package" "$(tail -n 20 "$log_dir/package-build.log")" \
        "(the whole log: $log_dir/package-build.log)"
fi
deb=$(ls "$work"/${package}_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || bail "the build leaves ${package}_*.deb"
contents=$(dpkg-deb -c "$deb")
for file in ./usr/lib/apache2/modules/mod_occi.so ./etc/apache2/mods-available/occi.load \
        ./etc/apache2/mods-available/occi.conf ./usr/share/doc/$package/copyright \
        ./usr/share/doc/$package/docs/packaging.md.gz ./usr/share/doc/$package/docs/directives.md.gz; do
    if ! grep -q " $file\$" <<<"$contents"; then
        missing_file=$file
        break
    fi
done
if [ -z "${missing_file:-}" ]; then
    ok "the package holds the module, occi.load, occi.conf and the documentation"
else
    not_ok "the package holds the module, occi.load, occi.conf and the documentation" \
        "$missing_file is not in it"
fi

# ---- Installation ------------------------------------------------------------
config_before=$(apache2ctl -t 2>&1)
if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" \
        >"$work/install.log" 2>&1; then
    ok "apt-get installs the package with its dependencies"
else
    bail "apt-get installs the package with its dependencies" "$(tail -n 10 "$work/install.log")"
fi
check "the module is not enabled by the installation" \
    test ! -e /etc/apache2/mods-enabled/occi.load
check "/var/lib/mod_occi belongs to www-data" \
    test "$(stat -c %U:%G /var/lib/mod_occi 2>/dev/null)" = www-data:www-data

if a2enmod occi >"$work/a2enmod.log" 2>&1; then
    ok "a2enmod occi"
else
    bail "a2enmod occi" "$(cat "$work/a2enmod.log")"
fi
check "a2enmod occi enables mod_dbd too" a2query -q -m dbd
config_output=$(apache2ctl -t 2>&1)
config_status=$?
if [ "$config_status" = 0 ] && [ "$config_output" = "$config_before" ]; then
    ok "apache2ctl -t says no more than before the installation"
else
    not_ok "apache2ctl -t says no more than before the installation" \
        "before:" "$config_before" "with the module:" "$config_output"
fi

# ---- The API through the system httpd -----------------------------------------
log_offset=$(stat -c %s "$error_log" 2>/dev/null || echo 0)
started_httpd=1
if ! apache2ctl start >"$work/start.log" 2>&1; then
    bail "apache2ctl start" "$(cat "$work/start.log")" "$(tail -c +$((log_offset + 1)) "$error_log" | tail -n 10)"
fi
tries=0
until port_80_busy || [ $tries -ge 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
if port_80_busy; then
    ok "apache2ctl start: the system httpd listens on port 80"
else
    bail "apache2ctl start: the system httpd listens on port 80" \
        "$(tail -c +$((log_offset + 1)) "$error_log" | tail -n 10)"
fi

# curl_get NAME URL [CURL OPTIONS...]: $work/NAME.body and .headers; prints the status
curl_get() {
    local name=$1 url=$2
    shift 2
    curl -sS -m 20 -o "$work/$name.body" -D "$work/$name.headers" -w '%{http_code}' "$@" "$url" \
        2>"$work/$name.curl" || cat "$work/$name.curl" >&2
}
header() {         # header NAME FIELD: the value of FIELD in $work/NAME.headers
    sed -n "s/^$2: *//Ip" "$work/$1.headers" | tr -d '\r' | tail -n 1
}

status=$(curl_get text "$api/-/")
type=$(header text Content-Type)
if [ "$status" = 200 ] && [[ "$type" == text/plain* ]]; then
    ok "GET /occi/-/ answers 200 in text/plain"
else
    not_ok "GET /occi/-/ answers 200 in text/plain" "status $status, Content-Type $type" \
        "$(head -c 500 "$work/text.body" 2>/dev/null)"
fi
missing=
for kind in compute storage network; do
    grep -q "^Category: $kind; scheme=\"http://schemas.ogf.org/occi/infrastructure#\"; class=\"kind\"" \
        "$work/text.body" 2>/dev/null || missing="$missing $kind"
done
if [ -z "$missing" ]; then
    ok "the text/plain model has the compute, storage and network kinds"
else
    not_ok "the text/plain model has the compute, storage and network kinds" "missing:$missing"
fi

status=$(curl_get json "$api/-/" -H 'Accept: application/occi+json')
type=$(header json Content-Type)
if [ "$status" = 200 ] && [[ "$type" == application/occi+json* ]]; then
    ok "GET /occi/-/ answers 200 in application/occi+json"
else
    not_ok "GET /occi/-/ answers 200 in application/occi+json" "status $status, Content-Type $type"
fi
kinds=$(perl -MJSON::PP -e '
    local $/; my $model = decode_json(<STDIN>);
    print join(" ", sort map { $_->{term} } grep { $_->{scheme} eq
        "http://schemas.ogf.org/occi/infrastructure#" } @{$model->{kinds}});' \
    <"$work/json.body" 2>&1)
if [ "$kinds" = "compute network networkinterface storage storagelink" ]; then
    ok "the JSON model is valid JSON with the infrastructure kinds"
else
    not_ok "the JSON model is valid JSON with the infrastructure kinds" "got: $kinds"
fi

# A compute, made, read back, started, listed and deleted (the package's
# configuration keeps entities in the store only, OCCILibvirtURI none).
# Each line perl prints is "ok|DESCRIPTION|DIAGNOSTIC" or "not ok|...".
while IFS='|' read -r result description diagnostic; do
    if [ "$result" = ok ]; then ok "$description"; else not_ok "$description" "$diagnostic"; fi
done < <(perl -MHTTP::Tiny -MJSON::PP - "$api" "package-test-$$" 2>&1 <<'PERL'
use strict;
use warnings;
my ($api, $title) = @ARGV;
my $http = HTTP::Tiny->new(keep_alive => 1, timeout => 20);
my $json = 'application/occi+json';
sub result {
    my ($ok, $description, $diagnostic) = @_;
    $diagnostic = '' unless defined $diagnostic;
    $diagnostic =~ s/[|\r\n]/ /g;
    print(($ok ? 'ok' : 'not ok'), "|$description|", substr($diagnostic, 0, 400), "\n");
}
my $made = $http->post("$api/compute/", {
    headers => { 'Content-Type' => $json, Accept => $json },
    content => encode_json({ kind => 'http://schemas.ogf.org/occi/infrastructure#compute',
                             title => $title,
                             mixins => ['http://localhost/occi/resource_tpl#small'] }) });
my $location = $made->{headers}{location} // '';
result($made->{status} == 201 && index($location, "$api/compute/") == 0,
       "POST /occi/compute/ creates a compute (201 and its Location)",
       "$made->{status}: $location $made->{content}");
exit 0 unless $location;
my $read = $http->get($location, { headers => { Accept => $json } });
my $compute = eval { decode_json($read->{content}) } // {};
my $attributes = $compute->{attributes} // {};
my $found = join ' ', map { $_ // '' } $compute->{title}, $attributes->{'occi.compute.cores'},
    $attributes->{'occi.compute.state'};
result($read->{status} == 200 && $found eq "$title 1 inactive",
       "GET of the Location: the compute, with the flavour's cores, inactive",
       "$read->{status}: $found $read->{content}");
my $started = $http->post("$location?action=start", {
    headers => { 'Content-Type' => $json, Accept => $json },
    content => encode_json({ action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' }) });
my $state = (eval { decode_json($http->get($location, { headers => { Accept => $json } })->{content}) }
             // {})->{attributes}{'occi.compute.state'} // '';
result($started->{status} == 200 && $state eq 'active',
       "the start action: 200, and a GET shows it active", "$started->{status}: $state $started->{content}");
my $listed = $http->get("$api/compute/", { headers => { Accept => 'text/uri-list' } });
# Listings name entities by their absolute URLs, as Location does.
result($listed->{status} == 200 && $listed->{content} =~ /^\Q$location\E\r?$/m,
       "the compute collection lists it, by its URL", "$listed->{status}: $listed->{content}");
my $deleted = $http->delete($location);
my $gone = $http->get($location, { headers => { Accept => $json } });
result($deleted->{status} =~ /^20[04]$/ && $gone->{status} == 404,
       "DELETE removes it", "$deleted->{status}, then $gone->{status}");
PERL
)

# README's tour, as written, with http://127.0.0.1/occi/ for make run's
# http://127.0.0.1:8080/: every command answers 200, the creation 201 with
# the new compute's URL, whose <uuid> the later commands use.
tour_commands() {  # the curl commands of README's "A short tour", NUL-terminated
    perl -e '
        my @lines = <STDIN>;
        my ($in, $cur, @commands) = (0);
        for my $i (0 .. $#lines) {
            my ($line, $next) = ($lines[$i], $lines[$i + 1] // "");
            if (!$in) {
                $in = 1 if $line =~ /^A short tour\s*$/ && $next =~ /^-{3,}\s*$/;
                next;
            }
            last if $line =~ /^\S/ && $next =~ /^-{3,}\s*$/;    # the next section
            if ($line =~ s/^    //) {
                if ($line =~ /^curl\s/) {
                    push @commands, $cur if defined $cur;
                    $cur = $line;
                    next;
                }
                if (defined $cur && $line =~ /^\s/) {
                    $cur .= $line;
                    next;
                }
            }
            push @commands, $cur if defined $cur;
            undef $cur;
        }
        push @commands, $cur if defined $cur;
        print "$_\0" for @commands;' <"$src_dir/README"
}
tour_run() {       # tour_run COMMAND: its output, then its status on the last line
    curl() { command curl -sS -m 20 -w '\n%{http_code}\n' "$@"; }
    eval "$1" 2>&1
    unset -f curl
}
tour_count=0 uuid= last_output=
while IFS= read -r -d '' command; do
    tour_count=$((tour_count + 1))
    command=${command//http:\/\/127.0.0.1:8080\//$api/}
    if [[ "$command" == *'<uuid>'* ]]; then
        if [ -z "$uuid" ]; then
            not_ok "README's tour: $command" "no <uuid>: the creation gave no Location"
            continue
        fi
        command=${command//<uuid>/$uuid}
    fi
    output=$(tour_run "$command")
    status=$(tail -n 1 <<<"$output")
    expected=200
    if [[ "$command" == *'-X POST'* && "$command" != *'action='* ]]; then
        expected=201
        uuid=$(sed -n 's|^Location: .*/compute/\([0-9a-f-]*\)\r*$|\1|Ip' <<<"$output" | tail -n 1)
    fi
    summary=$(head -n 1 <<<"$command" | sed 's/ *\\$//')
    if [ "$status" = "$expected" ]; then
        ok "README's tour: $summary answers $expected"
    else
        not_ok "README's tour: $summary answers $expected" "status $status" "$(head -c 600 <<<"$output")"
    fi
    last_output=$output
done < <(tour_commands)
if [ "$tour_count" -ge 5 ]; then
    ok "README's tour has its $tour_count curl commands"
else
    not_ok "README's tour has its curl commands" "found $tour_count in $src_dir/README"
fi
if grep -q 'occi.compute.state="active"' <<<"$last_output"; then
    ok "README's tour: the compute it made and started is active"
else
    not_ok "README's tour: the compute it made and started is active" "$(head -c 600 <<<"$last_output")"
fi
status=$(curl_get console "$api/" -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8')
type=$(header console Content-Type)
if [ "$status" = 200 ] && [[ "$type" == text/html* ]]; then
    ok "a browser at $api/ gets the web console"
else
    not_ok "a browser at $api/ gets the web console" "status $status, Content-Type $type"
fi

# Debian's security.conf sets "ServerTokens OS": the module serves without
# OCCI/1.2 in the Server header, and says so once in the error log.
server=$(header text Server)
new_log=$(tail -c +$((log_offset + 1)) "$error_log" 2>/dev/null)
if [[ "$server" == *OCCI/1.2* ]]; then
    ok "the Server header carries OCCI/1.2 ($server)"
elif grep -q 'OCCI3: the Server header will lack OCCI/1.2' <<<"$new_log"; then
    ok "without ServerTokens Full (Server: $server) the error log says OCCI/1.2 is missing (OCCI3)"
else
    not_ok "the Server header carries OCCI/1.2, or the error log says why not" "Server: $server"
fi
errors=$(grep -E '\[[a-z_0-9]*:(warn|error|crit|alert|emerg)\]' <<<"$new_log" | grep -v ' OCCI3: ')
if [ -z "$errors" ]; then
    ok "the error log holds no errors and no warnings but OCCI3's"
else
    not_ok "the error log holds no errors and no warnings but OCCI3's" "$(head -n 10 <<<"$errors")"
fi

# ---- A client from another address ---------------------------------------------
# The package's <Location /occi/> says "Require local": the machine itself
# only. mod_authz_host counts as local a client whose address is the
# server's own address on that connection, so the client must be elsewhere:
# in a network namespace of its own, behind a veth pair with a /30 between
# the two ends.
log_offset=$(stat -c %s "$error_log" 2>/dev/null || echo 0)
subnet=
for n in $(seq 201 254); do
    ip -4 addr show | grep -q "inet 10\.213\.$n\." && continue
    ip -4 route show | grep -q "^10\.213\.$n\." && continue
    subnet=10.213.$n
    break
done
netns=occi-package-$$ veth=occih$$ peer=occin$$
if [ -n "$subnet" ] &&
    ip netns add "$netns" 2>"$work/netns.log" &&
    ip link add "$veth" type veth peer name "$peer" netns "$netns" 2>>"$work/netns.log" &&
    ip addr add "$subnet.1/30" dev "$veth" 2>>"$work/netns.log" &&
    ip link set "$veth" up 2>>"$work/netns.log" &&
    ip netns exec "$netns" ip addr add "$subnet.2/30" dev "$peer" 2>>"$work/netns.log" &&
    ip netns exec "$netns" ip link set "$peer" up 2>>"$work/netns.log" &&
    ip netns exec "$netns" ip link set lo up 2>>"$work/netns.log"; then
    ok "a network namespace with a veth pair: this machine $subnet.1, the client $subnet.2"
    status=$(ip netns exec "$netns" curl -sS -m 10 -o /dev/null -w '%{http_code}' \
        "http://$subnet.1/" 2>&1)
    if [ "$status" != 403 ] && [[ "$status" =~ ^[2-5][0-9][0-9]$ ]]; then
        ok "the client at $subnet.2 reaches httpd (GET / answers $status)"
    else
        not_ok "the client at $subnet.2 reaches httpd (GET / answers)" "got: $status"
    fi
    status=$(ip netns exec "$netns" curl -sS -m 10 -o /dev/null -w '%{http_code}' \
        "http://$subnet.1/occi/-/" 2>&1)
    if [ "$status" = 403 ]; then
        ok "the package's Require local: GET /occi/-/ from $subnet.2 answers 403"
    else
        not_ok "the package's Require local: GET /occi/-/ from $subnet.2 answers 403" "got: $status"
    fi
    status=$(ip netns exec "$netns" curl -sS -m 10 -o /dev/null -w '%{http_code}' -X POST \
        -H 'Content-Type: application/occi+json' \
        -d '{"kind": "http://schemas.ogf.org/occi/infrastructure#compute"}' \
        "http://$subnet.1/occi/compute/" 2>&1)
    if [ "$status" = 403 ]; then
        ok "the package's Require local: POST /occi/compute/ from $subnet.2 answers 403"
    else
        not_ok "the package's Require local: POST /occi/compute/ from $subnet.2 answers 403" "got: $status"
    fi
    status=$(curl_get own "http://$subnet.1/occi/-/")
    if [ "$status" = 200 ]; then
        ok "this machine, asking its own address $subnet.1, is local: 200"
    else
        not_ok "this machine, asking its own address $subnet.1, is local: 200" "got: $status"
    fi
else
    not_ok "a network namespace with a veth pair" "subnet: ${subnet:-none free}" \
        "$(cat "$work/netns.log" 2>/dev/null)"
fi
remove_netns
if ! ip netns list 2>/dev/null | grep -q "^occi-package-$$\b" &&
    ! ip link show "occih$$" >/dev/null 2>&1; then
    ok "the namespace and the veth pair are removed"
else
    not_ok "the namespace and the veth pair are removed" "$(ip netns list)" "$(ip -br link)"
fi
if grep -q "AH01630: client denied by server configuration: .*/occi/" \
        <(tail -c +$((log_offset + 1)) "$error_log" 2>/dev/null); then
    ok "the error log says why the client was refused (AH01630)"
else
    not_ok "the error log says why the client was refused (AH01630)"
fi

# ---- docs/production.md, section 5: TLS and authentication ---------------------------
# The commands below are those of the section, run as written (a check says
# so): mod_ssl and Basic authentication, a self-signed certificate where the
# section puts one, users in a password file, the site file (taken from the
# section), "Require all denied" in the module's configuration, a2ensite and
# a restart. Then port 80 refuses everyone, and port 443 wants a user.
section5=$(awk '/^## 5\./ { inside = 1; print; next } inside && /^## / { exit } inside' \
    "$src_dir/docs/production.md")
site=$(awk '/^```apache/ { block = ""; inside = 1; next }
            inside && /^```/ { inside = 0; if (block ~ /<VirtualHost \*:443>/) { printf "%s", block; exit } next }
            inside { block = block $0 "\n" }' <<<"$section5")
htpasswd() {       # as written, with -b and the user's password added
    local user=${!#}
    command htpasswd -b "$@" "password-of-$user"
}
section5_failed=0
run_doc() {        # run_doc COMMAND: a command of section 5, run as written
    if ! grep -qF -- "$1" <<<"$section5"; then
        not_ok "docs/production.md section 5 says: $1" "it does not: update this test or the section"
        section5_failed=1
        return 1
    fi
    echo "# $1" >>"$work/section5.log"
    if ! eval "$1" >>"$work/section5.log" 2>&1; then
        not_ok "$1" "$(tail -n 10 "$work/section5.log")"
        section5_failed=1
        return 1
    fi
}
if [ -z "$site" ]; then
    not_ok "docs/production.md section 5 has the <VirtualHost *:443> site file"
    section5_failed=1
fi
log_offset=$(stat -c %s "$error_log" 2>/dev/null || echo 0)
if [ "$section5_failed" = 0 ]; then
    run_doc "a2enmod ssl auth_basic authn_file" &&
    run_doc "openssl req -x509 -newkey rsa:3072 -nodes -days 365 -subj /CN=cloud.example.com \\
    -addext subjectAltName=DNS:cloud.example.com -addext basicConstraints=critical,CA:FALSE \\
    -keyout /etc/ssl/private/cloud.example.com.key -out /etc/ssl/certs/cloud.example.com.pem" &&
    printf '%s' "$site" >/etc/apache2/sites-available/occi.conf &&
    run_doc "htpasswd -c -B /etc/apache2/occi.htpasswd alice" &&
    run_doc "htpasswd -B /etc/apache2/occi.htpasswd bob" &&
    run_doc "htpasswd -B /etc/apache2/occi.htpasswd operator" &&
    run_doc "chgrp www-data /etc/apache2/occi.htpasswd && chmod 0640 /etc/apache2/occi.htpasswd" &&
    run_doc "sed -i 's/^\( *\)Require local\$/\1Require all denied/' /etc/apache2/mods-available/occi.conf" &&
    run_doc "a2ensite occi" &&
    run_doc "apache2ctl configtest && service apache2 restart" ||
    section5_failed=1
fi
if [ "$section5_failed" = 0 ]; then
    ok "docs/production.md section 5, followed as written: mod_ssl, a certificate, three users, the site, Require all denied, a restart"
    if grep -q '^ *Require all denied$' /etc/apache2/mods-available/occi.conf &&
        ! grep -q '^ *Require local$' /etc/apache2/mods-available/occi.conf; then
        ok "mods-available/occi.conf now says Require all denied"
    else
        not_ok "mods-available/occi.conf now says Require all denied" \
            "$(grep -n Require /etc/apache2/mods-available/occi.conf)"
    fi
    tries=0
    until port_busy 443 || [ $tries -ge 100 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    check "the restarted httpd listens on ports 80 and 443" eval 'port_busy 443 && port_80_busy'

    status=$(curl_get http80 "$api/compute/")
    if [ "$status" = 403 ]; then
        ok "port 80 refuses the API: GET http://127.0.0.1/occi/compute/ answers 403"
    else
        not_ok "port 80 refuses the API: GET http://127.0.0.1/occi/compute/ answers 403" "got: $status"
    fi
    status=$(curl_get http80user "$api/compute/" -u alice:password-of-alice)
    if [ "$status" = 403 ]; then
        ok "port 80 refuses the API with a user's credentials too (403)"
    else
        not_ok "port 80 refuses the API with a user's credentials too (403)" "got: $status"
    fi
    https=https://127.0.0.1/occi
    status=$(curl_get anonymous "$https/compute/" -k)
    if [ "$status" = 401 ]; then
        ok "GET https://127.0.0.1/occi/compute/ without credentials answers 401"
    else
        not_ok "GET https://127.0.0.1/occi/compute/ without credentials answers 401" "got: $status"
    fi
    status=$(curl_get wrong "$https/compute/" -k -u alice:not-her-password)
    if [ "$status" = 401 ]; then
        ok "a wrong password answers 401"
    else
        not_ok "a wrong password answers 401" "got: $status"
    fi
    status=$(curl_get alice "$https/compute/" -k -u alice:password-of-alice)
    if [ "$status" = 200 ]; then
        ok "GET https://127.0.0.1/occi/compute/ as alice answers 200"
    else
        not_ok "GET https://127.0.0.1/occi/compute/ as alice answers 200" "got: $status"
    fi
    status=$(curl_get alice-made "$https/compute/" -k -u alice:password-of-alice -X POST \
        -H 'Content-Type: application/occi+json' -H 'Accept: application/occi+json' \
        -d '{"kind": "http://schemas.ogf.org/occi/infrastructure#compute", "title": "alice-vm",
             "mixins": ["http://localhost/occi/resource_tpl#small"]}')
    location=$(header alice-made Location)
    if [ "$status" = 201 ] && [[ "$location" == "$https/compute/"* ]]; then
        ok "alice creates a compute over TLS (201, $location)"
    else
        not_ok "alice creates a compute over TLS (201 and its Location)" "status $status, Location $location" \
            "$(head -c 400 "$work/alice-made.body" 2>/dev/null)"
    fi
    status=$(curl_get operator "$location" -k -u operator:password-of-operator)
    listed=$(curl_get operator-list "$https/compute/" -k -u operator:password-of-operator \
        -H 'Accept: text/uri-list')
    if [ -n "$location" ] && [ "$status" = 200 ] && [ "$listed" = 200 ] &&
        tr -d '\r' <"$work/operator-list.body" | grep -qxF "$location"; then
        ok "the administrator (OCCIAdministrator operator) reads and lists alice's compute"
    else
        not_ok "the administrator (OCCIAdministrator operator) reads and lists alice's compute" \
            "GET $status, listing $listed: $(head -c 400 "$work/operator-list.body" 2>/dev/null)"
    fi
    status=$(curl_get bob "$location" -k -u bob:password-of-bob)
    listed=$(curl_get bob-list "$https/compute/" -k -u bob:password-of-bob -H 'Accept: text/uri-list')
    if [ -n "$location" ] && [ "$status" = 404 ] && [ "$listed" = 200 ] &&
        ! grep -q "${location##*/}" "$work/bob-list.body"; then
        ok "another user, bob, gets 404 for alice's compute and does not list it"
    else
        not_ok "another user, bob, gets 404 for alice's compute and does not list it" \
            "GET $status, listing $listed: $(head -c 400 "$work/bob-list.body" 2>/dev/null)"
    fi
    # Expected: OCCI3, the refusals on port 80 (AH01630) and the wrong
    # password (AH01617). AH01882 says that the libssl installed is older
    # than the one Debian's apache2-bin was built with, which is the
    # machine's business.
    new_log=$(tail -c +$((log_offset + 1)) "$error_log" 2>/dev/null)
    errors=$(grep -E '\[[a-z_0-9]*:(warn|error|crit|alert|emerg)\]' <<<"$new_log" |
        grep -v -e ' OCCI3: ' -e ' AH01630: client denied by server configuration: .*/occi/' \
            -e ' AH01617: user alice: authentication failure for "/occi/compute/": Password Mismatch' \
            -e ' AH01882: Init: this version of mod_ssl was compiled against a newer library')
    if [ -z "$errors" ]; then
        ok "the error log holds no errors and no warnings but OCCI3's and the refusals"
    else
        not_ok "the error log holds no errors and no warnings but OCCI3's and the refusals" \
            "$(head -n 10 <<<"$errors")"
    fi
fi
unset -f htpasswd

# ---- Removal ---------------------------------------------------------------------
if stop_httpd; then
    started_httpd=0
    ok "apache2ctl stop"
else
    not_ok "apache2ctl stop" "pid $(httpd_pid) is still running"
fi
# Section 5's site names module directives: it goes before the module does.
restore_etc
if purge; then
    ok "apt-get purge removes the package"
else
    not_ok "apt-get purge removes the package" "$(tail -n 10 "$work/purge.log")"
fi
left=
for path in /usr/lib/apache2/modules/mod_occi.so /etc/apache2/mods-available/occi.load \
        /etc/apache2/mods-available/occi.conf /etc/apache2/mods-enabled/occi.load \
        /etc/apache2/mods-enabled/occi.conf /var/lib/mod_occi; do
    [ -e "$path" ] && left="$left $path"
done
if [ -z "$left" ]; then
    ok "the purge leaves no module, configuration or data behind"
else
    not_ok "the purge leaves no module, configuration or data behind" "left:$left"
fi
if [ "$dbd_was_enabled" = 0 ]; then
    a2dismod -q dbd >/dev/null 2>&1
fi
restore_etc
config_after=$(apache2ctl -t 2>&1)
if [ "$config_after" = "$config_before" ]; then
    ok "apache2ctl -t says what it said before the test"
else
    not_ok "apache2ctl -t says what it said before the test" "before:" "$config_before" \
        "after:" "$config_after"
fi
etc_manifest >"$work/etc-after"
if cmp -s "$work/etc-before" "$work/etc-after"; then
    ok "/etc/apache2, the certificate and the password file are as before the test"
else
    not_ok "/etc/apache2, the certificate and the password file are as before the test" \
        "$(diff "$work/etc-before" "$work/etc-after" | head -n 20)"
fi
check "nothing listens on ports 80 and 443" eval '! port_80_busy && ! port_busy 443'
finish
