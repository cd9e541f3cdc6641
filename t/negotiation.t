# SPDX-License-Identifier: Apache-2.0
# Content negotiation on the query interface: q-values, specificity, 406,
# the text/plain default, the error renderings.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my @cases = (
    [undef, 'text/plain'],
    ['*/*', 'text/plain'],
    ['text/*', 'text/plain'],
    ['text/occi', 'text/occi'],
    ['TEXT/OCCI', 'text/occi'],
    ['application/*', 'application/occi+json'],
    ['application/json', 'application/json'],
    ['application/occi+json', 'application/occi+json'],
    ['text/plain;q=0.5, application/occi+json', 'application/occi+json'],
    ['text/plain, application/occi+json;q=0.9', 'text/plain'],
    ['application/json;q=0.8, text/occi;q=0.9', 'text/occi'],
    ['text/*;q=0, */*', 'application/occi+json'],
    ['text/*;q=0.1, text/occi', 'text/occi'],
    # A browser gets the web console (t/console.t).
    ['text/html, application/xhtml+xml, */*;q=0.8', 'text/html; charset=utf-8'],
    ['text/plain; charset=utf-8', 'text/plain'],
    ['text/plain;level=1;q=0.2, application/json;q=0.1', 'text/plain'],
);
for my $case (@cases) {
    my ($accept, $type) = @$case;
    my $res = occi_request(GET => '/-/', [defined $accept ? (Accept => $accept) : ()]);
    is $res->code, 200, 'Accept ' . ($accept // '(none)') . ': 200';
    is $res->header('Content-Type'), $type, 'Accept ' . ($accept // '(none)') . ": $type";
}

# Nothing acceptable: 406, and the message lists what is available.
# (Where OCCIConsole is Off, text/html is not offered either.)
for my $case (['/-/', 'image/png'], ['/-/', 'text/plain;q=0, text/occi;q=0, application/*;q=0'],
              ['/no-console/-/', 'text/html']) {
    my ($path, $accept) = @$case;
    my $res = occi_request(GET => $path, [Accept => $accept]);
    is $res->code, 406, "Accept $accept: 406";
    like $res->content, qr{available as text/plain, text/occi, application/occi\+json},
        "Accept $accept: the message lists the renderings";
    like $res->header('Vary'), qr/Accept/, "Accept $accept: Vary: Accept";
}

# text/uri-list renders only listings: asking for it here is a bad request.
my $res = occi_request(GET => '/-/', [Accept => 'text/uri-list']);
is $res->code, 400, 'Accept text/uri-list on the query interface: 400';
like $res->content, qr{text/uri-list renders only listings}, 'and the message says why';

# Errors come as JSON to clients that prefer JSON, else as a line of text.
$res = occi_request(GET => '/nothing/', [Accept => 'application/occi+json']);
is $res->header('Content-Type'), 'application/occi+json', 'a JSON client gets JSON errors';
my $error = decode_json_body($res);
is $error->{code}, 404, 'the JSON error carries the status';
like $error->{message}, qr{nothing in the OCCI namespace is at /nothing/}, 'and the message';
$res = occi_request(GET => '/nothing/', [Accept => 'text/occi']);
is $res->header('Content-Type'), 'text/occi', 'a text/occi client gets its error in text/occi';
like $res->content, qr{^nothing in the OCCI namespace is at /nothing/\n\z}, 'one line';
$res = occi_request(GET => '/nothing/', [Accept => 'text/plain']);
is $res->header('Content-Type'), 'text/plain', 'a text/plain client in text/plain';
$res = occi_request(GET => '/nothing/', [Accept => 'text/uri-list']);
is $res->header('Content-Type'), 'text/plain', 'a text/uri-list client, whose type holds no message, in text/plain';

# Without the console, a browser gets the best OCCI rendering.
is occi_request(GET => '/no-console/-/', [Accept => 'text/html, application/xhtml+xml, */*;q=0.8'])
    ->header('Content-Type'), 'text/plain', 'OCCIConsole Off: a browser gets text/plain';

# With a default rendering configured, clients that accept anything get it.
$res = occi_request(GET => '/json-default/-/');
is $res->header('Content-Type'), 'application/occi+json',
    'OCCIDefaultRendering application/occi+json: */* clients get JSON';
ok decode_json_body($res)->{kinds}, 'and it is the JSON model';
is occi_request(GET => '/json-default/-/', [Accept => 'text/plain'])->header('Content-Type'),
    'text/plain', 'an explicit Accept still wins over the default';

done_testing();
