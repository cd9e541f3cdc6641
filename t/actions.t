# SPDX-License-Identifier: Apache-2.0
# Actions on entities and collections, with the life cycles of compute,
# storage and network.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
my ($vm) = create_json('/compute/', { kind => INFRA . 'compute', title => 'actions' });

sub act {
    my ($path, $term, $attributes, $query) = @_;
    return json_request(POST => "$path?action=" . ($query // $term),
        { action => "$action$term", ($attributes ? (attributes => $attributes) : ()) });
}
sub state_of { decode_json_body(json_request(GET => $_[0]))->{attributes}{'occi.compute.state'} }

my $res = act($vm, 'start');
is $res->code, 200, 'start: 200' or diag $res->content;
is decode_json_body($res)->{attributes}{'occi.compute.state'}, 'active', 'the answer shows active';
is state_of($vm), 'active', 'and so does a GET';
# Without a hypervisor save cannot run, so it is not offered.
is_deeply [sort @{ decode_json_body(json_request(GET => $vm))->{actions} }],
    [sort map { "$action$_" } qw(stop restart suspend)], 'an active compute offers three actions';
like occi_request(GET => $vm, [Accept => 'text/plain'])->content, qr/action#stop/,
    'the text rendering offers them too';
unlike occi_request(GET => $vm, [Accept => 'text/plain'])->content, qr/action#save/,
    'but not save';

$res = act($vm, 'start');
is $res->code, 409, 'start when active: 409';
like decode_json_body($res)->{message}, qr/not allowed .* in state active/, 'says why';
is act($vm, 'suspend', { method => 'suspend' })->code, 200, 'suspend: 200';
is state_of($vm), 'suspended', 'suspended';
is act($vm, 'start')->code, 200, 'start from suspended: 200';
is act($vm, 'stop', { method => 'poweroff' })->code, 200, 'stop poweroff: 200';
is state_of($vm), 'inactive', 'inactive';

# Without a hypervisor there is no disk to copy: save is refused.
act($vm, 'start');
$res = act($vm, 'save', { method => 'hot' });
is $res->code, 409, 'save without a hypervisor: 409';
like decode_json_body($res)->{message}, qr/needs a hypervisor/, 'says why';
act($vm, 'stop');

# Invocation mistakes: 400, nothing changes.
$res = act($vm, 'stop', undef, 'start');
is $res->code, 400, 'body action differs from the query: 400';
like decode_json_body($res)->{message}, qr/query names action start/, 'says so';
$res = act($vm, 'start', { method => 'now' });
is $res->code, 400, 'an unknown parameter: 400';
$res = json_request(POST => "$vm?action=fly", { action => "${action}fly" });
is $res->code, 400, 'an unknown action: 400';
$res = json_request(POST => "$vm?action=online",
    { action => 'http://schemas.ogf.org/occi/infrastructure/storage/action#online' });
is $res->code, 400, 'an action the kind does not define: 400';
like decode_json_body($res)->{message}, qr/does not define action/, 'says so';
$res = occi_request(POST => "$vm?action=start", [Accept => 'application/occi+json']);
is $res->code, 400, 'an action without body: 400';
like decode_json_body($res)->{message}, qr/needs a body/, 'says so';
$res = act($vm, 'stop', { method => 'explode' });
is $res->code, 400, 'a parameter outside its enumeration: 400';
like decode_json_body($res)->{message}, qr/method must be one of graceful, acpioff, poweroff/,
    'names the values';
is state_of($vm), 'inactive', 'no mistake changed the state';

# Text invocation: a Category of class action with X-OCCI-Attribute.
$res = occi_request(POST => "$vm?action=start", ['Content-Type' => 'text/plain', Accept => 'text/plain'],
    "Category: start; scheme=\"$action\"; class=\"action\"\n");
is $res->code, 200, 'text/plain invocation: 200' or diag $res->content;
$res = occi_request(POST => "$vm?action=stop", ['Content-Type' => 'text/occi', Accept => 'text/occi',
    Category => "stop; scheme=\"$action\"; class=\"action\"", 'X-OCCI-Attribute' => 'method="acpioff"']);
is $res->code, 200, 'text/occi invocation: 200' or diag $res->content;
is state_of($vm), 'inactive', 'started and stopped through text';

# Storage and network life cycles.
my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 2 } });
$res = json_request(POST => "$disk?action=online",
    { action => 'http://schemas.ogf.org/occi/infrastructure/storage/action#online' });
is decode_json_body($res)->{attributes}{'occi.storage.state'}, 'online', 'storage online';
my ($net) = create_json('/network/', { kind => INFRA . 'network' });
$res = json_request(POST => "$net?action=up",
    { action => 'http://schemas.ogf.org/occi/infrastructure/network/action#up' });
is decode_json_body($res)->{attributes}{'occi.network.state'}, 'active', 'network up';

# On a collection: every member, or none.
my ($second) = create_json('/compute/', { kind => INFRA . 'compute', title => 'second' });
$res = json_request(POST => '/compute/?action=start', { action => "${action}start" });
is $res->code, 200, 'start on the compute collection: 200' or diag $res->content;
is state_of($_), 'active', "$_ is active" for $vm, $second;
$res = json_request(POST => '/compute/?action=start', { action => "${action}start" });
is $res->code, 409, 'start again on the collection: 409';
is json_request(POST => '/compute/?action=stop', { action => "${action}stop" })->code, 200,
    'stop on the collection: 200';
is state_of($_), 'inactive', "$_ is inactive" for $vm, $second;

json_request(DELETE => $_) for $vm, $second, $disk, $net;
done_testing();
