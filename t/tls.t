# SPDX-License-Identifier: Apache-2.0
# Over HTTPS with client certificates (mod_ssl, SSLVerifyClient require,
# SSLUserName SSL_CLIENT_S_DN_CN): the certificate names the tenant, and a
# client without one is refused during the handshake. The CA and the
# certificates are made by t/run-apache-test.sh with openssl.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use JSON::PP ();

my $config = Apache::Test::config();
my $port = $config->{vhosts}{occi_tls}{port} or die "no occi_tls virtual host\n";
my ($tls) = map { /^Define OCCI_TEST_TLS (\S+)/ ? $1 : () }
            do { open my $fh, '<', "$config->{vars}{t_conf}/occi-users.conf" or die $!; <$fh> };
my $base = "https://localhost:$port";

# curl with the client certificate of $user (none when undef); returns
# (HTTP status, body). A refused handshake gives status 0.
sub tls_request {
    my ($user, $method, $path, $body) = @_;
    my @cert = $user ? ('--cert', "$tls/$user.pem", '--key', "$tls/$user.key") : ();
    my @data = defined $body ? ('-H', 'Content-Type: application/occi+json', '--data-binary', $body) : ();
    open my $curl, '-|', 'curl', '-s', '--cacert', "$tls/ca.pem", @cert, '-X', $method,
        '-H', 'Accept: application/occi+json', @data, '-w', '\n%{http_code}', "$base$path"
        or die "curl: $!";
    my $output = do { local $/; <$curl> };
    close $curl;
    my ($content, $status) = $output =~ /^(.*)\n(\d+)$/s;
    return ($status // 0, $content // '');
}

my ($status, $body) = tls_request(undef, GET => '/-/');
is $status, '000', 'without a client certificate the handshake is refused';

($status, $body) = tls_request(alice => GET => '/-/');
is $status, 200, 'alice, with her certificate, reads the query interface over HTTPS';
ok eval { JSON::PP->new->decode($body)->{kinds} }, 'in JSON';

($status, $body) = tls_request(alice => POST => '/compute/',
    '{"kind":"http://schemas.ogf.org/occi/infrastructure#compute","title":"over tls"}');
is $status, 201, 'alice creates a compute over HTTPS' or diag $body;
my $id = eval { JSON::PP->new->decode($body)->{id} } // '';
my $location = $id =~ /^urn:uuid:([0-9a-f-]{36})$/ ? "/compute/$1" : '';
like $location, qr{^/compute/[0-9a-f-]{36}$}, 'and gets its id, which makes its location';

($status) = tls_request(alice => GET => $location);
is $status, 200, 'alice reads it';
($status) = tls_request(bob => GET => $location);
is $status, 404, 'bob, with his certificate, does not see it';
($status, $body) = tls_request(bob => GET => '/compute/');
is_deeply eval { JSON::PP->new->decode($body)->{resources} || [] }, [], 'nor in his collection';
($status) = tls_request(alice => DELETE => $location);
ok $status == 200 || $status == 204, 'alice deletes it';

done_testing();
