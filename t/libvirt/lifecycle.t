# SPDX-License-Identifier: Apache-2.0
# Compute, storage, network and links through libvirt's test driver: the
# states shown are the hypervisor's, changes reach it, failures come back
# with its words. (t/hypervisor/ does the same against a real libvirtd.)
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
sub act {
    my ($path, $term, %attributes) = @_;
    return json_request(POST => "$path?action=$term",
        { action => "$action$term", (%attributes ? (attributes => \%attributes) : ()) });
}
sub occi_state_name {
    my ($kind) = @_;
    (my $term = $kind) =~ s/.*#//;
    return "occi.$term.state";
}

sub state_of {
    my ($path, $attribute) = @_;
    my $entity = decode_json_body(json_request(GET => $path));
    return $entity->{attributes}{$attribute // 'occi.compute.state'};
}

# A compute is a domain: defined inactive, then every action reaches it.
my ($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => "<vm> & 'friends'",
    mixins => ['http://localhost/occi/resource_tpl#small'],
    attributes => { 'occi.compute.hostname' => 'a&b.example.com' } });
is $res->code, 201, 'a compute is defined on the hypervisor: 201' or diag $res->content;
is state_of($vm), 'inactive', 'a new domain is shut off: inactive';
is decode_json_body(json_request(GET => $vm))->{title}, "<vm> & 'friends'",
    'a title full of XML metacharacters goes into the domain definition escaped (the define succeeded)';
for my $step (['start', 'active'], ['suspend', 'suspended', method => 'suspend'],
              ['start', 'active'], ['restart', 'active', method => 'warm'],
              ['suspend', 'suspended', method => 'hibernate'], ['start', 'active'],
              ['stop', 'inactive', method => 'poweroff']) {
    my ($term, $state, %parameters) = @$step;
    $res = act($vm, $term, %parameters);
    is $res->code, 200, "$term @{[ %parameters ]}: 200" or diag $res->content;
    is decode_json_body($res)->{attributes}{'occi.compute.state'}, $state, "the answer says $state";
    is state_of($vm), $state, "and so does a GET";
}
$res = act($vm, 'stop');
is $res->code, 409, 'stop on an inactive compute: 409';

# Sizes: inactive domains are redefined; a running one refuses with 409.
$res = json_request(POST => $vm, { attributes => { 'occi.compute.cores' => 2 } });
is $res->code, 200, 'more cores while inactive: 200' or diag $res->content;
act($vm, 'start');
$res = json_request(POST => $vm, { attributes => { 'occi.compute.memory' => 2 } });
is $res->code, 409, 'more memory while active: 409';
like decode_json_body($res)->{message}, qr/only while the compute is stopped/, 'says why';
is decode_json_body(json_request(GET => $vm))->{attributes}{'occi.compute.memory'}, 0.5,
    'and nothing changed';

$res = json_request(POST => '/mixin/resource_tpl/large/', [$vm]);
is $res->code, 409, 'a new flavour for a running compute: 409 (it would resize it)';
is decode_json_body(json_request(GET => $vm))->{attributes}{'occi.compute.cores'}, 2,
    'and nothing changed';

# The test driver takes no uploads, so no cloud-init seed: refused, nothing made.
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', title => 'seeded',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key'],
    attributes => { 'occi.credentials.ssh.publickey' => 'ssh-ed25519 AAAA test' } });
is $res->code, 409, 'a cloud-init seed on the test driver: 409';
like decode_json_body($res)->{message}, qr/uploading the cloud-init seed: .*not supported/,
    'with libvirt\'s words';
