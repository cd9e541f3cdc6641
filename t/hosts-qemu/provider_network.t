# SPDX-License-Identifier: Apache-2.0
# A provider network across two hosts running QEMU guests (the qemu-hosts
# run: OCCIProviderNetwork public bridge=br-public, the hosts' bridges
# joined by a VXLAN over the veth pair between their network namespaces):
# two computes on the network, kept on different hosts by an anti-affinity
# group, reach each other (each guest pings the other and says so on its
# serial console); neither host had a network of it before its compute
# joined; nothing is left once they are deleted.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my %uri = map { split /=/, $_, 2 } split ' ', $ENV{OCCI_TEST_QEMU_HOST_URIS} // '';
plan skip_all => 'the qemu-hosts run sets OCCI_TEST_QEMU_HOST_URIS' unless keys %uri == 2;

sub as { as_tenant(@_) }
sub virsh { my ($host, @args) = @_; return virsh_at($uri{$host}, @args) }
sub path_of { tenant_path($_[0]) }
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] // 'none' }
sub where {
    my ($name) = @_;
    return join ',', grep { my $h = $_; grep { $_ eq $name } split /\n/, virsh($h, 'list', '--all', '--name') }
        sort keys %uri;
}
sub networks_on { grep { /^occi-/ } split /\n/, virsh($_[0], 'net-list', '--all', '--name') }
# Whether the guest's console says, within $seconds, that it reached $peer.
# virsh console needs a terminal: script gives it one.
sub reached {
    my ($host, $domain, $peer, $seconds) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        my $out = `timeout 5 script -qec "virsh -c '$uri{$host}' console --force $domain" /dev/null 2>&1`;
        return 1 if $out =~ /occi-guest reached \Q$peer\E/;
    }
    return 0;
}

my @made;
END { as(alice => DELETE => $_) for reverse @made }

my $res = as(alice => POST => '/network/', { kind => INFRA . 'network', title => 'across hosts',
    mixins => ['http://localhost/occi/provider_network#public'] });
is $res->code, 201, 'a network on the provider network public' or diag $res->content;
my $network = path_of($res);
push @made, $network;
my $network_name = 'occi-' . id_of($network);
is join(' ', map { networks_on($_) } sort keys %uri), '', 'no host knows of it yet';

my (@computes, @domains);
for my $n (1, 2) {
    $res = as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => "guest $n",
        mixins => ['http://localhost/occi/os_tpl#testguest', 'http://localhost/occi/placement#anti_affinity'],
        attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1, 'placement.group' => 'pair' },
        links => [{ kind => INFRA . 'networkinterface', target => $network,
                    attributes => { 'occi.networkinterface.mac' => "52:54:00:00:00:0$n" } }] });
    is $res->code, 201, "guest $n on it" or diag $res->content;
    push @computes, path_of($res);
    push @made, $computes[-1];
    push @domains, 'occi-' . id_of($computes[-1]);
}
my @hosts = map { where($_) } @domains;
is join(' ', sort @hosts), 'qa qb', 'one on each host';
for my $i (0, 1) {
    like virsh($hosts[$i], 'net-dumpxml', $network_name), qr{<bridge name='br-public'/>},
        "$hosts[$i] has the network, over br-public";
}
for my $i (0, 1) {
    $res = as(alice => POST => "$computes[$i]?action=start",
        { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' });
    is $res->code, 200, "guest " . ($i + 1) . ' starts' or diag $res->content;
}
ok reached($hosts[0], $domains[0], '10.99.0.2', 120), "guest 1 on $hosts[0] reaches guest 2 on $hosts[1]";
ok reached($hosts[1], $domains[1], '10.99.0.1', 60), "and guest 2 reaches guest 1";

for my $path (reverse @made) {
    my $code = as(alice => DELETE => $path)->code;
    ok $code == 200 || $code == 204, "DELETE $path" or diag $code;
}
@made = ();
is join(' ', map { networks_on($_) } sort keys %uri), '', 'no network is left on either host';

done_testing;
