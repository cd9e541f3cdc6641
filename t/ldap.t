# SPDX-License-Identifier: Apache-2.0
# LDAP: a private OpenLDAP slapd on loopback (dc=occi,dc=test, started by
# t/run-apache-test.sh with t/ldap/slapd.sh) and mod_authnz_ldap below
# /ldap/, checking Basic passwords against it. Only members of the group
# occi-users get in; the tenant is the user's departmentNumber
# (OCCITenant "%{reqenv:AUTHENTICATE_DEPARTMENTNUMBER}"), so alice and
# carol (blue) share what either makes and bob (red) sees none of it; dave,
# who has no department, is refused with 403; members of occi-admins
# administer every tenant (OCCIAdministrator expr= on memberOf, which the
# directory keeps with its memberof overlay). Without a password, with a
# wrong one, or as mallory (whose password is right but who is in no group)
# the answer is 401 with a Basic challenge. In the suite's HTTPS run the
# requests, passwords included, go over TLS.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use MIME::Base64 qw(encode_base64);

# run-apache-test.sh says why when the packages are not there; a slapd
# that is there but did not start is a failure, below.
if (my $why = $ENV{OCCI_TEST_LDAP_SKIP}) {
    plan skip_all => $why;
}
my $dir = $ENV{OCCI_TEST_LDAP_DIR}
    or die "OCCI_TEST_LDAP_DIR is not set: t/run-apache-test.sh starts slapd\n";
my $tls = $ENV{OCCI_TEST_HTTPS};
if ($tls) {
    # The virtual host without client certificates: the password is the
    # credential.
    Apache::Test::vars()->{ssl_module_name} = 'occi_bearer_tls';
    Apache::TestRequest::module('occi_bearer_tls');
    Apache::TestRequest::scheme('https');
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1,
        ssl_opts => { SSL_ca_file => "$tls/ca.pem" });
}

# Each user's password, as the directory holds it.
my %password;
for my $user (qw(alice bob carol dave erin mallory)) {
    $password{$user} = file_text("$dir/$user.password");
    length $password{$user} or die "no password for $user in $dir\n";
}
my ($url) = file_text("$dir/env.sh") =~ /^export OCCI_LDAP_URL=(\S+)$/m
    or die "no OCCI_LDAP_URL in $dir/env.sh\n";

# METHOD PATH (below /ldap) as USER, with their password or PASSWORD; no
# USER: without credentials.
sub as {
    my ($user, $method, $path, $data, $password) = @_;
    my @auth = $user ? (Authorization => 'Basic '
                        . encode_base64("$user:" . ($password // $password{$user}), '')) : ();
    return json_request($method, "/ldap$path", $data, @auth);
}
sub listed {
    my ($user) = @_;
    my $res = as($user, GET => '/compute/');
    return [sort map { entity_path($_) } @{ (decode_json_body($res) || {})->{resources} || [] }];
}
sub title_of { my $d = decode_json_body($_[0]); ref $d eq 'HASH' ? $d->{title} // '' : '' }

# ---- Who may come in ------------------------------------------------------
my $res = as(undef, GET => '/compute/');
is $res->code, 401, 'without a password: 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic realm="OCCI LDAP"/, 'with a Basic challenge';
ok $res->header('Client-SSL-Cipher'), 'over TLS' if $tls;

$res = as(alice => GET => '/compute/', undef, 'not-' . $password{alice});
is $res->code, 401, "alice with a wrong password: 401";
like $res->header('WWW-Authenticate') // '', qr/^Basic/, 'with a Basic challenge';
$res = as(nobody => GET => '/compute/', undef, 'anything');
is $res->code, 401, 'a user the directory does not know: 401';

# mallory's password is right (the directory lets her bind), but she is not
# in occi-users: httpd refuses her as it refuses a wrong password.
my $bind = `ldapwhoami -x -o nettimeout=5 -H '$url' -D uid=mallory,ou=people,dc=occi,dc=test -y '$dir/mallory.password' 2>&1`;
like $bind, qr/^dn:uid=mallory,/m, "the directory accepts mallory's password" or diag $bind;
$res = as(mallory => GET => '/compute/');
is $res->code, 401, 'mallory, in no group: 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic/, 'with a Basic challenge';
$res = as(mallory => POST => '/compute/', { kind => INFRA . 'compute', title => 'mallory' });
is $res->code, 401, 'nor can she create';

# ---- A department is a tenant -----------------------------------------------
$res = as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => 'blue vm' });
is $res->code, 201, 'alice (department blue) creates a compute' or diag $res->content;
my $path = location_path($res->header('Location') // '') // '';
like $path, qr{^/ldap/compute/[0-9a-f-]{36}$}, 'at a location below /ldap/';
$path =~ s{^/ldap}{};
$path ||= '/compute/none';

$res = as(alice => GET => $path);
is $res->code, 200, 'and reads it';
is title_of($res), 'blue vm', 'as she made it';
is_deeply listed('alice'), [$path], 'her list holds it';

$res = as(carol => GET => $path);
is $res->code, 200, 'carol, also of blue, reads it';
is_deeply listed('carol'), [$path], 'and lists it';
$res = as(carol => POST => $path, { attributes => { 'occi.core.title' => 'renamed by carol' } });
is $res->code, 200, 'and changes it' or diag $res->content;
is title_of(as(alice => GET => $path)), 'renamed by carol', 'alice sees the change';

is as(bob => GET => $path)->code, 404, 'bob, of red, gets 404 for it';
is_deeply listed('bob'), [], 'his list is empty';
is as(bob => DELETE => $path)->code, 404, 'nor can he delete it';
is title_of(as(carol => GET => $path)), 'renamed by carol', 'and it is still there';

# The tenant is the department: the Basic user alice of /tenants/ (tenant
# alice) is someone else.
is as_tenant(alice => GET => $path)->code, 404,
    "the password-file user alice does not own the department's compute";

# ---- A user with no department ------------------------------------------------
$res = as(dave => GET => '/compute/');
is $res->code, 403, 'dave, in occi-users but of no department: 403';
like((decode_json_body($res) || {})->{message} // '', qr/belongs to no tenant/,
     'saying the request belongs to no tenant');
$res = as(dave => POST => '/compute/', { kind => INFRA . 'compute', title => 'nobody\'s' });
is $res->code, 403, 'and he cannot create, so nothing lands in a shared tenant';
is as(dave => GET => $path)->code, 403, 'nor read blue\'s compute';

# ---- An administrator by group ----------------------------------------------
$res = as(erin => GET => $path);
is $res->code, 200, 'erin, of occi-admins, reads blue\'s compute';
is title_of($res), 'renamed by carol', 'the same compute';
ok grep({ $_ eq $path } @{ listed('erin') }), 'and lists it';

# ---- Clean up -------------------------------------------------------------
is as(alice => DELETE => $path)->code, 200, 'alice deletes it';
is as(carol => GET => $path)->code, 404, 'and it is gone for carol';
is_deeply listed('alice'), [], 'and from her list';

done_testing();
