# SPDX-License-Identifier: Apache-2.0
# The web console over plain HTTP: browsers (Accept preferring text/html)
# get the console's page at the API's paths, with its security headers;
# its script and style sheet come from the module with ETags; OCCI clients
# get their renderings as before; OCCIConsole Off gives no HTML.
# (t/libvirt/console_browser.t drives the console in a real browser.)
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use MIME::Base64 qw(encode_base64);
use OCCITest;

my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,'
            . 'image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
my $csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        . "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
my $missing = '0b6e5f4c-3a9e-4c1c-9d55-0a4bb3a5e9f1';

sub page_ok {
    my ($res, $prefix, $name) = @_;
    is $res->code, 200, "$name: 200";
    is $res->header('Content-Type'), 'text/html; charset=utf-8', "$name: text/html";
    is $res->header('Content-Security-Policy'), $csp, "$name: the Content-Security-Policy";
    like $res->header('Vary') // '', qr/\bAccept\b/, "$name: Vary: Accept";
    is $res->header('X-Content-Type-Options'), 'nosniff', "$name: nosniff";
    is $res->header('Cache-Control'), 'no-cache', "$name: checked again before reuse";
    my $body = $res->content;
    like $body, qr{<meta name="occi-mount" content="\Q$prefix\E">}, "$name: names the mount";
    like $body, qr{<script src="\Q$prefix\E/-/console\.js" defer></script>},
        "$name: loads the script from the mount";
    like $body, qr{<link rel="stylesheet" href="\Q$prefix\E/-/console\.css">},
        "$name: and the style sheet";
    unlike $body, qr{<script(?![^>]*\bsrc=)}, "$name: no inline script";
    unlike $body, qr{\sstyle=|<style}, "$name: no inline style";
    unlike $body, qr{https?://}, "$name: names no other origin";
}

for my $prefix ('', '/occi') {
    my ($vm, $res) = create_json("$prefix/compute/", { kind => INFRA . 'compute', title => 'console' });
    is $res->code, 201, "$prefix: a compute to look at" or diag $res->content;
    for my $path ('/', '/-/', '/.well-known/org/ogf/occi/-/', '/compute/', '/storage/',
                  '/mixin/os_tpl/', '/mixin/', "/compute/$missing") {
        page_ok(occi_request(GET => "$prefix$path", [Accept => $browser]), $prefix,
                "a browser at $prefix$path");
    }
    page_ok(occi_request(GET => $vm, [Accept => $browser]), $prefix, "a browser at $vm");
    page_ok(occi_request(GET => $vm, [Accept => 'text/html']), $prefix, 'Accept: text/html alone');

    # A path the API does not answer is not the console's either.
    $res = occi_request(GET => "$prefix/nothing/here", [Accept => $browser]);
    is $res->code, 404, "$prefix/nothing/here: still 404 for a browser";
    isnt $res->header('Content-Type'), 'text/html; charset=utf-8', 'and no page';

    # HEAD: the headers of the GET, with its length.
    my $get = occi_request(GET => "$prefix/compute/", [Accept => $browser]);
    my $head = occi_request(HEAD => "$prefix/compute/", [Accept => $browser]);
    is $head->code, 200, "HEAD $prefix/compute/ from a browser: 200";
    is $head->header('Content-Type'), 'text/html; charset=utf-8', 'HEAD: text/html';
    is $head->header('Content-Length'), length($get->content), 'HEAD: the length of the GET';
    is $head->content, '', 'HEAD: no body';
    is $head->header('Content-Security-Policy'), $csp, 'HEAD: the policy too';

    # The script and the style sheet, and Chart.js for the usage charts
    # (embedded from the file configure found).
    for my $asset (['console.js', 'text/javascript; charset=utf-8', qr/'use strict'/],
                   ['console.css', 'text/css; charset=utf-8', qr/:root\s*\{/],
                   ['chart.js', 'text/javascript; charset=utf-8', qr/Chart\.js v[34]\./]) {
        my ($file, $type, $content) = @$asset;
        my $path = "$prefix/-/$file";
        $res = occi_request(GET => $path);
        is $res->code, 200, "GET $path: 200";
        is $res->header('Content-Type'), $type, "$path: $type";
        like $res->content, $content, "$path: is the file";
        is $res->header('X-Content-Type-Options'), 'nosniff', "$path: nosniff";
        is $res->header('Cache-Control'), 'no-cache', "$path: checked again before reuse";
        my $etag = $res->header('ETag');
        like $etag // '', qr/^"[0-9a-f]{8}-[0-9a-f]+"$/, "$path: an ETag from the content";
        is occi_request(GET => $path, [Accept => 'text/css,*/*;q=0.1'])->header('ETag'), $etag,
            "$path: the same whatever Accept says";
        my $again = occi_request(GET => $path, ['If-None-Match' => $etag]);
        is $again->code, 304, "$path with If-None-Match: 304";
        is $again->content, '', '304: no body';
        is $again->header('ETag'), $etag, '304: the ETag';
        is occi_request(GET => $path, ['If-None-Match' => "\"other\", W/$etag"])->code, 304,
            "$path: a weak match in a list: 304";
        is occi_request(GET => $path, ['If-None-Match' => '*'])->code, 304, "$path: *: 304";
        is occi_request(GET => $path, ['If-None-Match' => '"other"'])->code, 200,
            "$path: another ETag: 200";
        $head = occi_request(HEAD => $path);
        is $head->code, 200, "HEAD $path: 200";
        is $head->header('Content-Length'), length($res->content), "HEAD $path: the length";
        is $head->content, '', "HEAD $path: no body";
        $res = occi_request(POST => $path, ['Content-Type' => 'application/occi+json'], '{}');
        is $res->code, 405, "POST $path: 405";
        is $res->header('Allow'), 'GET, HEAD, OPTIONS', "POST $path: Allow";
        is occi_request(OPTIONS => $path)->header('Allow'), 'GET, HEAD, OPTIONS',
            "OPTIONS $path: Allow";
    }
    for my $path ('/-/console.html', '/-/console', '/-/console.js/', '/-/Console.js',
                  '/compute/console.js') {
        is occi_request(GET => "$prefix$path")->code, 404, "GET $prefix$path: 404";
    }
}

# OCCI clients keep their renderings: text/html wins only when preferred.
for my $case ([undef, 'text/plain'], ['*/*', 'text/plain'], ['text/*', 'text/plain'],
              ['application/occi+json', 'application/occi+json'],
              ['text/html;q=0.5, application/occi+json', 'application/occi+json'],
              ['text/html, application/occi+json', 'application/occi+json'],
              ['text/html, */*', 'text/plain'],
              ['text/html;q=0.9, text/plain;q=0.8', 'text/html; charset=utf-8'],
              ['text/html, text/*;q=0.5', 'text/html; charset=utf-8']) {
    my ($accept, $type) = @$case;
    for my $path ('/-/', '/compute/') {
        my $res = occi_request(GET => $path, [defined $accept ? (Accept => $accept) : ()]);
        is $res->code, 200, 'Accept ' . ($accept // '(none)') . " on $path: 200";
        is $res->header('Content-Type'), $type, 'Accept ' . ($accept // '(none)') . ": $type";
    }
}

# Other methods behave as they did: a browser's POST creates and renders.
my $res = occi_request(POST => '/compute/', [Accept => $browser,
    'Content-Type' => 'application/occi+json'], qq({"kind":"${\ INFRA}compute"}));
is $res->code, 201, 'POST with a browser\'s Accept: 201';
is $res->header('Content-Type'), 'text/plain', 'rendered as text/plain, as before';
$res = occi_request(PUT => '/-/', [Accept => $browser]);
is $res->code, 405, 'PUT with a browser\'s Accept: 405 as before';
$res = occi_request(GET => '/-/', [Accept => 'text/html, text']);
is $res->code, 400, 'a malformed Accept is still a 400';

# The mount path is escaped for the URL and for the HTML attribute.
$res = occi_request(GET => '/odd%20mount&/', [Accept => $browser]);
page_ok($res, '/odd%20mount&amp;', 'a mount with a space and an ampersand');
is occi_request(GET => '/odd%20mount&/-/console.js')->code, 200, 'its script';

# OCCIConsole Off: no page and no files; negotiation as without the console.
$res = occi_request(GET => '/no-console/-/', [Accept => $browser]);
is $res->code, 200, 'OCCIConsole Off: a browser gets 200';
is $res->header('Content-Type'), 'text/plain', 'and text/plain, the best OCCI rendering';
ok !defined $res->header('Content-Security-Policy'), 'no console policy';
$res = occi_request(GET => '/no-console/compute/', [Accept => 'text/html']);
is $res->code, 406, 'OCCIConsole Off: Accept text/html alone is a 406';
like $res->header('Vary') // '', qr/\bAccept\b/, 'with Vary: Accept';
is occi_request(HEAD => '/no-console/-/', [Accept => 'text/html'])->code, 406, 'HEAD too';
for my $file ('console.js', 'console.css', 'chart.js') {
    is occi_request(GET => "/no-console/-/$file")->code, 404, "OCCIConsole Off: /-/$file is 404";
}

# Authentication applies to the page as to the API.
$res = occi_request(GET => '/tenants/compute/', [Accept => $browser]);
is $res->code, 401, 'behind Basic authentication the page asks for credentials';
$res = occi_request(GET => '/tenants/compute/', [Accept => $browser,
    Authorization => 'Basic ' . encode_base64('alice:alice-secret', '')]);
page_ok($res, '/tenants', 'with them, the page');

done_testing();
