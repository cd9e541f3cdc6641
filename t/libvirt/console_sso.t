# SPDX-License-Identifier: Apache-2.0
# The web console behind OpenID Connect sign-on, in Debian's chromium
# (headless, playwright-core): below /console-sso/ mod_auth_openidc signs
# browsers on (AuthType openid-connect) with a minimal provider this test
# starts on loopback (t/console/idp.mjs; the user is alice, the client
# mod_occi_console with this run's secret). A compute alice made with an
# access token below /bearer/ (tenant: the token's subject) is listed by
# the console once the browser has signed on: the console's same-origin
# requests carry the session cookie, and the tenant is the same subject.
# A client without a session is sent to the provider, never served.
#
# Like t/libvirt/console_browser.t it needs node, npm and chromium;
# OCCI_TEST_BROWSER=0 leaves it out.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use FindBin;
use File::Spec;
use JSON::PP ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use LWP::UserAgent;
use lib "$FindBin::Bin/../lib";
use OCCITest;

if (($ENV{OCCI_TEST_BROWSER} // '1') eq '0') {
    plan skip_all => 'OCCI_TEST_BROWSER=0';
}
my $dir = File::Spec->rel2abs("$FindBin::Bin/../console");
my $chromium = $ENV{OCCI_TEST_CHROMIUM} || '/usr/bin/chromium';
my $port = $ENV{OCCI_TEST_IDP_PORT} or die "OCCI_TEST_IDP_PORT is not set (t/run-apache-test.sh sets it)\n";
my $secret = $ENV{OCCI_TEST_IDP_SECRET} or die "OCCI_TEST_IDP_SECRET is not set\n";
my $key = $ENV{OCCI_TEST_OIDC_KEY} or die "OCCI_TEST_OIDC_KEY is not set\n";
if (!-x $chromium || !-d "$dir/node_modules/playwright-core") {
    # t/libvirt/console_browser.t installs playwright-core; it runs first.
    fail("the console's sign-on test needs chromium and playwright-core in t/console");
    done_testing();
    exit;
}

# alice's compute, made with an access token (as t/oidc.t makes them).
sub token {
    my $json = JSON::PP->new->canonical;
    my $input = encode_base64url($json->encode({ alg => 'HS256', typ => 'JWT', kid => 'occi-test' }))
        . '.' . encode_base64url($json->encode({ iss => 'https://idp.example.test/realms/cloud',
                                                 aud => 'mod_occi', sub => 'alice',
                                                 iat => time - 5, exp => time + 600 }));
    return "$input." . encode_base64url(hmac_sha256($input, $key));
}
my $title = "signed-on-$$";
my $res = json_request(POST => '/bearer/compute/', { kind => INFRA . 'compute', title => $title },
                       Authorization => 'Bearer ' . token());
is $res->code, 201, 'alice makes a compute with her access token' or diag $res->content;
my $compute = location_path($res->header('Location') // '');

# The provider, for as long as the test runs.
my $provider = "http://127.0.0.1:$port";
my $idp_pid = open my $idp, '-|', 'node', "$dir/idp.mjs", $port, 'mod_occi_console', $secret, 'alice';
my $listening = <$idp> // '';
like $listening, qr/^listening on \Q$provider\E/, 'the provider listens on loopback';
END { kill 'TERM', $idp_pid if $idp_pid }

# Without a session: sent to the provider.
my $ua = LWP::UserAgent->new(max_redirect => 0);
my $page = Apache::TestRequest::resolve_url('/console-sso/compute/');
$page =~ s{^http://[^:/]+}{http://localhost};
$res = $ua->get($page, Accept => 'text/html');
is $res->code, 302, 'a browser without a session is redirected';
like $res->header('Location') // '', qr{^\Q$provider\E/authorize\?}, 'to the provider';
$res = $ua->get($page, Accept => 'application/occi+json');
isnt $res->code, 200, 'and an API client without a session is not served';

# The browser signs on and sees the compute.
my $output = `timeout 120 node '$dir/sso.mjs' '$page' '$title' '$provider' '$chromium' 2>&1`;
my ($done, $steps) = browser_results($output);
ok $done && $steps == 8, "the browser run went to its end ($steps steps)";

is json_request(DELETE => '/bearer' . ($compute =~ s{^/bearer}{}r), undef,
                Authorization => 'Bearer ' . token())->code, 200, 'alice deletes her compute';
# The provider goes; closing its pipe waits for it.
kill 'TERM', $idp_pid;
close $idp;
$idp_pid = 0;
done_testing();
