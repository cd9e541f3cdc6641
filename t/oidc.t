# SPDX-License-Identifier: Apache-2.0
# OpenID Connect access tokens: mod_auth_openidc as an OAuth 2.0 resource
# server (AuthType oauth20) checks JWTs signed with a key this test run
# made (OCCI_TEST_OIDC_KEY, HS256, OIDCOAuthVerifySharedKeys), with no
# identity provider running. Below /bearer/ the tenant is the token's
# subject (the user httpd authenticates, OIDCOAuthRemoteUserClaim sub);
# below /projects/ it is the token's project claim (OCCITenant
# "%{reqenv:OIDC_CLAIM_project}"), so that every member of a project shares
# what it owns. Tokens from another issuer or for another audience, expired,
# badly signed, unsigned or altered are refused with 401 and a Bearer
# challenge (mod_auth_openidc does not check "nbf", a start of validity);
# a token naming no project is refused with 403 below /projects/.
# An administrator is named by a group claim (OCCIAdministrator expr=...).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use Digest::SHA qw(hmac_sha256);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);

# In the suite's HTTPS run the tokens go over TLS, to the virtual host
# that asks for no client certificate (a token is the only credential).
if (my $tls = $ENV{OCCI_TEST_HTTPS}) {
    Apache::Test::vars()->{ssl_module_name} = 'occi_bearer_tls';
    Apache::TestRequest::module('occi_bearer_tls');
    Apache::TestRequest::scheme('https');
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1,
        ssl_opts => { SSL_ca_file => "$tls/ca.pem" });
}

my $key = $ENV{OCCI_TEST_OIDC_KEY} or BAIL_OUT('OCCI_TEST_OIDC_KEY is not set (t/run-apache-test.sh sets it)');
my $issuer = 'https://idp.example.test/realms/cloud';
my $audience = 'mod_occi';

