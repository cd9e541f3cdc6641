# SPDX-License-Identifier: Apache-2.0
package OCCITest;
# Helpers shared by the Apache::Test suites: requests with any method and
# headers, parsers for the text renderings written from GFD.229 (not from
# the module's code), and the OCCI 1.2 model the query interface must show.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use HTTP::Request ();
use JSON::PP ();
use Apache::Test ();
use Apache::TestRequest ();
use MIME::Base64 ();

our @EXPORT = qw(occi_request file_text parse_category_value parse_text_categories
                 split_header_values decode_json_body %STANDARD %TEMPLATES %PROVIDER
                 CORE INFRA json_request create_json text_attributes
                 location_path url_of entity_path uri_paths private_server_conf
                 httpd_modules as_tenant tenant_path virsh_at browser_results);

use constant CORE  => 'http://schemas.ogf.org/occi/core#';
use constant INFRA => 'http://schemas.ogf.org/occi/infrastructure#';

my $compute_action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
my $storage_action = 'http://schemas.ogf.org/occi/infrastructure/storage/action#';
my $network_action = 'http://schemas.ogf.org/occi/infrastructure/network/action#';

# Every category of OCCI Core and Infrastructure 1.2: class, location
# (below the mount point), attributes, actions.
our %STANDARD = (
    CORE . 'entity' => { class => 'kind', location => '/entity/',
        attributes => [qw(occi.core.id occi.core.title)] },
    CORE . 'resource' => { class => 'kind', location => '/resource/', parent => CORE . 'entity',
        attributes => [qw(occi.core.summary)] },
    CORE . 'link' => { class => 'kind', location => '/link/', parent => CORE . 'entity',
        attributes => [qw(occi.core.source occi.core.target)] },
    INFRA . 'compute' => { class => 'kind', location => '/compute/', parent => CORE . 'resource',
        attributes => [qw(occi.compute.architecture occi.compute.cores occi.compute.hostname
                          occi.compute.share occi.compute.memory occi.compute.state
                          occi.compute.state.message)],
        actions => [map { $compute_action . $_ } qw(start stop restart suspend save)] },
    INFRA . 'storage' => { class => 'kind', location => '/storage/', parent => CORE . 'resource',
        attributes => [qw(occi.storage.size occi.storage.state occi.storage.state.message)],
        actions => [map { $storage_action . $_ } qw(online offline)] },
    INFRA . 'network' => { class => 'kind', location => '/network/', parent => CORE . 'resource',
        attributes => [qw(occi.network.vlan occi.network.label occi.network.state
                          occi.network.state.message)],
        actions => [map { $network_action . $_ } qw(up down)] },
    INFRA . 'storagelink' => { class => 'kind', location => '/storagelink/', parent => CORE . 'link',
        attributes => [qw(occi.storagelink.deviceid occi.storagelink.mountpoint
                          occi.storagelink.state occi.storagelink.state.message)] },
    INFRA . 'networkinterface' => { class => 'kind', location => '/networkinterface/',
        parent => CORE . 'link',
        attributes => [qw(occi.networkinterface.interface occi.networkinterface.mac
                          occi.networkinterface.state occi.networkinterface.state.message)] },
    $compute_action . 'start'   => { class => 'action' },
    $compute_action . 'stop'    => { class => 'action', attributes => ['method'],
        enum => { method => [qw(graceful acpioff poweroff)] } },
    $compute_action . 'restart' => { class => 'action', attributes => ['method'],
        enum => { method => [qw(graceful warm cold)] } },
    $compute_action . 'suspend' => { class => 'action', attributes => ['method'],
        enum => { method => [qw(hibernate suspend)] } },
    $compute_action . 'save'    => { class => 'action', attributes => [qw(method name)],
        enum => { method => [qw(hot deferred)] } },
    $storage_action . 'online'  => { class => 'action' },
    $storage_action . 'offline' => { class => 'action' },
    $network_action . 'up'      => { class => 'action' },
    $network_action . 'down'    => { class => 'action' },
    'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork' => { class => 'mixin',
        location => '/mixin/ipnetwork/', applies => [INFRA . 'network'],
        attributes => [qw(occi.network.address occi.network.gateway occi.network.allocation)] },
    'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface' => {
        class => 'mixin', location => '/mixin/ipnetworkinterface/',
        applies => [INFRA . 'networkinterface'],
        attributes => [qw(occi.networkinterface.address occi.networkinterface.gateway
                          occi.networkinterface.allocation)] },
    INFRA . 'os_tpl' => { class => 'mixin', location => '/mixin/os_tpl/',
        applies => [INFRA . 'compute'] },
    INFRA . 'resource_tpl' => { class => 'mixin', location => '/mixin/resource_tpl/',
        applies => [INFRA . 'compute'] },
    'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key' => { class => 'mixin',
        location => '/mixin/ssh_key/', applies => [INFRA . 'compute'],
        attributes => [qw(occi.credentials.ssh.publickey)] },
    'http://schemas.ogf.org/occi/infrastructure/compute#user_data' => { class => 'mixin',
        location => '/mixin/user_data/', applies => [INFRA . 'compute'],
        attributes => [qw(occi.compute.userdata)] },
);

