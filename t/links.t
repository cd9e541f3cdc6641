# SPDX-License-Identifier: Apache-2.0
# Links: inline in a resource's creation and standalone; source and target
# checks; links disappear with their source.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $ni = INFRA . 'networkinterface';
my $sl = INFRA . 'storagelink';
my $ipni = 'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface';
my ($net) = create_json('/network/', { kind => INFRA . 'network', title => 'lan' });
my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 4 } });

# Inline links in JSON.
my ($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'linked', links => [
    { kind => $ni, mixins => [$ipni], target => { location => $net, kind => INFRA . 'network' },
      attributes => { 'occi.networkinterface.mac' => '52:54:00:12:34:56',
                      'occi.networkinterface.address' => '10.0.0.5' } },
    { kind => $sl, target => { location => $disk },
      attributes => { 'occi.storagelink.deviceid' => 'vdb' } } ] });
is $res->code, 201, 'a compute with two inline links: 201' or diag $res->content;
my $rendered = decode_json_body(json_request(GET => $vm));
is scalar @{ $rendered->{links} || [] }, 2, 'GET shows both links';
my ($nic) = grep { $_->{kind} eq $ni } @{ $rendered->{links} || [] };
is $nic->{target}{location}, url_of($net), 'the interface points at the network, by its URL';
is $nic->{target}{kind}, INFRA . 'network', 'with its kind';
is $nic->{source}{location}, url_of($vm), 'and starts at the compute';
is $nic->{attributes}{'occi.networkinterface.address'}, '10.0.0.5', 'the mixin attribute';
is $nic->{attributes}{'occi.networkinterface.state'}, 'inactive', 'the link state';
(my $nic_id = $nic->{id} // '') =~ s/^urn:uuid://;
is $nic->{attributes}{'occi.networkinterface.interface'}, 'eth-' . substr($nic_id, 0, 8),
    'the interface has a name (multiplicity 1 in GFD.224), without a hypervisor too';
my $nic_path = entity_path($nic);
like $nic_path // '', qr{^/networkinterface/[0-9a-f-]{36}$}, 'the link has a location of its own';
is decode_json_body(json_request(GET => $nic_path))->{source}{location}, url_of($vm),
    'the link is an entity of its own';

# The same links in the text rendering: Link lines with self and category.
my @lines = split /\n/, occi_request(GET => $vm, [Accept => 'text/plain'])->content;
my ($link_line) = grep { /^Link: <\Q${\url_of($net)}\E>/ } @lines;
ok $link_line, 'text/plain: a Link line to the network';
like $link_line // '', qr/rel="\Q${\INFRA}\Enetwork"/, 'with rel the target kind';
like $link_line // '', qr/self="\Q${\url_of($nic_path)}\E"/, 'self the link URL';
like $link_line // '', qr/category="\Q$ni\E/, 'and category the link kind';

# Inline link in text on create.
$res = occi_request(POST => '/compute/', ['Content-Type' => 'text/plain', Accept => 'text/plain'],
    join("\n", 'Category: compute; scheme="' . INFRA . '"; class="kind"',
         "Link: <$disk>; rel=\"${\INFRA}storage\"; category=\"$sl\"; occi.storagelink.deviceid=\"vdc\"", ''));
is $res->code, 201, 'a text/plain create with a Link: 201' or diag $res->content;
my $vm2 = location_path($res->header('Location'));
is scalar @{ decode_json_body(json_request(GET => $vm2))->{links} || [] }, 1, 'its link exists';

# Standalone links: POST to the link kind's location.
($nic_path, $res) = create_json('/networkinterface/', { kind => $ni, source => $vm2, target => $net,
    attributes => { 'occi.networkinterface.mac' => '52:54:00:00:00:01' } });
is $res->code, 201, 'a standalone networkinterface: 201' or diag $res->content;
is scalar @{ decode_json_body(json_request(GET => $vm2))->{links} || [] }, 2, 'the source lists it';
for my $bad (
    [{ kind => $ni, source => '/compute/00000000-0000-4000-8000-000000000000', target => $net },
        qr/source .* is not a resource here/],
    [{ kind => $ni, source => $vm2, target => $disk }, qr/must point at a network, not at a storage/],
    [{ kind => $ni, source => $net, target => $net }, qr/must start at a compute/],
    [{ kind => $ni, source => $vm2 }, qr/occi\.core\.target/],
    [{ kind => $ni, source => $vm2, target => '/network/00000000-0000-4000-8000-000000000000' },
        qr/target .* is not an entity here/],
) {
    $res = json_request(POST => '/networkinterface/', $bad->[0]);
    is $res->code, 400, 'a bad link: 400';
    like decode_json_body($res)->{message}, $bad->[1], 'says why';
}
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', links => [
    { kind => $sl, target => { location => $net }, attributes => { 'occi.storagelink.deviceid' => 'x' } } ] });
is $res->code, 400, 'an inline storagelink to a network: 400';

# A full replacement of the resource keeps its links (GFD.223).
$res = json_request(PUT => $vm2, { kind => INFRA . 'compute', title => 'replaced' });
is $res->code, 200, 'PUT replaces the compute' or diag $res->content;
is scalar @{ decode_json_body($res)->{links} || [] }, 2, 'and its links stay';

# Deleting a link removes it from its source; deleting a resource its links.
ok json_request(DELETE => $nic_path)->code =~ /^20[04]$/, 'DELETE the standalone link';
is scalar @{ decode_json_body(json_request(GET => $vm2))->{links} || [] }, 1, 'the source lost it';
my @vm_links = map { entity_path($_) } @{ decode_json_body(json_request(GET => $vm))->{links} || [] };
ok json_request(DELETE => $vm)->code =~ /^20[04]$/, 'DELETE the compute';
is json_request(GET => $_)->code, 404, "its link $_ is gone" for @vm_links;
is json_request(GET => $net)->code, 200, 'the network stays';

# Deleting a link's target deletes the link too: it would point at nothing.
my ($nic2) = create_json('/networkinterface/', { kind => $ni, source => $vm2, target => $net });
ok json_request(DELETE => $net)->code =~ /^20[04]$/, 'DELETE the network';
is json_request(GET => $nic2)->code, 404, 'the interface to it is gone';
ok !grep({ $_->{kind} eq $ni } @{ decode_json_body(json_request(GET => $vm2))->{links} || [] }),
    'and the compute no longer lists it';

json_request(DELETE => $_) for $vm2, $disk;
done_testing();
