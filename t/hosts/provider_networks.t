# SPDX-License-Identifier: Apache-2.0
# Provider networks on three hosts (the hosts run: OCCIProviderNetwork
# public bridge=br-public, tagged bridge=br-ovs openvswitch, office
# bridge=br-ovs vlan=42 openvswitch): a network made with a provider
# network's mixin belongs to no host; computes on different hosts join it,
# and each host learns of it (a libvirt network in bridge mode over the
# operator's bridge) when its first compute there does; a VLAN tag is
# honoured on Open vSwitch and refused elsewhere with a 400 that says why;
# a compute on one migrates; nothing is left on any host once all is
# deleted. Each daemon's virsh is the witness.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my %uri = map { split /=/, $_, 2 } split ' ', ($ENV{OCCI_TEST_HOST_URIS} // '');
plan skip_all => 'the hosts run sets OCCI_TEST_HOST_URIS' unless keys %uri == 3;
my @hosts = sort keys %uri;
my $scheme = 'http://localhost/occi/provider_network#';
my $group = 'http://localhost/occi/placement#anti_affinity';

sub as { as_tenant(@_) }
sub virsh { my ($host, @args) = @_; return virsh_at($uri{$host}, @args) }
sub path_of { tenant_path($_[0]) }
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] // 'none' }
sub networks_on { grep { /^occi-/ } split /\n/, virsh($_[0], 'net-list', '--all', '--name') }
sub hosts_with_network {
    my $name = 'occi-' . id_of($_[0]);
    return join ',', grep { my $h = $_; grep { $_ eq $name } networks_on($h) } @hosts;
}
sub host_of_compute {
    my $name = 'occi-' . id_of($_[0]);
    return join ',', grep { my $h = $_; grep { $_ eq $name } split /\n/, virsh($h, 'list', '--all', '--name') } @hosts;
}
sub network {
    my ($mixin, %attributes) = @_;
    return as(alice => POST => '/network/', { kind => INFRA . 'network', title => "on $mixin",
        mixins => ["$scheme$mixin"], (%attributes ? (attributes => \%attributes) : ()) });
}
# A compute with an interface on network; computes of one anti-affinity
# group go to different hosts.
sub compute_on {
    my ($network, $name, $in_group) = @_;
    return as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => $name,
        ($in_group ? (mixins => [$group]) : ()),
        attributes => { 'occi.compute.memory' => 0.25, ($in_group ? ('placement.group' => $in_group) : ()) },
        links => [{ kind => INFRA . 'networkinterface', target => $network }] });
}
my @made;
END { as(alice => DELETE => $_) for reverse @made }

# ---- Discovery ---------------------------------------------------------------