# A token of CLAIMS over the defaults (valid for ten minutes from now),
# signed with KEY (HS256); alg => 'none' leaves it unsigned.
sub token {
    my (%claims) = @_;
    my $alg = delete $claims{alg} // 'HS256';
    my $signing_key = delete $claims{key} // $key;
    my %payload = (iss => $issuer, aud => $audience, iat => time - 5, nbf => time - 5,
                   exp => time + 600, %claims);
    delete $payload{$_} for grep { !defined $payload{$_} } keys %payload;
    my $json = JSON::PP->new->canonical;
    my $input = encode_base64url($json->encode({ alg => $alg, typ => 'JWT',
                                                 ($alg eq 'none' ? () : (kid => 'occi-test')) }))
              . '.' . encode_base64url($json->encode(\%payload));
    return "$input." . ($alg eq 'none' ? '' : encode_base64url(hmac_sha256($input, $signing_key)));
}
sub with_token {
    my ($token, $method, $path, $data) = @_;
    return json_request($method, $path, $data, defined $token ? (Authorization => "Bearer $token") : ());
}
sub path_below {
    my ($mount, $res) = @_;
    return location_path($res->header('Location') // '') =~ s{^\Q$mount\E}{}r;
}
sub listed {
    my ($token, $path) = @_;
    return [sort map { entity_path($_) =~ s{^/(?:bearer|projects)}{}r }
            @{ decode_json_body(with_token($token, GET => $path))->{resources} || [] }];
}

my $alice = token(sub => 'alice', project => 'blue');
my $carol = token(sub => 'carol', project => 'blue');
my $bob = token(sub => 'bob', project => 'green');

# ---- Who the token says: the user, below /bearer/ ------------------------
my $res = with_token(undef, GET => '/bearer/compute/');
is $res->code, 401, 'without a token: 401';
like $res->header('WWW-Authenticate') // '', qr/^Bearer/, 'with a Bearer challenge';

$res = with_token($alice, POST => '/bearer/compute/', { kind => INFRA . 'compute', title => 'alice by token' });
is $res->code, 201, 'a valid token: alice creates a compute' or diag $res->content;
my $alice_vm = path_below('/bearer', $res);
is with_token($alice, GET => "/bearer$alice_vm")->code, 200, 'and reads it';
is with_token($bob, GET => "/bearer$alice_vm")->code, 404, "another subject's token gets 404 for it";
is with_token($carol, GET => "/bearer$alice_vm")->code, 404,
    'below /bearer/ the tenant is the subject: carol, of the same project, gets 404 too';
ok !grep({ $_ eq $alice_vm } @{ listed($bob, '/bearer/compute/') }), 'nor does bob list it';

# ---- Tokens that must not pass --------------------------------------------
my %refused = (
    'an expired token' => token(sub => 'alice', project => 'blue', exp => time - 120, iat => time - 900,
                                nbf => time - 900),
    'a token from another issuer' => token(sub => 'alice', project => 'blue', iss => 'https://evil.example.test/'),
    'a token for another audience' => token(sub => 'alice', project => 'blue', aud => 'someone-else'),
    'a token signed with another key' => token(sub => 'alice', project => 'blue', key => 'not the key' x 4),
    'an unsigned token (alg none)' => token(sub => 'alice', project => 'blue', alg => 'none'),
    'a token whose payload was changed' => do {
        my ($h, $p, $s) = split /\./, $alice;
        my $changed = encode_base64url(JSON::PP->new->canonical->encode(
            { iss => $issuer, aud => $audience, sub => 'admin', groups => 'admins',
              exp => time + 600, iat => time - 5, nbf => time - 5 }));
        "$h.$changed.$s";
    },
    'no token but garbage' => 'not-a-jwt',
);
for my $what (sort keys %refused) {
    $res = with_token($refused{$what}, GET => "/bearer$alice_vm");
    is $res->code, 401, "$what: 401";
    like $res->header('WWW-Authenticate') // '', qr/^Bearer/, "$what: with a Bearer challenge";
    $res = with_token($refused{$what}, POST => '/bearer/compute/', { kind => INFRA . 'compute' });
    is $res->code, 401, "$what: cannot create either";
}
is_deeply listed($alice, '/bearer/compute/'), [$alice_vm], 'nothing was made by the refused tokens';

# ---- Projects: the tenant is the token's project claim ---------------------
$res = with_token($alice, POST => '/projects/compute/', { kind => INFRA . 'compute', title => 'blue vm' });
is $res->code, 201, 'alice creates a compute in project blue' or diag $res->content;
my $blue_vm = path_below('/projects', $res);
$res = with_token($carol, GET => "/projects$blue_vm");
is $res->code, 200, 'carol, also in blue, reads it';
is with_token($carol, POST => "/projects$blue_vm", { attributes => { 'occi.core.title' => 'renamed by carol' } })->code,
    200, 'and changes it';
$res = with_token($alice, GET => "/projects$blue_vm");
is eval { decode_json_body($res)->{title} }, 'renamed by carol', 'alice sees the change'
    or diag $res->code . ' ' . $res->content;
is with_token($bob, GET => "/projects$blue_vm")->code, 404, 'bob, of project green, gets 404';
ok !grep({ $_ eq $blue_vm } @{ listed($bob, '/projects/compute/') }), 'and does not list it';
is with_token($bob, DELETE => "/projects$blue_vm")->code, 404, 'nor can he delete it';
is with_token($alice, GET => "/bearer$blue_vm")->code, 404,
    'below /bearer/ (tenant alice, the subject) the project\'s compute is not hers';

$res = with_token(token(sub => 'dave'), GET => '/projects/compute/');
is $res->code, 403, 'a valid token that names no project: 403';
like decode_json_body($res)->{message} // '', qr/belongs to no tenant/, 'saying it belongs to no tenant';
$res = with_token(token(sub => 'dave'), POST => '/projects/compute/', { kind => INFRA . 'compute' });
is $res->code, 403, 'and it cannot create, so nothing is made in a shared anonymous tenant';
is_deeply listed(token(sub => 'erin', project => 'orange'), '/projects/compute/'), [],
    'a new project starts empty';

# ---- Administrators by a group claim -----------------------------------
my $admin = token(sub => 'root-of-cloud', project => 'ops', groups => 'staff,admins');
is with_token($admin, GET => "/projects$blue_vm")->code, 200,
    'a token whose groups hold admins (OCCIAdministrator expr=...) reads the project\'s compute';
ok grep({ $_ eq $blue_vm } @{ listed($admin, '/projects/compute/') }), 'and lists it';
my $not_admin = token(sub => 'mallory', project => 'ops', groups => 'sysadmins-to-be');
is with_token($not_admin, GET => "/projects$blue_vm")->code, 404,
    'a group whose name only contains "admins" does not make an administrator';

# Clean up.
is with_token($alice, DELETE => "/projects$blue_vm")->code, 200, 'alice deletes the project\'s compute';
is with_token($alice, DELETE => "/bearer$alice_vm")->code, 200, 'and her own';
done_testing();
