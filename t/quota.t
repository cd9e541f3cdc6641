# SPDX-License-Identifier: Apache-2.0
# Quotas per tenant (OCCIQuota), below /quota-test/ (t/conf/extra.conf.in):
# the tenant is "quota-" and the user; every tenant may hold 4 cores, 8 GiB
# of memory, 10 GiB of storage and 3 computes, quota-bob 6 cores and 5
# computes, and (from the server's line, merged) one network. A creation or
# a change over a limit answers 403 with what is used, asked and allowed,
# and nothing is made; deleting frees room; each tenant reads its own
# usage and limits at /quota/, in every rendering, an administrator every
# tenant's.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use MIME::Base64 qw(encode_base64);

my $COMPUTE = INFRA . 'compute';

sub auth { (Authorization => 'Basic ' . encode_base64("$_[0]:$_[0]-secret", '')) }
sub as {
    my ($user, $method, $path, $data) = @_;
    return json_request($method, "/quota-test$path", $data, auth($user));
}
sub text_as {
    my ($user, $method, $path, $type) = @_;
    return occi_request($method => "/quota-test$path", [Accept => $type, auth($user)]);
}
sub path_of { location_path($_[0]->header('Location') // '') =~ s{^/quota-test}{}r }
sub compute {
    my ($user, $cores, $memory) = @_;
    return as($user => POST => '/compute/', { kind => $COMPUTE, attributes => {
        'occi.compute.cores' => $cores, 'occi.compute.memory' => $memory } });
}
sub computes_of {
    my ($user) = @_;
    return scalar @{ decode_json_body(as($user => GET => '/compute/'))->{resources} || [] };
}
# The quota resources the user reads at /quota/ (JSON), by tenant.
sub quotas_of {
    my ($user) = @_;
    my $res = as($user => GET => '/quota/');
    return { map { ($_->{attributes}{'quota.tenant'} // '?') => $_ }
             @{ decode_json_body($res)->{resources} || [] } };
}
sub message { decode_json_body($_[0])->{message} // $_[0]->content }

# A fresh start for the tenants of this test.
# (Loops name their variables: a request may read httpd's module list
# with a while loop over $_, which must not be a constant.)
for my $user (qw(alice bob)) {
    for my $kind (qw(compute storage network)) {
        as($user => DELETE => "/$kind/");
    }
}

# ---- The model and the tenant's own quota -------------------------------
my $model = decode_json_body(as(alice => GET => '/-/'));
my ($kind) = grep { ($_->{term} // '') eq 'quota' } @{ $model->{kinds} || [] };
ok $kind, 'the query interface lists the kind quota';
is $kind->{location}, '/quota-test/quota/', 'at /quota/ below the mount';
is $kind->{scheme}, 'http://localhost/occi/quota#', 'in the provider\'s scheme';

my $mine = quotas_of('alice');
is_deeply [sort keys %$mine], ['quota-alice'], 'alice reads her own quota only';
my $q = $mine->{'quota-alice'}{attributes} || {};
is $q->{'quota.cores.used'}, 0, 'nothing used yet';
is $q->{'quota.cores.limit'}, 4, 'cores limit 4';
is $q->{'quota.memory.limit'}, 8, 'memory limit 8 GiB';
is $q->{'quota.storage.limit'}, 10, 'storage limit 10 GiB';
is $q->{'quota.computes.limit'}, 3, 'computes limit 3';
ok !exists $q->{'quota.networks.limit'}, 'no limit of networks: the attribute is absent';
my $alice_quota = entity_path($mine->{'quota-alice'});
like $alice_quota, qr{^/quota/[0-9a-f-]{36}$}, 'her quota has a location of its own';

# ---- Creations up to the limit, then 403 ---------------------------------
my $res = compute(alice => 2, 2);
is $res->code, 201, 'a compute of 2 cores: 201' or diag $res->content;
my $vm1 = path_of($res);
$res = compute(alice => 2, 2);
is $res->code, 201, 'another of 2 cores, exactly at the limit: 201' or diag $res->content;
my $vm2 = path_of($res);
$res = compute(alice => 1, 1);
is $res->code, 403, 'one more core: 403';
is message($res), 'over the quota of tenant quota-alice: cores: 4 in use, 1 asked, 4 allowed',
    'saying what is used, asked and allowed';
is computes_of('alice'), 2, 'and nothing is made';
$res = as(alice => POST => '/compute/', { kind => $COMPUTE,
    attributes => { 'occi.compute.cores' => 1, 'occi.compute.memory' => 5 } });
like message($res), qr/cores: 4 in use, 1 asked, 4 allowed; memory: 4 GiB in use, 5 GiB asked, 8 GiB allowed/,
    'every dimension over its limit is named';

# ---- Changes that grow, and changes that do not ------------------------------
$res = as(alice => POST => $vm1, { attributes => { 'occi.compute.cores' => 3 } });
is $res->code, 403, 'an update growing cores over the quota: 403';
like message($res), qr/cores: 4 in use, 1 asked, 4 allowed/, 'it asks for what it grows';
is decode_json_body(as(alice => GET => $vm1))->{attributes}{'occi.compute.cores'}, 2,
    'and the compute is unchanged';
$res = as(alice => POST => '/mixin/resource_tpl/large/', [$vm1]);
is $res->code, 403, 'a resource template of more cores: 403';
ok !grep({ /resource_tpl#large/ } @{ decode_json_body(as(alice => GET => $vm1))->{mixins} || [] }),
    'and the compute does not have it';
$res = as(alice => POST => $vm1, { attributes => { 'occi.core.title' => 'renamed' } });
is $res->code, 200, 'an update that grows nothing passes at the limit' or diag $res->content;
$res = as(alice => POST => $vm1, { attributes => { 'occi.compute.cores' => 1 } });
is $res->code, 200, 'so does one that shrinks' or diag $res->content;
$res = compute(alice => 1, 1);
is $res->code, 201, 'which frees room for a core' or diag $res->content;
my $vm3 = path_of($res);
$res = compute(alice => 1, 1);
is $res->code, 403, 'a fourth compute: 403';
like message($res), qr/computes: 3 in use, 1 asked, 3 allowed/, 'over the computes';

# ---- Deleting frees room ----------------------------------------------------------
is as(alice => DELETE => $vm2)->code, 200, 'a compute deleted';
$res = compute(alice => 2, 2);
is $res->code, 201, 'frees its room for another' or diag $res->content;

# ---- Storage --------------------------------------------------------------------------
$res = as(alice => POST => '/storage/', { kind => INFRA . 'storage',
    attributes => { 'occi.storage.size' => 8 } });
is $res->code, 201, 'a storage of 8 GiB: 201' or diag $res->content;
my $disk = path_of($res);
$res = as(alice => POST => $disk, { attributes => { 'occi.storage.size' => 12 } });
is $res->code, 403, 'its resize to 12 GiB: 403';
is message($res), 'over the quota of tenant quota-alice: storage: 8 GiB in use, 4 GiB asked, '
    . '10 GiB allowed', 'in GiB';
is decode_json_body(as(alice => GET => $disk))->{attributes}{'occi.storage.size'}, 8,
    'the storage keeps its size';

# ---- Usage and limits at /quota/, in every rendering -----------------------
$q = quotas_of('alice')->{'quota-alice'}{attributes} || {};
is_deeply [map { $q->{"quota.$_.used"} } qw(cores memory storage computes networks)],
    [4, 5, 8, 3, 0], 'JSON: what alice uses';
$res = text_as(alice => GET => $alice_quota, 'text/plain');
is $res->code, 200, 'text/plain: 200';
my $text = text_attributes(map { s/^X-OCCI-Attribute:\s*//r } grep { /^X-OCCI-Attribute:/ }
                           split /\r?\n/, $res->content);
is $text->{'quota.cores.used'}, 4, 'text/plain: cores used';
is $text->{'quota.cores.limit'}, 4, 'text/plain: cores limit';
is $text->{'quota.tenant'}, 'quota-alice', 'text/plain: the tenant';
$res = text_as(alice => GET => $alice_quota, 'text/occi');
is $res->code, 200, 'text/occi: 200';
$text = text_attributes($res->header('X-OCCI-Attribute'));
is $text->{'quota.storage.used'} + 0, 8, 'text/occi: storage used';
is $text->{'quota.computes.limit'}, 3, 'text/occi: computes limit';
ok !exists $text->{'quota.networks.limit'}, 'text/occi: no networks limit';
$res = text_as(alice => GET => '/quota/', 'text/uri-list');
is $res->code, 200, 'text/uri-list: 200';
is_deeply [uri_paths($res->content)], ["/quota-test$alice_quota"], 'text/uri-list: her quota';
is as(alice => GET => $alice_quota)->code, 200, 'JSON of the entity: 200';

# ---- Another tenant, with lines of its own -----------------------------------------
my @bob;
for my $n (1 .. 3) {
    $res = compute(bob => 2, 1);
    is $res->code, 201, "bob's compute $n of 2 cores (his own limit: 6)" or diag $res->content;
    push @bob, path_of($res);
}
$res = compute(bob => 1, 1);
is $res->code, 403, 'bob\'s seventh core: 403';
like message($res), qr/^over the quota of tenant quota-bob: cores: 6 in use, 1 asked, 6 allowed$/,
    'his own limit, his own usage';
my $bob_quota = quotas_of('bob')->{'quota-bob'}{attributes} || {};
is_deeply [map { $bob_quota->{"quota.$_.limit"} } qw(cores memory computes networks)], [6, 8, 5, 1],
    'his limits: his lines over the default, the server\'s line merged';
$res = as(bob => POST => '/network/', { kind => INFRA . 'network' });
is $res->code, 201, 'bob\'s network' or diag $res->content;
my $net = path_of($res);
$res = as(bob => POST => '/network/', { kind => INFRA . 'network' });
is $res->code, 403, 'his second network: 403';
is as(bob => GET => $alice_quota)->code, 404, 'alice\'s quota is 404 for bob';
is_deeply [sort keys %{ quotas_of('bob') }], ['quota-bob'], 'bob lists his own only';

# ---- Administrators ----------------------------------------------------------------
my $all = quotas_of('admin');
ok $all->{'quota-alice'} && $all->{'quota-bob'}, 'an administrator lists every tenant\'s quota';
is $all->{'quota-bob'}{attributes}{'quota.cores.used'}, 6, 'with its usage';
is as(admin => GET => $alice_quota)->code, 200, 'and reads alice\'s';
my @admin;
for my $n (1 .. 2) {
    $res = compute(admin => 2, 1);
    is $res->code, 201, "the administrator's compute $n" or diag $res->content;
    push @admin, path_of($res);
}
$res = compute(admin => 1, 1);
is $res->code, 403, 'an administrator is held to the quota of its own tenant';
like message($res), qr/tenant quota-admin: cores: 4 in use/, 'quota-admin\'s';
$res = as(admin => POST => $bob[0], { attributes => { 'occi.compute.cores' => 3 } });
is $res->code, 403, 'and to the owner\'s when it grows another tenant\'s compute';
like message($res), qr/tenant quota-bob: cores: 6 in use, 1 asked, 6 allowed/, 'bob\'s';

# ---- Read only ----------------------------------------------------------------------
for my $case ([POST => '/quota/'], [DELETE => $alice_quota], [PUT => $alice_quota],
              [POST => $alice_quota], [DELETE => '/quota/']) {
    my ($method, $path) = @$case;
    $res = as(alice => $method => $path, $method eq 'DELETE' ? undef : { kind => INFRA . 'compute' });
    is $res->code, 405, "$method $path: 405";
    like $res->header('Allow') // '', qr/^GET(, HEAD)?(, OPTIONS)?$|GET/, "$method $path: Allow names GET";
    unlike $res->header('Allow') // '', qr/POST|PUT|DELETE/, "$method $path: and nothing that changes";
}
$res = as(alice => PUT => '/quota/' . ('7' x 8) . '-7777-4777-8777-' . ('7' x 12),
          { kind => 'http://localhost/occi/quota#quota' });
is $res->code, 405, 'nor can a client make one with an id of its choosing';

# ---- Clean up ---------------------------------------------------------------------------
for my $path ($vm1, $vm3, $disk) { as(alice => DELETE => $path) }
as(alice => DELETE => '/compute/');
for my $path (@bob, $net) { as(bob => DELETE => $path) }
for my $path (@admin) { as(admin => DELETE => $path) }
is_deeply [map { quotas_of('alice')->{'quota-alice'}{attributes}{"quota.$_.used"} } qw(cores memory storage computes)],
    [0, 0, 0, 0], 'everything deleted: nothing used';

done_testing();
