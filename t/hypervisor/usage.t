# SPDX-License-Identifier: Apache-2.0
# What a compute used, against a real QEMU guest on the private libvirtd:
# the sampler (OCCIUsageInterval 2 in this run) reads libvirt's statistics
# in the background, and GET /-/usage/<uuid> answers the rates between its
# readings, for the compute's tenant alone: CPU between 0 and 100 % and
# not idle while the guest boots, the memory QEMU holds as virsh domstats
# tells it, no point while the compute is stopped.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Time::HiRes qw(sleep time);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $uri = $ENV{OCCI_TEST_LIBVIRT_URI} or die "OCCI_TEST_LIBVIRT_URI is not set\n";

my $res = as_tenant('alice', POST => '/compute/', { kind => 'http://schemas.ogf.org/occi/infrastructure#compute', title => 'usage',
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 } });
is $res->code, 201, 'alice makes a compute from the test guest' or diag $res->content;
my $vm_path = tenant_path($res);
my ($id) = $vm_path =~ m{([0-9a-f-]{36})$};

$res = as_tenant('alice', GET => "/-/usage/$id");
is $res->code, 200, 'its usage, before it ever ran: 200' or diag $res->content;
my $usage = decode_json_body($res) // {};
is $usage->{interval}, 2, 'the readings\' interval, as configured';
is_deeply $usage->{points}, [], 'and no point yet';
like $res->header('Content-Type') // '', qr{^application/json}, 'in JSON';
is $res->header('Cache-Control'), 'no-cache', 'which a cache asks for again';

$res = as_tenant('alice', POST => "$vm_path?action=start",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' });
is $res->code, 200, 'alice starts it' or diag $res->content;
my $started = time;

# Readings every 2 s: three points within about 8 s of the start.
my @points;
while (time - $started < 40) {
    @points = @{ (decode_json_body(as_tenant('alice', GET => "/-/usage/$id")) // {})->{points} // [] };
    last if @points >= 3;
    sleep 0.5;
}
cmp_ok scalar @points, '>=', 3, 'three points come while it runs'
    or diag sprintf 'after %.1f s', time - $started;
note sprintf 'the third point came %.1f s after the start', time - $started;
my @at = map { $_->{at} } @points;
is_deeply \@at, [sort { $a <=> $b } @at], 'oldest first';
ok !(grep { $_ % 2 } @at), 'each at a multiple of the interval';
ok !(grep { !defined $_->{cpu} || $_->{cpu} < 0 || $_->{cpu} > 100 } @points),
    'CPU between 0 and 100 % in every point' or diag explain \@points;
ok +(grep { $_->{cpu} > 0 } @points), 'and not idle while the guest boots'
    or diag explain \@points;
ok !(grep { !defined $_->{memory} || $_->{memory} <= 0 } @points), 'memory in every point';
ok !(grep { my $p = $_; grep { defined $p->{$_} && $p->{$_} < 0 } qw(disk_read disk_write net_rx net_tx) } @points),
    'disk and network rates are null or not negative';

# The memory is what libvirt tells of the QEMU process (balloon.rss, KiB).
my ($rss) = virsh_at($uri, 'domstats', '--balloon', "occi-$id") =~ /balloon\.rss=(\d+)/;
ok $rss, 'virsh domstats tells the guest\'s resident memory' or diag virsh_at($uri, 'domstats', "occi-$id");
my $memory = $points[-1]{memory};
ok $rss && $memory > $rss / 1024 / 2 && $memory < $rss / 1024 * 2,
    "the last point's memory ($memory MiB) is libvirt's (" . int(($rss // 0) / 1024) . ' MiB)';

# Another tenant, nobody, other methods and other paths.
is as_tenant('bob', GET => "/-/usage/$id")->code, 404, 'bob asks for it: 404';
is as_tenant(undef, GET => "/-/usage/$id")->code, 401, 'without credentials: 401';
$res = as_tenant('alice', POST => "/-/usage/$id");
is $res->code, 405, 'a POST: 405';
is $res->header('Allow'), 'GET', 'allowing GET';
is as_tenant('alice', GET => '/-/usage/00000000-0000-0000-0000-000000000000')->code, 404,
    'no compute of that id: 404';
is as_tenant('alice', GET => '/-/usage/not-an-id')->code, 404, 'a malformed id: 404';
$res = as_tenant('alice', POST => '/network/', { kind => 'http://schemas.ogf.org/occi/infrastructure#network', title => 'not a compute' });
my $network = tenant_path($res);
my ($network_id) = $network =~ m{([0-9a-f-]{36})$};
is as_tenant('alice', GET => "/-/usage/$network_id")->code, 404, 'a network\'s id: 404';
as_tenant('alice', DELETE => $network);

# Stopped: readings stop, so do points.
$res = as_tenant('alice', POST => "$vm_path?action=stop",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#stop',
      attributes => { method => 'poweroff' } });
is $res->code, 200, 'alice stops it' or diag $res->content;
my $stopped = time;
sleep 6;
@points = @{ (decode_json_body(as_tenant('alice', GET => "/-/usage/$id")) // {})->{points} // [] };
ok !(grep { $_->{at} > $stopped + 2 } @points), 'no point while it is stopped'
    or diag explain [grep { $_->{at} > $stopped + 2 } @points];
cmp_ok scalar @points, '>=', 3, 'the points of when it ran stay';

$res = as_tenant('alice', DELETE => $vm_path);
is $res->code, 200, 'alice deletes the compute' or diag $res->content;
is as_tenant('alice', GET => "/-/usage/$id")->code, 404, 'its usage is gone with it: 404';

done_testing();