# The templates of conf/templates.conf, which the test server includes.
our %TEMPLATES = (
    'http://localhost/occi/os_tpl#debian12' => { depends => INFRA . 'os_tpl',
        location => '/mixin/os_tpl/debian12/', title => 'Debian 12 (bookworm)' },
    'http://localhost/occi/os_tpl#cirros' => { depends => INFRA . 'os_tpl',
        location => '/mixin/os_tpl/cirros/', title => 'CirrOS 0.6' },
    'http://localhost/occi/resource_tpl#small' => { depends => INFRA . 'resource_tpl',
        location => '/mixin/resource_tpl/small/', cores => 1, memory => 0.5 },
    'http://localhost/occi/resource_tpl#medium' => { depends => INFRA . 'resource_tpl',
        location => '/mixin/resource_tpl/medium/', cores => 2, memory => 2 },
    'http://localhost/occi/resource_tpl#large' => { depends => INFRA . 'resource_tpl',
        location => '/mixin/resource_tpl/large/', cores => 4, memory => 8 },
);

# The provider's own kinds every server lists: each tenant's quota (the
# provider scheme of the test configuration is the default one).
our %PROVIDER = (
    'http://localhost/occi/quota#quota' => { class => 'kind', location => '/quota/',
        parent => CORE . 'resource',
        attributes => [qw(quota.tenant quota.cores.used quota.cores.limit quota.memory.used
                          quota.memory.limit quota.storage.used quota.storage.limit
                          quota.computes.used quota.computes.limit quota.networks.used
                          quota.networks.limit)] },
);

# With OCCI_TEST_HTTPS naming the directory of the test CA and certificates
# (made by t/run-apache-test.sh), every request goes over HTTPS to the
# occi_tls virtual host, presenting alice's client certificate.
if (my $tls = $ENV{OCCI_TEST_HTTPS}) {
    # Apache::Test looks for mod_ssl's own test virtual host under https.
    Apache::Test::vars()->{ssl_module_name} = 'occi_tls';
    Apache::TestRequest::module('occi_tls');
    Apache::TestRequest::scheme('https');
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1, ssl_opts => {
        SSL_ca_file => "$tls/ca.pem", SSL_cert_file => "$tls/alice.pem",
        SSL_key_file => "$tls/alice.key" });
}

# occi_request(METHOD, PATH, [HEADER => VALUE, ...], [BODY]) -> HTTP::Response
sub occi_request {
    my ($method, $path, $headers, $body) = @_;
    my $url = Apache::TestRequest::resolve_url($path);
    my $request = HTTP::Request->new($method => $url, $headers || [], $body);
    my $res = Apache::TestRequest::user_agent()->request($request);
    die "OCCI_TEST_HTTPS is set but $url was not fetched over TLS\n"
        if $ENV{OCCI_TEST_HTTPS} && !$res->header('Client-SSL-Cipher');
    return $res;
}