ok !grep({ ($_->{title} // '') eq 'seeded' } @{ decode_json_body(json_request(GET => '/compute/'))->{resources} || [] }),
    'and no entity was stored';

# Storage is a volume of the pool; shrinking is refused.
my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });
ok $disk, 'a storage is a volume';
$res = json_request(POST => $disk, { attributes => { 'occi.storage.size' => 0.5 } });
is $res->code, 400, 'shrinking a volume: 400';
like decode_json_body($res)->{message}, qr/cannot shrink/, 'says why';
is json_request(POST => "$disk?action=online",
    { action => 'http://schemas.ogf.org/occi/infrastructure/storage/action#online' })->code, 200,
    'storage online';
is state_of($disk, 'occi.storage.state'), 'online', 'is kept';

# A network with an IP range; up and down start and stop it.
my ($net) = create_json('/network/', { kind => INFRA . 'network',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'],
    attributes => { 'occi.network.address' => '10.77.0.0/24' } });
ok $net, 'a network with an IPv4 range';
is state_of($net, 'occi.network.state'), 'inactive', 'defined, not started';
is json_request(POST => "$net?action=up",
    { action => 'http://schemas.ogf.org/occi/infrastructure/network/action#up' })->code, 200, 'up';
is state_of($net, 'occi.network.state'), 'active', 'active';
$res = json_request(POST => '/network/', { kind => INFRA . 'network',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'],
    attributes => { 'occi.network.address' => '10.77.0.0/33' } });
is $res->code, 400, 'an impossible range: 400';
like decode_json_body($res)->{message}, qr/is not an IPv4 range/, 'says why';

# Links are devices of the domain.
my ($sl) = create_json('/storagelink/', { kind => INFRA . 'storagelink', source => $vm, target => $disk,
    attributes => { 'occi.storagelink.deviceid' => '/dev/vdb' } });
ok $sl, 'a storagelink attaches the volume';
my ($ni, $ni_res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $vm, target => $net });
ok $ni, 'a networkinterface attaches an interface';
like decode_json_body($ni_res)->{attributes}{'occi.networkinterface.mac'},
    qr/^52:54:00(:[0-9a-f]{2}){3}$/, 'with a generated MAC address';
is state_of($ni, 'occi.networkinterface.state'), 'active', 'active while the compute runs';
is decode_json_body($ni_res)->{attributes}{'occi.networkinterface.state'}, 'active',
    'the answer to its creation says so too';
$res = json_request(POST => '/storagelink/', { kind => INFRA . 'storagelink', source => $vm,
    target => $disk, attributes => { 'occi.storagelink.deviceid' => 'vd"b' } });
is $res->code, 400, 'a device id that is no device name: 400';

# A compute made with its links inline: each device once, the MAC chosen
# by the client kept.
my ($disk2) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });
my ($linked, $linked_res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'linked',
    links => [
        { kind => INFRA . 'storagelink', target => $disk2,
          attributes => { 'occi.storagelink.deviceid' => 'vdb' } },
        { kind => INFRA . 'networkinterface', target => $net,
          attributes => { 'occi.networkinterface.mac' => '52:54:00:aa:bb:cc' } },
    ] });
is $linked_res->code, 201, 'a compute with an inline storagelink and interface: 201'
    or diag $linked_res->content;
my %inline = map { $_->{kind} => $_ } @{ decode_json_body(json_request(GET => $linked))->{links} // [] };
# The answer to a creation shows the states without asking the hypervisor:
# they must be what it reports.
my $answer = decode_json_body($linked_res);
is $answer->{attributes}{'occi.compute.state'}, state_of($linked),
    'the answer to the creation shows the state the hypervisor reports';
is_deeply [sort map { $_->{attributes}{occi_state_name($_->{kind})} } @{ $answer->{links} // [] }],
    [sort map { $_->{attributes}{occi_state_name($_->{kind})} } values %inline],
    'and so do its links';
is $inline{INFRA . 'storagelink'}{attributes}{'occi.storagelink.state'}, 'inactive',
    'its storagelink is there, inactive with the compute';
is $inline{INFRA . 'networkinterface'}{attributes}{'occi.networkinterface.mac'}, '52:54:00:aa:bb:cc',
    'its interface keeps the MAC the client chose';
$res = act($linked, 'start');
is $res->code, 200, 'and it starts with both devices' or diag $res->content;
ok json_request(DELETE => $linked)->code =~ /^20[04]$/, 'then goes, links and all';
ok json_request(DELETE => $disk2)->code =~ /^20[04]$/, 'and its volume can be deleted';

# Deleting: links detach, the domain goes, the volume goes.
ok json_request(DELETE => $sl)->code =~ /^20[04]$/, 'the storagelink detaches';
ok json_request(DELETE => $vm)->code =~ /^20[04]$/, 'the compute is destroyed and undefined';
is json_request(GET => $ni)->code, 404, 'its interface went with it';
ok json_request(DELETE => $disk)->code =~ /^20[04]$/, 'the volume is deleted';
ok json_request(DELETE => $net)->code =~ /^20[04]$/, 'the network is destroyed and undefined';

done_testing();
