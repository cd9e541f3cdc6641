# SPDX-License-Identifier: Apache-2.0
# Placement on three hypervisor hosts (OCCIHypervisorHost h1, h2, h3),
# each a private libvirtd serving libvirt's test driver (16 CPUs, 3 GiB of
# memory), started by t/run-apache-test.sh, which names them in
# OCCI_TEST_HOST_URIS ("h1=URI h2=URI h3=URI"). Each daemon's virsh is the
# witness of where an entity went: new computes spread over the hosts, a
# full cloud refuses without naming a host, an entity's own host answers
# for it, links keep a compute with its network.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;
use Time::HiRes qw(sleep time);

my %uri = map { split /=/, $_, 2 } split ' ', ($ENV{OCCI_TEST_HOST_URIS} // '');
die "OCCI_TEST_HOST_URIS does not name the hosts h1, h2 and h3\n"
    unless join(' ', sort keys %uri) eq 'h1 h2 h3';
my @hosts = qw(h1 h2 h3);             # in the order of the configuration
my $compute_action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
my $full = qr/no host has room for 1 core and 1 GiB of memory/;

sub virsh { my ($host, @args) = @_; return virsh_at($uri{$host}, @args) }
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] }
sub domain_of { 'occi-' . id_of($_[0]) }
# mod_occi's domains (or networks) on a host, by name.
sub domains_on { grep { /^occi-/ } split /\n/, virsh($_[0], 'list', '--all', '--name') }
sub networks_on { grep { /^occi-/ } split /\n/, virsh($_[0], 'net-list', '--all', '--name') }
# The hosts whose daemon holds the domain (or network) of an entity.
sub hosts_with_domain {
    my ($path) = @_;
    my $name = domain_of($path);
    return grep { my $host = $_; grep { $_ eq $name } domains_on($host) } @hosts;
}
sub hosts_with_network {
    my ($path) = @_;
    my $name = domain_of($path);
    return grep { my $host = $_; grep { $_ eq $name } networks_on($host) } @hosts;
}
# "h1 h2 h3" => "3 3 3": how many of mod_occi's domains each host holds.
sub domain_counts { join ' ', map { scalar(my @d = domains_on($_)) } @hosts }
sub listing {
    my ($collection) = @_;
    my $res = json_request(GET => $collection);
    die "GET $collection: " . $res->code . "\n" unless $res->code == 200;
    return @{ (decode_json_body($res) || {})->{resources} || [] };
}
sub new_compute {
    my (%fields) = @_;
    return json_request(POST => '/compute/', { kind => INFRA . 'compute',
        attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 1 }, %fields });
}
sub act {
    my ($path, $term, %attributes) = @_;
    return json_request(POST => "$path?action=$term",
        { action => "$compute_action$term", (%attributes ? (attributes => \%attributes) : ()) });
}
sub api_state { (decode_json_body(json_request(GET => $_[0])) || {})->{attributes}{'occi.compute.state'} // '' }
# libvirt's word for a domain's state, as the API says it.
my %api_word = ('running' => 'active', 'shut off' => 'inactive', 'paused' => 'suspended');
sub libvirt_state {
    my ($host, $path) = @_;
    my $state = virsh($host, 'domstate', domain_of($path));
    return $api_word{$state} // "'$state'";
}
# Waits up to $seconds for five GETs in a row to show $state: a change
# made behind the API's back reaches each child with libvirt's event.
sub wait_api_state {
    my ($path, $state, $seconds) = @_;
    my $end = time + $seconds;
    my $in_a_row = 0;
    while (time < $end) {
        $in_a_row = api_state($path) eq $state ? $in_a_row + 1 : 0;
        return 1 if $in_a_row == 5;
        sleep 0.05;
    }
    diag "$path is still " . api_state($path) . ", not $state";
    return 0;
}
# A refusal names no host and no socket: tenants never learn where
# entities live.
sub names_no_host {
    my ($text) = @_;
    my @sockets = map { m{socket=([^&]+)} ? $1 : () } values %uri;
    return !grep { index($text, $_) >= 0 } @hosts, @sockets, 'libvirt-sock';
}
sub message { (decode_json_body($_[0]) || {})->{message} // '' }

# Every compute this test made and still has: path => the host it is on.
my %lives_on;

is domain_counts(), '0 0 0', 'no host holds a domain of mod_occi at the start';

# ---- Spread: one each, then three each ---------------------------------------
for my $i (0 .. 2) {
    my ($path, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => "spread $i",
        attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 1 } });
    is $res->code, 201, "compute $i of 1 core and 1 GiB: 201" or diag $res->content;
    my @on = hosts_with_domain($path);
    is "@on", $hosts[$i], "its domain is on $hosts[$i] alone (most free memory, then the configured order)";
    $lives_on{$path} = $on[0] if @on == 1;
}
is domain_counts(), '1 1 1', 'three computes: each host holds one domain';