my $mixins = decode_json_body(as(alice => GET => '/-/'))->{mixins} || [];
my %offered = map { $_->{term} => $_ } grep { ($_->{scheme} // '') eq $scheme } @$mixins;
is join(' ', sort keys %offered), 'office public tagged', 'each provider network is a mixin of every tenant';
is_deeply $offered{public}{applies}, [INFRA . 'network'], 'applying to networks';

# ---- A provider network: on no host, joined from two ----------------------

my $res = network('public');
is $res->code, 201, 'a network on provider network public' or diag $res->content;
my $public = path_of($res);
push @made, $public;
is decode_json_body(as(alice => GET => $public))->{attributes}{'occi.network.state'}, 'active',
    'active at once: its bridge is there';
ok !exists decode_json_body(as(admin => GET => $public))->{attributes}{'placement.host'},
    'the administrator sees no host for it';
is hosts_with_network($public), '', 'no host knows of it yet';

my @computes;
for my $n (1, 2) {
    $res = compute_on($public, "joined $n", 'provider-test');
    is $res->code, 201, "compute $n joins it" or diag $res->content;
    push @computes, path_of($res);
    push @made, $computes[-1];
}
my @on = map { host_of_compute($_) } @computes;
ok $on[0] && $on[1] && $on[0] ne $on[1], "the two computes are on two hosts ($on[0], $on[1])";
is hosts_with_network($public), join(',', sort @on), 'each of those hosts learnt of the network';
for my $host (@on) {
    my $xml = virsh($host, 'net-dumpxml', 'occi-' . id_of($public));
    like $xml, qr{<forward mode='bridge'/>}, "$host: a network in bridge mode";
    like $xml, qr{<bridge name='br-public'/>}, "$host: over the operator's bridge";
    unlike $xml, qr{<vlan>}, "$host: untagged";
}
for my $i (0, 1) {
    like virsh($on[$i], 'domiflist', 'occi-' . id_of($computes[$i])), qr/network\s+occi-\Q@{[id_of($public)]}\E/,
        "compute " . ($i + 1) . "'s interface is on it";
}

# ---- VLANs ---------------------------------------------------------------------

my $before = join ' ', map { networks_on($_) } @hosts;
$res = network('public', 'occi.network.vlan' => 100);
is $res->code, 400, 'a VLAN on a bridge that does not tag: 400' or diag $res->content;
like $res->content, qr/provider network public is a bridge that does not tag \(not Open vSwitch\)/, 'saying why';
$res = network('office', 'occi.network.vlan' => 7);
is $res->code, 400, 'another VLAN than the provider network\'s own: 400' or diag $res->content;
like $res->content, qr/provider network office has VLAN 42/, 'naming it';
is join(' ', map { networks_on($_) } @hosts), $before, 'nothing was made';

$res = network('tagged', 'occi.network.vlan' => 100);
is $res->code, 201, 'a VLAN on Open vSwitch' or diag $res->content;
my $tagged = path_of($res);
push @made, $tagged;
$res = network('office');
is $res->code, 201, 'a network of the provider network with its own VLAN' or diag $res->content;
my $office = path_of($res);
push @made, $office;
for my $case ([$tagged, 100], [$office, 42]) {
    my ($net, $tag) = @$case;
    $res = compute_on($net, "tagged $tag");
    is $res->code, 201, "a compute on VLAN $tag" or diag $res->content;
    push @made, path_of($res);
    my $host = host_of_compute(path_of($res));
    my $xml = virsh($host, 'net-dumpxml', 'occi-' . id_of($net));
    like $xml, qr{<virtualport type='openvswitch'/>}, "its host joins the Open vSwitch bridge";
    like $xml, qr{<tag id='$tag'/>}, "with tag $tag";
}

# ---- Migration keeps the network ------------------------------------------------

# The third host has no compute on it yet: the migration makes the network
# known there first.
my $elsewhere = (grep { $_ ne $on[0] && $_ ne $on[1] } @hosts)[0];
$res = as(admin => POST => "$computes[0]?action=migrate",
    { action => 'http://localhost/occi/placement/action#migrate', attributes => { host => $elsewhere } });
is $res->code, 200, 'a compute on a provider network migrates' or diag $res->content;
is host_of_compute($computes[0]), $elsewhere, "to $elsewhere";
is hosts_with_network($public), join(',', sort(@on, $elsewhere)), 'which now knows of the network too';
like virsh($elsewhere, 'domiflist', 'occi-' . id_of($computes[0])), qr/network\s+occi-/,
    'and the compute\'s interface is on it there';

# ---- An interface moved to a network its host has not seen -------------------

# A second network of provider network public, which no host knows of yet:
# the stopped compute's interface is changed to reach it, and its host
# learns of it then, as a create would have made it.
$res = network('public');
is $res->code, 201, 'a second network on provider network public' or diag $res->content;
my $fresh = path_of($res);
push @made, $fresh;
my $stop = as(alice => POST => "$computes[1]?action=stop",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#stop' });
ok $stop->code == 200 || $stop->code == 409, 'the other compute is stopped' or diag $stop->content;
my ($interface) = grep { $_->{kind} eq INFRA . 'networkinterface' }
    @{ decode_json_body(as(alice => GET => $computes[1]))->{links} // [] };
my $interface_path = entity_path($interface);
my $mac = decode_json_body(as(alice => GET => $interface_path))->{attributes}{'occi.networkinterface.mac'};
$res = as(alice => PUT => $interface_path, { kind => INFRA . 'networkinterface',
    source => $computes[1], target => $fresh, attributes => { 'occi.networkinterface.mac' => $mac } });
is $res->code, 200, 'its interface is changed to reach the new network' or diag $res->content;
is hosts_with_network($fresh), $on[1], "$on[1], its host, now knows of the network";
like virsh($on[1], 'domiflist', 'occi-' . id_of($computes[1])),
    qr/network\s+occi-\Q@{[id_of($fresh)]}\E/, 'and the interface is on it there';

# ---- Nothing left ----------------------------------------------------------------

for my $path (reverse @made) {
    my $code = as(alice => DELETE => $path)->code;
    ok $code == 200 || $code == 204, "DELETE $path" or diag $code;
}
@made = ();
is join(' ', map { networks_on($_) } @hosts), '', 'no network is left on any host';

done_testing;
