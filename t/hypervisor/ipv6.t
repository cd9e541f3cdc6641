# SPDX-License-Identifier: Apache-2.0
# IPv6 networks on a private libvirtd (the QEMU run), with virsh and the
# network's dnsmasq configuration as witnesses: an ipnetwork with an IPv6
# range, alone or beside an IPv4 one, becomes libvirt's <ip family='ipv6'>
# with DHCPv6 and router advertisements; a static IPv6 interface address
# becomes a DHCPv6 host entry; impossible ranges and addresses are refused
# with a 400 that names them, and nothing is made.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $uri = $ENV{OCCI_TEST_LIBVIRT_URI} or die "OCCI_TEST_LIBVIRT_URI is not set\n";
my $hv_dir = $ENV{OCCI_TEST_HYPERVISOR_DIR} or die "OCCI_TEST_HYPERVISOR_DIR is not set\n";
my $ipnetwork = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
my $ipinterface = 'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface';

sub virsh {
    my $output = `virsh -q -c '$uri' @_ 2>&1`;
    $output =~ s/\s+$//;
    return $output;
}
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] }
sub networks { scalar virsh('net-list', '--all', '--name') }
my @made;
END { json_request(DELETE => $_) for reverse grep { defined } @made }

# ---- Both families --------------------------------------------------------

my ($dual, $res) = create_json('/network/', { kind => INFRA . 'network', title => 'dual',
    mixins => [$ipnetwork], attributes => { 'occi.network.address' => '10.234.0.0/24, fd00:234::/64' } });
is $res->code, 201, 'a network with an IPv4 and an IPv6 range' or diag $res->content;
push @made, $dual;
my $dual_name = 'occi-' . id_of($dual);
my $xml = virsh('net-dumpxml', $dual_name);
like $xml, qr{<ip address='10\.234\.0\.1' prefix='24'>\s*<dhcp>\s*<range start='10\.234\.0\.2' end='10\.234\.0\.254'/>}s,
    'virsh: the IPv4 range with its DHCP';
like $xml, qr{<ip family='ipv6' address='fd00:234::1' prefix='64'>\s*<dhcp>\s*<range start='fd00:234::2' end='fd00:234::fffe'/>}s,
    'and the IPv6 one with DHCPv6, after it';
$res = json_request(POST => "$dual?action=up", { action => 'http://schemas.ogf.org/occi/infrastructure/network/action#up' });
is $res->code, 200, 'up' or diag $res->content;
like virsh('net-info', $dual_name), qr/^Active:\s+yes/m, 'libvirt runs it';
my $conf = do { local (@ARGV, $/) = ("$hv_dir/lib/dnsmasq/$dual_name.conf"); <> } // '';
like $conf, qr/^dhcp-range=fd00:234::2,fd00:234::fffe,64/m, 'dnsmasq serves DHCPv6 over the range';
like $conf, qr/^enable-ra$/m, 'and sends router advertisements';
like $conf, qr/^dhcp-range=10\.234\.0\.2,10\.234\.0\.254/m, 'and DHCP for IPv4';

# A static IPv6 address on an interface: a DHCPv6 host entry by DUID.
my ($vm);
($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'v6 guest',
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 } });
is $res->code, 201, 'a compute' or diag $res->content;
push @made, $vm;
my ($static);
($static, $res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    mixins => [$ipinterface], source => $vm, target => $dual,
    attributes => { 'occi.networkinterface.address' => 'fd00:234::10', 'occi.networkinterface.allocation' => 'static',
                    'occi.networkinterface.mac' => '52:54:00:ab:cd:ef' } });
is $res->code, 201, 'an interface with a static IPv6 address' or diag $res->content;
like virsh('net-dumpxml', $dual_name), qr{<host id='00:03:00:01:52:54:00:ab:cd:ef' ip='fd00:234::10'/>},
    'virsh: the network reserves it for the DUID made from its MAC';
$conf = do { local (@ARGV, $/) = ("$hv_dir/lib/dnsmasq/$dual_name.hostsfile"); <> } // '';
like $conf, qr/id:00:03:00:01:52:54:00:ab:cd:ef,\[fd00:234::10\]/, 'and the running dnsmasq knows it';
$res = json_request(DELETE => $static);
ok $res->code =~ /^20[04]$/, 'DELETE the interface' or diag $res->content;
unlike virsh('net-dumpxml', $dual_name), qr{52:54:00:ab:cd:ef}, 'and the reservation goes';

for my $case (['fd00:235::10', qr/not a host address of the network's range fd00:234::\/64/],
              ['fd00:234::', qr/not a host address/],
              ['fd00:234::zz', qr/not an IPv4 or IPv6 address/]) {
    my ($address, $why) = @$case;
    $res = json_request(POST => '/networkinterface/', { kind => INFRA . 'networkinterface',
        mixins => [$ipinterface], source => $vm, target => $dual,
        attributes => { 'occi.networkinterface.address' => $address, 'occi.networkinterface.allocation' => 'static' } });
    is $res->code, 400, "static address $address: 400" or diag $res->content;
    like $res->content, $why, 'saying why';
}
unlike virsh('net-dumpxml', $dual_name), qr{<host }, 'no entry was made';
is scalar(() = virsh('domiflist', 'occi-' . id_of($vm)) =~ /\bnetwork\b/g), 0, 'nor any interface';

# ---- IPv6 alone ------------------------------------------------------------

my ($v6);
($v6, $res) = create_json('/network/', { kind => INFRA . 'network', title => 'v6 only', mixins => [$ipnetwork],
    attributes => { 'occi.network.address' => 'fd00:235::/64', 'occi.network.gateway' => 'fd00:235::fe',
                    'occi.network.allocation' => 'static' } });
is $res->code, 201, 'an IPv6-only network with its own gateway, static' or diag $res->content;
push @made, $v6;
$xml = virsh('net-dumpxml', 'occi-' . id_of($v6));
like $xml, qr{<ip family='ipv6' address='fd00:235::fe' prefix='64'\s*(?:/>|>\s*</ip>)},
    'virsh: the gateway, no DHCPv6';
unlike $xml, qr{<ip address=}, 'and no IPv4';

# ---- What is refused ---------------------------------------------------------

my $before = networks();
for my $case (['fd00:236::/63', undef, qr/'fd00:236::\/63' is not an IPv6 range such as fd00:10::\/64 \(prefix 64 to 124\)/],
              ['fd00:236::/64 ', undef, qr/is not an IPv6 range/],
              ['10.236.0.0/24, 10.237.0.0/24', undef, qr/names two IPv4 ranges/],
              ['10.236.0.0/24, fd00:236::/64, fd00:237::/64', undef, qr/more than two ranges/],
              ['10.236.0.0/24', 'fd00:236::1', qr/occi\.network\.gateway 'fd00:236::1' is not an address in 10\.236\.0\.0\/24/],
              ['fd00:236::/64', 'fd00:237::1', qr/occi\.network\.gateway 'fd00:237::1' is not an address in fd00:236::\/64/]) {
    my ($address, $gateway, $why) = @$case;
    $res = json_request(POST => '/network/', { kind => INFRA . 'network', mixins => [$ipnetwork],
        attributes => { 'occi.network.address' => $address, ($gateway ? ('occi.network.gateway' => $gateway) : ()) } });
    is $res->code, 400, "address '$address'" . ($gateway ? " with gateway $gateway" : '') . ': 400'
        or diag $res->content;
    like $res->content, $why, 'saying why';
}
is networks(), $before, 'and no network was made';

done_testing;