# The same in the text rendering for the next six.
for my $i (3 .. 8) {
    my $res = occi_request(POST => '/compute/', ['Content-Type' => 'text/plain', Accept => 'text/plain'],
        join("\n", 'Category: compute; scheme="' . INFRA . '"; class="kind"',
             "X-OCCI-Attribute: occi.core.title=\"spread $i\"",
             'X-OCCI-Attribute: occi.compute.cores=1', 'X-OCCI-Attribute: occi.compute.memory=1', ''));
    is $res->code, 201, "compute $i (text/plain): 201" or diag $res->content;
    my $path = location_path($res->header('Location'));
    my @on = hosts_with_domain($path // '/compute/none');
    is scalar(@on), 1, "its domain is on one host ($on[0])" or diag "on: @on";
    $lives_on{$path} = $on[0] if $path && @on == 1;
}
is domain_counts(), '3 3 3', 'nine computes: every host holds three (3 GiB each, all taken)';
is scalar(listing('/compute/')), 9, 'the compute collection holds nine';

# ---- Full: the tenth is refused, and nothing is made ---------------------------
my $res = new_compute(title => 'tenth');
is $res->code, 409, 'a tenth compute of 1 core and 1 GiB: 409' or diag $res->content;
like message($res), $full, 'saying what was asked and that no host has room' or diag $res->content;
note 'the answer: ' . message($res);
ok names_no_host($res->content), 'naming no host and no socket' or diag $res->content;
$res = occi_request(POST => '/compute/', ['Content-Type' => 'text/plain', Accept => 'text/plain'],
    join("\n", 'Category: compute; scheme="' . INFRA . '"; class="kind"',
         'X-OCCI-Attribute: occi.compute.cores=1', 'X-OCCI-Attribute: occi.compute.memory=1', ''));
is $res->code, 409, 'the same in text/plain: 409' or diag $res->content;
like $res->content, $full, 'with the same sentence';
ok names_no_host($res->content), 'naming no host either' or diag $res->content;
is domain_counts(), '3 3 3', 'no domain was defined on any host';
is scalar(listing('/compute/')), 9, 'and the collection still holds nine';
ok !grep({ ($_->{title} // '') eq 'tenth' } listing('/compute/')), 'none of them the refused one';

# ---- A freed place is taken again -----------------------------------------------
my ($freed) = grep { $lives_on{$_} eq $hosts[1] } sort keys %lives_on;
$res = json_request(DELETE => $freed);
ok $res->code =~ /^20[04]$/, "DELETE a compute on $hosts[1]" or diag $res->code . ' ' . $res->content;
delete $lives_on{$freed};
is_deeply [hosts_with_domain($freed)], [], 'its domain is gone';
is domain_counts(), '3 2 3', "from $hosts[1] only";
my ($again, $again_res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'again',
    attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 1 } });
is $again_res->code, 201, 'a compute of 1 core and 1 GiB again: 201' or diag $again_res->content;
is join(' ', hosts_with_domain($again)), $hosts[1], "its domain is on $hosts[1], where the room was";
$lives_on{$again} = $hosts[1];
is domain_counts(), '3 3 3', 'every host holds three again';

# ---- Each compute's own host answers for it -------------------------------------
my %started;                            # host => a compute started there
for my $host (@hosts) {
    my ($path) = grep { $lives_on{$_} eq $host } sort keys %lives_on;
    $res = act($path, 'start');
    is $res->code, 200, "start a compute on $host through the API: 200" or diag $res->content;
    is virsh($host, 'domstate', domain_of($path)), 'running', "virsh on $host: running";
    is api_state($path), 'active', 'GET: active';
    $started{$host} = $path;
}
# A change behind the API's back shows only if the API asks the right host.
virsh($hosts[2], 'suspend', domain_of($started{$hosts[2]}));
is virsh($hosts[2], 'domstate', domain_of($started{$hosts[2]})), 'paused', "virsh suspend on $hosts[2]: paused";
ok wait_api_state($started{$hosts[2]}, 'suspended', 15), 'GET: suspended, as its host says';
is act($started{$hosts[2]}, 'start')->code, 200, 'start resumes it through the API';
is virsh($hosts[2], 'domstate', domain_of($started{$hosts[2]})), 'running', "virsh on $hosts[2]: running";

my @before = map { [domains_on($_)] } @hosts;
$res = json_request(DELETE => $started{$hosts[2]});
ok $res->code =~ /^20[04]$/, "DELETE the running compute on $hosts[2]" or diag $res->content;
is_deeply [domains_on($hosts[2])], [grep { $_ ne domain_of($started{$hosts[2]}) } @{ $before[2] }],
    "its domain is gone from $hosts[2]";
is_deeply [[domains_on($hosts[0])], [domains_on($hosts[1])]], [$before[0], $before[1]],
    "and nothing changed on $hosts[0] and $hosts[1]";
delete $lives_on{$started{$hosts[2]}};
delete $started{$hosts[2]};

# ---- A network, and computes linked to it ---------------------------------------
# h3 has 1 GiB free, the others none: the network (which asks for no
# memory) goes where the most is free.
my ($net, $net_res) = create_json('/network/', { kind => INFRA . 'network', title => 'lan' });
is $net_res->code, 201, 'a network: 201' or diag $net_res->content;
my @net_on = hosts_with_network($net);
is "@net_on", $hosts[2], "its libvirt network is on $hosts[2] alone, the host with the most free memory";
my $net_host = $net_on[0] // $hosts[2];

# Now h1 gets more room than the network's host: a plain compute would go
# there, one linked to the network must not.
my @idle_h1 = grep { $lives_on{$_} eq $hosts[0] && $_ ne ($started{$hosts[0]} // '') } sort keys %lives_on;
for my $path (@idle_h1[0, 1]) {
    $res = json_request(DELETE => $path);
    ok $res->code =~ /^20[04]$/, "DELETE a stopped compute on $hosts[0]" or diag $res->content;
    delete $lives_on{$path};
}
is domain_counts(), '1 3 2', "$hosts[0] has 2 GiB free, $hosts[2] 1 GiB, $hosts[1] none";

my $inline_link = sub { (links => [{ kind => INFRA . 'networkinterface', target => $net }]) };
my ($linked, $linked_res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'linked',
    attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 1 }, $inline_link->() });
is $linked_res->code, 201, 'a compute with an inline networkinterface to the network: 201'
    or diag $linked_res->content;
is join(' ', hosts_with_domain($linked)), $net_host,
    "its domain is on the network's host ($net_host), not where the most memory is free";
$lives_on{$linked} = $net_host;
like virsh($net_host, 'domiflist', domain_of($linked)), qr/\Q${\ domain_of($net) }\E/,
    'with an interface on the network';
is domain_counts(), '1 3 3', "$net_host is full now";

my $count = scalar listing('/compute/');
my $links = scalar listing('/networkinterface/');
$res = new_compute(title => 'linked, no room', $inline_link->());
is $res->code, 409, "another one linked to the network, whose host is full: 409" or diag $res->content;
like message($res), qr/network's host has no room for 1 core and 1 GiB of memory/,
    'saying its network\'s host has no room for what was asked' or diag $res->content;
note 'the answer: ' . message($res);
ok names_no_host($res->content), 'naming no host' or diag $res->content;
is domain_counts(), '1 3 3', 'no domain was defined';
is scalar(listing('/compute/')), $count, 'no compute was stored';
is scalar(listing('/networkinterface/')), $links, 'nor any interface';

# There was room elsewhere all along: the refusal was about the network.
my ($plain, $plain_res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'plain',
    attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 1 } });
