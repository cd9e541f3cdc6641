# SPDX-License-Identifier: Apache-2.0
# Hostile input to the parsers: each request gets a 4xx with a message,
# never a 5xx, a crash or a hang, and the server keeps serving.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $scheme = 'scheme="' . INFRA . '"';
my @cases = (
    ['unbalanced quotes', [Category => qq{compute; $scheme; class="kind"; title="no end}],
        qr/unbalanced quotes/],
    ['an unknown class', [Category => qq{compute; $scheme; class="widget"}],
        qr/class 'widget' is unknown/],
    ['no scheme', [Category => 'compute; class="kind"'], qr/lacks the scheme/],
    ['no class', [Category => "compute; $scheme"], qr/lacks the class/],
    ['an invalid term', [Category => qq{-compute; $scheme; class="kind"}],
        qr/not a valid category term|category term is expected/],
    ['a parameter without value', [Category => "compute; $scheme; class"], qr/has no '='/],
    ['invalid UTF-8', [Category => qq{compute; $scheme; class="kind"; title="\xff\xfe"}],
        qr/not valid UTF-8/],
    ['an overlong UTF-8 slash', [Category => qq{compute; $scheme; class="kind"; title="\xc0\xaf"}],
        qr/not valid UTF-8/],
    ['a very long header', [Category => qq{compute; $scheme; class="kind"; title="} . ('x' x 500_000)],
        qr/unbalanced quotes/],
    ['a header beyond LimitRequestFieldSize', [Category => 'x' x 2_000_000],
        qr/exceeds server limit/],
    ['thousands of categories', [Category => join(', ', (qq{compute; $scheme; class="kind"}) x 5000)],
        qr/more than 64 categories/],
    ['an Accept of 10,000 entries', [Accept => join(', ', ('text/plain;q=0.5') x 10_000)],
        qr/Accept: more than 100 media ranges/],
    ['an Accept without subtype', [Accept => 'text'], qr/is not a media range/],
    ['an Accept with a bad quality', [Accept => 'text/plain;q=2'], qr/quality '2'/],
);
for my $case (@cases) {
    my ($what, $headers, $message) = @$case;
    my $started = time;
    my $res = occi_request(GET => '/-/', $headers);
    is $res->code, 400, "$what: 400";
    like $res->content, $message, "$what: the message names the problem";
    ok time - $started < 10, "$what: answered promptly";
}

my @queries = (
    ['%zz', qr/not followed by two hex digits/],
    ['category=%', qr/not followed by two hex digits/],
    ['category=%00', qr/NUL/],
    ['category=%ff%fe', qr/not valid UTF-8/],
    ['category=' . ('a' x 300_000), qr/not a type identifier/],
);
for my $case (@queries) {
    my ($query, $message) = @$case;
    my $res = occi_request(GET => "/-/?$query");
    is $res->code, 400, 'query ' . substr($query, 0, 20) . ': 400';
    like $res->content, $message, 'query ' . substr($query, 0, 20) . ': says why';
}

# After all that, the server still answers normally.
my $res = occi_request(GET => '/-/');
is $res->code, 200, 'the server still serves the query interface';
ok scalar(keys %{ parse_text_categories($res->content) }) > 20, 'with the whole model';

done_testing();
