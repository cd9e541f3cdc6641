#!/bin/bash
# Builds the Debian package (debian/) from a copy of the source tree with
# dpkg-buildpackage, installs it on this machine, enables it in the system
# httpd with a2enmod and asks the API through http://127.0.0.1/occi/; then
# stops httpd, purges the package and disables what a2enmod enabled with
# it. apache2 itself stays installed, and so do the packages the build and
# the package needed.
# Usage: package-test.sh SRC_DIR [LOG_DIR]
# Needs root, dpkg and apt-get, and port 80 free. Prints TAP ("ok N - ...")
# and a closing "package test: P passed, F failed"; exits 1 on a failure.
# The build log is kept in LOG_DIR (default SRC_DIR/t/logs) as package-build.log.
set -u
src_dir=$(cd "$1" && pwd)
log_dir=${2:-$src_dir/t/logs}
mkdir -p "$log_dir"

# What the build (debian/control's Build-Depends) and this test need.
build_packages="dpkg-dev debhelper apache2-dev apache2-bin libapr1-dev libaprutil1-dev
libaprutil1-dbd-sqlite3 libjson-c-dev libpq-dev libvirt-dev autoconf automake libtool pkg-config
build-essential"
test_packages="apache2 curl perl"
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
started_httpd=0 dbd_was_enabled=1
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
port_80_busy() {
    perl -MIO::Socket::INET -e \
        'exit(IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => 80, Timeout => 2) ? 0 : 1)'
}

# Whatever happens, nothing of the test is left running or installed.
cleanup() {
    [ -n "$work" ] || return 0
    if [ "$started_httpd" = 1 ]; then
        stop_httpd
    fi
    if installed "$package"; then
        purge || true
    fi
    if [ "$dbd_was_enabled" = 0 ] && a2query -q -m dbd 2>/dev/null; then
        a2dismod -q dbd >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap finish EXIT

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
a2query -q -m dbd 2>/dev/null || dbd_was_enabled=0

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
    $diagnostic =~ s/[|\n]/ /g;
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
(my $path = $location) =~ s{^https?://[^/]+}{};
result($listed->{status} == 200 && $listed->{content} =~ /^\Q$path\E\r?$/m,
       "the compute collection lists it", "$listed->{status}: $listed->{content}");
my $deleted = $http->delete($location);
my $gone = $http->get($location, { headers => { Accept => $json } });
result($deleted->{status} =~ /^20[04]$/ && $gone->{status} == 404,
       "DELETE removes it", "$deleted->{status}, then $gone->{status}");
PERL
)

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

# ---- Removal ---------------------------------------------------------------------
if stop_httpd; then
    started_httpd=0
    ok "apache2ctl stop"
else
    not_ok "apache2ctl stop" "pid $(httpd_pid) is still running"
fi
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
config_after=$(apache2ctl -t 2>&1)
if [ "$config_after" = "$config_before" ]; then
    ok "apache2ctl -t says what it said before the test"
else
    not_ok "apache2ctl -t says what it said before the test" "before:" "$config_before" \
        "after:" "$config_after"
fi
finish