is $plain_res->code, 201, 'a compute without a link: 201' or diag $plain_res->content;
is join(' ', hosts_with_domain($plain)), $hosts[0], "on $hosts[0], which had room";
$lives_on{$plain} = $hosts[0];

# ---- A standalone link across hosts ------------------------------------------------
$links = scalar listing('/networkinterface/');
my $interfaces = virsh($hosts[0], 'domiflist', domain_of($plain));
$res = json_request(POST => '/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $plain, target => $net });
is $res->code, 409, "a networkinterface from a compute on $hosts[0] to the network on $net_host: 409"
    or diag $res->content;
like message($res), qr/different hosts/, 'saying they are on different hosts' or diag $res->content;
note 'the answer: ' . message($res);
ok names_no_host($res->content), 'naming neither' or diag $res->content;
is scalar(listing('/networkinterface/')), $links, 'no interface was stored';
is virsh($hosts[0], 'domiflist', domain_of($plain)), $interfaces, 'nor attached to the domain';
ok !grep({ ($_->{kind} // '') eq INFRA . 'networkinterface' }
         @{ (decode_json_body(json_request(GET => $plain)) || {})->{links} || [] }),
    'the compute shows no link';
is join(' ', hosts_with_network($net)), $net_host, 'the network stayed where it was';
my ($second_link, $second_res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $linked, target => $net });
is $second_res->code, 201, 'from the compute on the network\'s host, a second interface: 201'
    or diag $second_res->content;
is scalar(() = virsh($net_host, 'domiflist', domain_of($linked)) =~ /\Q${\ domain_of($net) }\E/g), 2,
    'its domain has two interfaces on the network';

# ---- Listings: every compute, with its own host's state ------------------------------
is act($linked, 'start')->code, 200, "start the linked compute on $net_host";
my %listed = map { (entity_path($_) => $_) } listing('/compute/');
is_deeply [sort keys %listed], [sort keys %lives_on], 'GET /compute/ lists every compute, on every host';
my %active_on;
for my $path (sort keys %lives_on) {
    my $state = $listed{$path} ? $listed{$path}{attributes}{'occi.compute.state'} // '' : 'not listed';
    is $state, libvirt_state($lives_on{$path}, $path),
        "$path is listed $state, as $lives_on{$path} says";
    $active_on{$lives_on{$path}}++ if $state eq 'active';
}
is join(' ', map { $active_on{$_} ? 'active' : 'none' } @hosts), 'active active active',
    'with a running compute on each host among them';

# ---- Clean up -----------------------------------------------------------------------
for my $path (sort keys %lives_on) {
    $res = json_request(DELETE => $path);
    ok $res->code =~ /^20[04]$/, "DELETE $path" or diag $res->code . ' ' . $res->content;
}
$res = json_request(DELETE => $net);
ok $res->code =~ /^20[04]$/, 'DELETE the network' or diag $res->code . ' ' . $res->content;
is domain_counts(), '0 0 0', 'no host holds a domain of mod_occi at the end';
is join(' ', map { scalar(my @n = networks_on($_)) } @hosts), '0 0 0', 'nor a network';
is scalar(listing('/compute/')), 0, 'and the collection is empty';

done_testing();
