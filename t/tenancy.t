# SPDX-License-Identifier: Apache-2.0
# Tenancy: behind httpd authentication (here Basic, from a password file)
# every entity and user mixin belongs to the user who made it. Another user
# gets 404 for it, never sees it listed, cannot act on it, link to it or
# associate it; an administrator (OCCIAdministrator) sees everything.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use MIME::Base64 qw(encode_base64);

sub as {
    my ($user, $method, $path, $data) = @_;
    my @auth = $user ? (Authorization => 'Basic ' . encode_base64("$user:$user-secret", '')) : ();
    return json_request($method, "/tenants$path", $data, @auth);
}
sub path_of { location_path($_[0]->header('Location')) =~ s{^/tenants}{}r }
sub listed {
    my ($user, $path) = @_;
    return [map { entity_path($_) }
            @{ decode_json_body(as($user, GET => $path))->{resources} || [] }];
}

my $res = as(undef, GET => '/compute/');
is $res->code, 401, 'without credentials: 401';
like $res->header('WWW-Authenticate') // '', qr/Basic/, 'with a Basic challenge';

$res = as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => 'alice vm' });
is $res->code, 201, 'alice creates a compute' or diag $res->content;
my $alice_vm = path_of($res);
$res = as(alice => POST => '/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });
my $alice_disk = path_of($res);
is as(alice => POST => '/-/', { mixins => [{ scheme => 'http://example.com/alice#', term => 'mine',
    location => '/alice-tags/' }] })->code, 200, 'alice defines a mixin';
$res = as(bob => POST => '/compute/', { kind => INFRA . 'compute', title => 'bob vm' });
my $bob_vm = path_of($res);

# Bob cannot see, change, act on, link to or tag alice's things.
is as(bob => GET => $alice_vm)->code, 404, 'bob gets 404 for alice\'s compute';
is as(bob => POST => $alice_vm, { attributes => { 'occi.core.title' => 'mine' } })->code, 404,
    'bob cannot update it';
is as(bob => POST => "$alice_vm?action=start",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' })->code, 404,
    'bob cannot act on it';
is as(bob => DELETE => $alice_vm)->code, 404, 'bob cannot delete it';
is_deeply listed(bob => '/compute/'), [$bob_vm], 'bob\'s collection holds only his compute';
ok !grep({ $_ eq $alice_vm } @{ listed(bob => '/') }), 'nor does the root show alice\'s';
$res = as(bob => POST => '/storagelink/', { kind => INFRA . 'storagelink', source => $bob_vm,
    target => $alice_disk, attributes => { 'occi.storagelink.deviceid' => 'vdb' } });
is $res->code, 400, 'bob cannot link to alice\'s storage';
like decode_json_body($res)->{message}, qr/not an entity here/, 'which does not exist for him';
ok !grep({ ($_->{term} // '') eq 'mine' } @{ decode_json_body(as(bob => GET => '/-/'))->{mixins} }),
    'bob\'s query interface does not list alice\'s mixin';
is as(bob => GET => '/alice-tags/')->code, 404, 'nor does her mixin\'s location exist for him';
$res = as(bob => POST => '/compute/', { kind => INFRA . 'compute',
    mixins => ['http://example.com/alice#mine'] });
is $res->code, 400, 'bob cannot use alice\'s mixin';
is as(alice => POST => '/alice-tags/', [$bob_vm])->code, 400, 'alice cannot tag bob\'s compute';
is as(alice => GET => $alice_vm)->code, 200, 'alice still has hers';

# Nor can bob learn that her compute exists by writing at its location.
$res = as(bob => PUT => $alice_vm, { kind => INFRA . 'compute', title => 'taken over' });
is $res->code, 404, 'bob\'s PUT at alice\'s compute answers 404, as his GET does';
like decode_json_body($res)->{message}, qr/there is no entity at/, 'with the same message';
my ($alice_id) = $alice_vm =~ m{([^/]+)$};
$res = as(bob => POST => '/compute/', { kind => INFRA . 'compute', id => $alice_id });
is $res->code, 409, 'a create naming her id is refused';
unlike decode_json_body($res)->{message}, qr/exists|alice/, 'without saying it exists or whose';
is decode_json_body(as(alice => GET => $alice_vm))->{title}, 'alice vm',
    'her compute is untouched';

# Each user has a namespace of mixins: bob may define the same type id at the
# same location, without a hint of hers, and the two stay apart.
$res = as(bob => POST => '/-/', { mixins => [{ scheme => 'http://example.com/alice#',
    term => 'mine', title => 'bob\'s own', location => '/alice-tags/' }] });
is $res->code, 200, 'bob defines a mixin with her type id and location' or diag $res->content;
is as(bob => POST => '/alice-tags/', [$bob_vm])->code, 200, 'and tags his compute with it';
is_deeply listed(bob => '/alice-tags/'), [$bob_vm], 'his mixin collection holds his compute';
is as(alice => POST => '/alice-tags/', [$alice_vm])->code, 200, 'alice tags hers with hers';
is_deeply listed(alice => '/alice-tags/'), [$alice_vm], 'her collection holds only hers';
my ($hers) = grep { ($_->{term} // '') eq 'mine' }
             @{ decode_json_body(as(alice => GET => '/-/'))->{mixins} };
ok $hers && ($hers->{title} // '') ne 'bob\'s own', 'her query interface shows her definition';
is as(bob => DELETE => '/-/', { mixins => [{ scheme => 'http://example.com/alice#',
    term => 'mine' }] })->code, 200, 'bob deletes his mixin';
is_deeply listed(alice => '/alice-tags/'), [$alice_vm], 'hers keeps its member';
ok grep({ $_ eq 'http://example.com/alice#mine' }
        @{ decode_json_body(as(alice => GET => $alice_vm))->{mixins} || [] }),
    'and her compute still carries it';

# The administrator sees and manages everything.
my %all = map { $_ => 1 } @{ listed(admin => '/compute/') };
ok $all{$alice_vm} && $all{$bob_vm}, 'the administrator lists both computes';
is as(admin => GET => $alice_vm)->code, 200, 'and reads alice\'s';
ok as(admin => DELETE => $bob_vm)->code =~ /^20[04]$/, 'and deletes bob\'s';
is as(bob => GET => $bob_vm)->code, 404, 'which is gone for bob';

as(alice => DELETE => $_) for $alice_vm, $alice_disk;
as(alice => DELETE => '/-/', { mixins => [{ scheme => 'http://example.com/alice#', term => 'mine' }] });
done_testing();
