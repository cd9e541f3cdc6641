# SPDX-License-Identifier: Apache-2.0
# GET /-/usage/<uuid> on libvirt's test driver, which tells no counters:
# the answer's shape, and who may read it (t/hypervisor/usage.t reads a
# real QEMU guest's figures).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $res = as_tenant('alice', POST => '/compute/', { kind => 'http://schemas.ogf.org/occi/infrastructure#compute', title => 'usage' });
is $res->code, 201, 'alice makes a compute' or diag $res->content;
my $path = tenant_path($res);
my ($id) = $path =~ m{([0-9a-f-]{36})$};

$res = as_tenant('alice', GET => "/-/usage/$id");
is $res->code, 200, 'its usage: 200' or diag $res->content;
like $res->header('Content-Type') // '', qr{^application/json}, 'in JSON';
is $res->header('Cache-Control'), 'no-cache', 'asked for again by a cache';
my $usage = decode_json_body($res) // {};
is $usage->{id}, $id, 'naming the compute';
is $usage->{interval}, 10, 'readings every 10 s by default';
is ref $usage->{points}, 'ARRAY', 'with its points';
ok !(grep { my $p = $_; grep { defined $p->{$_} } qw(cpu memory disk_read disk_write net_rx net_tx) } @{ $usage->{points} // [] }),
    'none of which the test driver can fill';

is as_tenant('bob', GET => "/-/usage/$id")->code, 404, 'bob: 404';
is as_tenant(undef, GET => "/-/usage/$id")->code, 401, 'nobody: 401';
$res = as_tenant('alice', DELETE => "/-/usage/$id");
is $res->code, 405, 'DELETE: 405';
is $res->header('Allow'), 'GET', 'allowing GET';
is as_tenant('alice', GET => '/-/usage/')->code, 404, 'no id: 404';
is as_tenant('alice', GET => "/-/usage/$id/more")->code, 404, 'more after the id: 404';
is as_tenant('alice', DELETE => $path)->code, 200, 'alice deletes the compute';
is as_tenant('alice', GET => "/-/usage/$id")->code, 404, 'and its usage is gone: 404';

done_testing();
