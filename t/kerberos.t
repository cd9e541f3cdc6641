# SPDX-License-Identifier: Apache-2.0
# Kerberos: a private MIT KDC on loopback (realm OCCI.TEST, started by
# t/run-apache-test.sh with t/kerberos/kdc.sh) and mod_auth_gssapi below
# /kerberos/. Clients are curl with --negotiate and a ticket each (kinit
# from the principals' keytabs): the user, and so the tenant, is the
# principal; without a ticket the answer is 401 with a Negotiate
# challenge. In the suite's HTTPS run the requests go over TLS.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use File::Temp qw(tempdir);
use JSON::PP;

my $realm = $ENV{OCCI_TEST_KRB5_DIR}
    or die "OCCI_TEST_KRB5_DIR is not set: t/run-apache-test.sh starts the KDC\n";
my $tls = $ENV{OCCI_TEST_HTTPS};
if ($tls) {
    # The virtual host without client certificates: a ticket is the
    # credential.
    Apache::Test::vars()->{ssl_module_name} = 'occi_bearer_tls';
    Apache::TestRequest::module('occi_bearer_tls');
    Apache::TestRequest::scheme('https');
}
my $tmp = tempdir(CLEANUP => 1);

# A ticket cache for each principal; "nobody" has an empty one.
my %cache = map { $_ => "FILE:$tmp/$_.ccache" } qw(alice bob nobody);
for my $user (qw(alice bob)) {
    local $ENV{KRB5CCNAME} = $cache{$user};
    system('kinit', '-k', '-t', "$realm/$user.keytab", $user) == 0
        or die "kinit $user failed\n";
}

# (status, headers, body) of METHOD PATH as USER through curl --negotiate.
# The server must be addressed as localhost: the ticket asked for is
# HTTP/localhost's.
sub as {
    my ($user, $method, $path, $data, @extra) = @_;
    my $url = Apache::TestRequest::resolve_url($path);
    $url =~ s{^(https?://)[^:/]+}{${1}localhost};
    local $ENV{KRB5CCNAME} = $cache{$user};
    my @command = ('curl', '-s', '-S', '-m', '20', '-o', "$tmp/body", '-D', "$tmp/headers",
                   '-w', '%{http_code}', '-X', $method, '-H', 'Accept: application/occi+json',
                   ($tls ? ('--cacert', "$tls/ca.pem") : ()),
                   ($user eq 'nobody' ? () : ('--negotiate', '-u', ':')), @extra);
    if (defined $data) {
        open my $fh, '>', "$tmp/request" or die $!;
        print $fh encode_json($data);
        close $fh;
        push @command, '-H', 'Content-Type: application/occi+json', '--data-binary', "\@$tmp/request";
    }
    open my $curl, '-|', @command, $url or die "curl: $!";
    my $code = <$curl> // '';
    close $curl;
    return ($code, file_text("$tmp/headers"), file_text("$tmp/body"));
}
sub body_json { my $d = eval { decode_json($_[0]) }; ref $d eq 'HASH' ? $d : {} }
sub listed {
    my ($user) = @_;
    my (undef, undef, $body) = as($user, GET => '/kerberos/compute/');
    return [map { entity_path($_) } @{ body_json($body)->{resources} || [] }];
}

my ($code, $headers, $body) = as(nobody => GET => '/kerberos/compute/');
is $code, 401, 'without a ticket: 401';
like $headers, qr/^WWW-Authenticate: Negotiate\s*$/mi, 'with a Negotiate challenge';

($code, $headers, $body) = as(nobody => GET => '/kerberos/compute/', undef,
                              '-H', 'Authorization: Negotiate ' . 'YIIB' x 20);
is $code, 401, 'a made-up Negotiate token: 401';

($code, $headers, $body) = as(alice => POST => '/kerberos/compute/',
                              { kind => INFRA . 'compute', title => 'alice by ticket' });
is $code, 201, "alice's ticket: she creates a compute" or diag $body;
my ($location) = $headers =~ m{^Location: \S+?(/kerberos/compute/[0-9a-f-]{36})\s*$}mi;
ok defined $location, 'at a location below /kerberos/' or diag $headers;
$location //= '/kerberos/compute/none';
(my $id_path = $location) =~ s{^/kerberos}{};

($code, undef, $body) = as(alice => GET => $location);
is $code, 200, 'and reads it';
is body_json($body)->{title}, 'alice by ticket', 'as she made it';
is_deeply listed('alice'), ["/compute/" . ($location =~ m{([0-9a-f-]{36})$})[0]],
    'her list holds it';

($code) = as(bob => GET => $location);
is $code, 404, "bob's ticket: 404 for alice's compute";
is_deeply listed('bob'), [], 'and his list is empty';
($code) = as(bob => DELETE => $location);
is $code, 404, 'nor can he delete it';

# The tenant is the principal, alice@OCCI.TEST: the Basic user alice of
# /tenants/ is someone else.
my $res = as_tenant(alice => GET => $id_path);
is $res->code, 404, "the Basic user alice does not own the principal's compute";
$res = as_tenant(admin => GET => $id_path);
is $res->code, 200, 'an administrator reads it';
is eval { decode_json_body($res)->{title} } // '', 'alice by ticket', 'the same compute';

($code, undef, $body) = as(alice => DELETE => $location);
is $code, 200, 'alice deletes it' or diag $body;
is_deeply listed('alice'), [], 'and it is gone';

done_testing();
