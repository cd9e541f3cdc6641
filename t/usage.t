# SPDX-License-Identifier: Apache-2.0
# GET /-/usage/<uuid> where computes live in the store alone
# (OCCILibvirtURI none): nothing is read, and the answer says so; who may
# ask is checked first (t/libvirt/usage.t and t/hypervisor/usage.t read
# the test driver's and a QEMU guest's figures).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $res = as_tenant('alice', POST => '/compute/', { kind => 'http://schemas.ogf.org/occi/infrastructure#compute', title => 'usage' });
is $res->code, 201, 'alice makes a compute' or diag $res->content;
my $path = tenant_path($res);
my ($id) = $path =~ m{([0-9a-f-]{36})$};

$res = as_tenant('alice', GET => "/-/usage/$id");
is $res->code, 409, 'its usage, with no hypervisor: 409' or diag $res->content;
like +(decode_json_body($res) // {})->{message} // '', qr/not recorded here.*OCCILibvirtURI none/,
    'saying that nothing is read here' or diag $res->content;
is as_tenant('bob', GET => "/-/usage/$id")->code, 404, 'bob: 404, as for anything of alice\'s';
is as_tenant(undef, GET => "/-/usage/$id")->code, 401, 'nobody: 401';
$res = as_tenant('alice', DELETE => "/-/usage/$id");
is $res->code, 405, 'DELETE: 405';
is $res->header('Allow'), 'GET', 'allowing GET';
is as_tenant('alice', GET => '/-/usage/')->code, 404, 'no id: 404';
is as_tenant('alice', GET => "/-/usage/$id/more")->code, 404, 'more after the id: 404';
is as_tenant('alice', DELETE => $path)->code, 200, 'alice deletes the compute';

done_testing();