# Splits a header value on commas outside quoted strings (RFC 7230).
sub split_header_values {
    my ($value) = @_;
    my (@values, $current, $quoted);
    $current = '';
    for (my $i = 0; $i < length $value; $i++) {
        my $c = substr $value, $i, 1;
        if ($quoted && $c eq '\\') {
            $current .= $c . substr($value, ++$i, 1);
            next;
        }
        $quoted = !$quoted if $c eq '"';
        if ($c eq ',' && !$quoted) {
            push @values, $current;
            $current = '';
            next;
        }
        $current .= $c;
    }
    push @values, $current if $current =~ /\S/;
    s/^\s+|\s+$//g for @values;
    return @values;
}

# Parses one category-value into { term, scheme, class, title, rel,
# location, attributes => [...], actions => [...] }, per GFD.229's ABNF.
sub parse_category_value {
    my ($value) = @_;
    my ($term, $rest) = $value =~ /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$/s
        or return;
    my %category = (term => $term);
    while ($rest =~ /\G;\s*([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))\s*/gc) {
        my ($name, $quoted, $bare) = ($1, $2, $3);
        my $v = defined $quoted ? $quoted =~ s/\\(.)/$1/gr : $bare;
        $category{$name} = $v;
    }
    # attribute-def = name [ "{" property *( SP property ) "}" ]
    my @defs = ($category{attributes} // '') =~ /([^\s{]+(?:\{[^}]*\})?)/g;
    $category{attributes} = [map { s/\{.*\}$//r } @defs];
    $category{attribute_flags} = { map { /^([^{]+)(?:\{(.*)\})?$/; ($1 => $2 // '') } @defs };
    $category{actions} = [split ' ', ($category{actions} // '')];
    return \%category;
}

# Parses a text/plain body of "Category:" lines into a hash by type id.
sub parse_text_categories {
    my ($body) = @_;
    my %categories;
    for my $line (split /\r?\n/, $body) {
        next unless $line =~ /^Category:\s*(.*)$/;
        for my $value (split_header_values($1)) {
            my $category = parse_category_value($value) or return;
            $categories{$category->{scheme} . $category->{term}} = $category;
        }
    }
    return \%categories;
}

# The whole text of a file (an error log), or '' when it cannot be read.
sub file_text {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return <$fh> // '';
}

# json_request(METHOD, PATH, DATA, [HEADER => VALUE...]): DATA is encoded
# as application/occi+json (undef: no body); JSON is accepted back.
sub json_request {
    my ($method, $path, $data, @headers) = @_;
    my @body = defined $data ? (JSON::PP->new->utf8->canonical->encode($data)) : ();
    return occi_request($method => $path,
        [Accept => 'application/occi+json',
         (@body ? ('Content-Type' => 'application/occi+json') : ()), @headers], @body);
}

# as_tenant(USER, METHOD, PATH, DATA): json_request below /tenants/ (the
# mount point with Basic authentication) as USER, whose password in the
# test configuration is USER-secret; no USER: anonymous.
sub as_tenant {
    my ($user, $method, $path, $data) = @_;
    my @auth = $user ? (Authorization => 'Basic '
                        . MIME::Base64::encode_base64("$user:$user-secret", '')) : ();
    return json_request($method, "/tenants$path", $data, @auth);
}

# The path below /tenants/ of the entity a response's Location names (what
# as_tenant takes), or '' when it names none.
sub tenant_path {
    my ($res) = @_;
    return location_path($res->header('Location') // '') =~ s{^/tenants}{}r;
}

# virsh against URI with ARGS (each quoted for the shell); what it printed,
# errors included, without the trailing newline.
sub virsh_at {
    my ($uri, @args) = @_;
    my $quoted = join ' ', map { (my $arg = $_) =~ s/'/'\\''/g; "'$arg'" } @args;
    my $output = `virsh -q -c '$uri' $quoted 2>&1`;
    $output =~ s/\s+$//;
    return $output;
}

# Creates an entity from DATA at the collection PATH; returns the path of
# the new entity (below the host) and the response.
sub create_json {
    my ($path, $data) = @_;
    my $res = json_request(POST => $path, $data);
    return (location_path($res->header('Location')), $res);
}

# The configuration of an httpd of a test's own, in $dir on 127.0.0.1:$port:
# its runtime files and error log ("$dir/error_log") there, the event MPM,
# authz_core, children as nobody when the suite runs as root, then $lines.
# mod_occi from the build tree is $OCCITest::MODULE, the modules of the
# httpd under test are below httpd_modules().
our $MODULE = do { (my $lib = __FILE__) =~ s{/[^/]*$}{}; "$lib/../../.libs/mod_occi.so" };
my $modules_dir;
sub httpd_modules {
    unless ($modules_dir) {
        my $config = Apache::Test::config();
        chomp($modules_dir = `$config->{vars}{apxs} -q LIBEXECDIR`);
    }
    return $modules_dir;
}
sub private_server_conf {
    my ($dir, $port, $lines, $name) = @_;
    my $modules = httpd_modules();
    my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
    $name //= 'httpd';
    return <<"CONF";
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/$name.pid"
ErrorLog "$dir/${name}_error_log"
Listen 127.0.0.1:$port
ServerName 127.0.0.1
$user
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
$lines
CONF
}

# The absolute URL the server writes for PATH (a path below the host):
# locations of entities are absolute URLs in every rendering.
sub url_of {
    my ($path) = @_;
    return Apache::TestRequest::resolve_url($path);
}

# The path of an entity of a JSON rendering (which carries no location):
# its kind's location (the kind's term, for the standard kinds) and its id,
# below PREFIX.
sub entity_path {
    my ($entity, $prefix) = @_;
    return undef unless ref $entity eq 'HASH' && $entity->{id} && $entity->{kind};
    (my $id = $entity->{id}) =~ s/^urn:uuid://;
    (my $term = $entity->{kind}) =~ s/.*#//;
    return ($prefix // '') . "/$term/$id";
}

# The paths of a text/uri-list body (or of X-OCCI-Location values): every
# line must be an absolute URL, which is what clients such as pOCCI and
# rOCCI accept; a line that is not dies with the line in the message.
sub uri_paths {
    my ($text) = @_;
    return map {
        m{^https?://[^/\s]+(/\S*)$} ? $1 : die "not an absolute URL: '$_'\n"
    } grep { length } split /\r?\n/, $text // '';
}

# The path part of a Location header.
sub location_path {
    my ($location) = @_;
    return undef unless defined $location;
    $location =~ s{^https?://[^/]+}{};
    return $location;
}

# X-OCCI-Attribute values of a text rendering (body lines or headers) as
# name => raw value text.
sub text_attributes {
    my (@values) = @_;
    my %attributes;
    for my $value (map { split_header_values($_) } @values) {
        my ($name, $raw) = $value =~ /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/ or next;
        $raw =~ s/^"(.*)"$/$1/s and $raw =~ s/\\(.)/$1/g;
        $attributes{$name} = $raw;
    }
    return \%attributes;
}

# What a browser script of t/console printed (one JSON object per line:
# {"ok", "name", "diag"} for each step, then {"done": true, ...}), each
# step an assertion and any other line a diagnostic: the last object, or
# undef when the script did not get to its end, and the count of steps.
sub browser_results {
    my ($output) = @_;
    my ($done, $steps) = (undef, 0);
    for my $line (split /\n/, $output) {
        my $result = $line =~ /^\{/ ? eval { JSON::PP->new->decode($line) } : undef;
        if (!$result) {
            Test::More::diag($line);
        }
        elsif ($result->{done}) {
            $done = $result;
        }
        else {
            $steps++;
            Test::More::ok($result->{ok}, "browser: $result->{name}")
                or Test::More::diag($result->{diag} // '');
        }
    }
    return ($done, $steps);
}

sub decode_json_body {
    my ($response) = @_;
    return eval { JSON::PP->new->utf8->decode($response->content) };
}

1;
