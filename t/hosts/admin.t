# SPDX-License-Identifier: Apache-2.0
# The hosts for administrators (the hosts run: three test-driver daemons,
# OCCIHypervisorHost h1, h2, h3): /host/ lists one resource per host with
# what it offers, what is placed on it and its state, for administrators
# only; disable keeps new entities off a host, enable lets them back; the
# anti-affinity mixin keeps a group's computes on different hosts.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my %uri = map { split /=/, $_, 2 } split ' ', $ENV{OCCI_TEST_HOST_URIS} // '';
plan skip_all => 'the hosts run sets OCCI_TEST_HOST_URIS' unless keys %uri == 3;

sub as { as_tenant(@_) }
sub hosts {
    my $res = as(admin => GET => '/host/');
    return { map { $_->{attributes}{'host.name'} => $_ } @{ decode_json_body($res)->{resources} || [] } };
}
sub domains_on {
    my ($host) = @_;
    my $out = `virsh -c '$uri{$host}' list --all --name 2>&1`;
    return grep { /^occi-/ } split /\n/, $out;
}
sub host_of {
    my ($id) = @_;
    my @on = grep { my $h = $_; grep { $_ eq "occi-$id" } domains_on($h) } sort keys %uri;
    return join ',', @on;
}
sub id_of {
    my $location = $_[0]->header('Location');
    return $location ? (split m{/}, location_path($location))[-1] : 'none';
}
# Whatever happens, nothing made here is left for the next test.
my (@made, @group);
END {
    as(alice => DELETE => "/compute/$_") for grep { $_ ne 'none' } @made;
    as(bob => DELETE => "/compute/$_") for grep { $_ ne 'none' } @group;
}

# Only administrators see the hosts.
my $res = as(alice => GET => '/host/');
is $res->code, 404, 'a tenant gets 404 for /host/';
unlike $res->content, qr/\bh[123]\b/, 'and no host name';
my $kinds = decode_json_body(as(alice => GET => '/-/'))->{kinds} || [];
ok !grep({ ($_->{term} // '') eq 'host' } @$kinds), 'nor does its query interface list the kind';
$kinds = decode_json_body(as(admin => GET => '/-/'))->{kinds} || [];
ok grep({ ($_->{term} // '') eq 'host' && ($_->{location} // '') =~ m{/host/$} } @$kinds),
    'the administrator\'s lists it, at /host/';

my $hosts = hosts();
is_deeply [sort keys %$hosts], [qw(h1 h2 h3)], 'one resource per host';
for my $name (sort keys %$hosts) {
    my $a = $hosts->{$name}{attributes};
    is $a->{'host.state'}, 'up', "$name is up";
    is $a->{'host.cores'}, 16, "$name: its CPUs, as libvirt reports them";
    is $a->{'host.memory'}, 3, "$name: its memory in GiB";
}

# Disabled, a host takes nothing new; enabled, it takes again.
my $h1 = $hosts->{h1}{id} =~ s/^urn:uuid://r;
is as(alice => POST => "/host/$h1?action=disable")->code, 404, 'a tenant cannot disable a host';
$res = as(admin => POST => "/host/$h1?action=disable");
is $res->code, 200, 'the administrator disables h1' or diag $res->content;
is decode_json_body($res)->{attributes}{'host.state'}, 'disabled', 'the answer shows it disabled';
for (1 .. 4) {
    $res = as(alice => POST => '/compute/', { kind => INFRA . 'compute',
        attributes => { 'occi.compute.memory' => 0.25 } });
    is $res->code, 201, "compute $_ made while h1 is disabled" or diag $res->content;
    push @made, id_of($res);
}
ok !grep({ host_of($_) eq 'h1' } @made), 'none of them on h1';
is scalar(grep { host_of($_) =~ /^h[23]$/ } @made), 4, 'each on h2 or h3';
is hosts()->{h2}{attributes}{'host.computes'} + hosts()->{h3}{attributes}{'host.computes'},
    4, '/host/ counts them';
is as(admin => POST => "/host/$h1?action=enable")->code, 200, 'h1 enabled again';
$res = as(alice => POST => '/compute/', { kind => INFRA . 'compute',
    attributes => { 'occi.compute.memory' => 0.25 } });
push @made, id_of($res);
is host_of($made[-1]), 'h1', 'the next compute goes to h1, which has the most room';
# Administrators see where each compute lives; tenants do not.
{
    my $path = "/compute/$made[-1]";
    my $seen = decode_json_body(as(admin => GET => $path));
    is $seen->{attributes}{'placement.host'}, host_of($made[-1]),
        'the administrator sees the compute\'s host';
    ok grep({ $_ eq 'http://localhost/occi/placement#placed' } @{ $seen->{mixins} || [] }),
        'through the mixin placed';
    my $res = as(admin => PUT => $path, $seen);
    is $res->code, 200, 'and may send the rendering back' or diag $res->content;
    my $tenant = decode_json_body(as(alice => GET => $path));
    ok !exists $tenant->{attributes}{'placement.host'}, 'the tenant does not see it';
    ok !grep({ /placement#placed/ } @{ $tenant->{mixins} || [] }), 'nor the mixin';
    my $mixins = decode_json_body(as(alice => GET => '/-/'))->{mixins} || [];
    ok !grep({ ($_->{term} // '') eq 'placed' } @$mixins), 'nor its query interface';
    is as(alice => POST => $path, { mixins => ['http://localhost/occi/placement#placed'],
        attributes => { 'placement.host' => 'elsewhere' } })->code, 200,
        'what a tenant sends of it is dropped';
    is decode_json_body(as(admin => GET => $path))->{attributes}{'placement.host'},
        host_of($made[-1]), 'and moves nothing';
    is as(alice => GET => '/mixin/placement/placed/')->code, 404,
        'the mixin\'s location does not exist for a tenant';
}
is as(admin => POST => "/host/$h1?action=explode")->code, 400, 'an unknown action: 400';
$res = as(admin => DELETE => "/host/$h1");
is $res->code, 405, 'a host cannot be deleted through the API';
is $res->header('Allow'), 'GET, HEAD, POST, OPTIONS', 'Allow says what a host takes';

# Anti-affinity: three of one group on three hosts, a fourth refused.
for (1 .. 3) {
    $res = as(bob => POST => '/compute/', { kind => INFRA . 'compute',
        mixins => ['http://localhost/occi/placement#anti_affinity'],
        attributes => { 'occi.compute.memory' => 0.125, 'placement.group' => 'web' } });
    is $res->code, 201, "member $_ of group web" or diag $res->content;
    push @group, id_of($res);
}
is join(' ', sort map { host_of($_) } @group), 'h1 h2 h3', 'each on a host of its own';
$res = as(bob => POST => '/compute/', { kind => INFRA . 'compute',
    mixins => ['http://localhost/occi/placement#anti_affinity'],
    attributes => { 'occi.compute.memory' => 0.125, 'placement.group' => 'web' } });
is $res->code, 409, 'a fourth member has no host left';
like decode_json_body($res)->{message}, qr/every host already has a member of anti-affinity group web/,
    'and is told why';

as(alice => DELETE => "/compute/$_") for @made;
as(bob => DELETE => "/compute/$_") for @group;
@made = @group = ();
is scalar(map { domains_on($_) } sort keys %uri), 0, 'everything made is gone';

done_testing();
