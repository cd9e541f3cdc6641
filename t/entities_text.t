# SPDX-License-Identifier: Apache-2.0
# Entities in the text renderings: text/plain bodies and text/occi headers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $kind = 'Category: compute; scheme="' . INFRA . '"; class="kind"';
my $debian = 'Category: debian12; scheme="http://localhost/occi/os_tpl#"; class="mixin"';

# text/plain: the rendering in the body.
my $body = join "\n", $kind, $debian,
    'X-OCCI-Attribute: occi.core.title="text vm, with \"quotes\"; and semicolons"',
    'X-OCCI-Attribute: occi.compute.cores=2', 'X-OCCI-Attribute: occi.compute.memory=1.5', '';
my $res = occi_request(POST => '/compute/', ['Content-Type' => 'text/plain', Accept => 'text/plain'],
                       $body);
is $res->code, 201, 'text/plain create: 201' or diag $res->content;
my $path = location_path($res->header('Location'));
like $path, qr{^/compute/[0-9a-f-]{36}$}, 'Location is the entity URL';
is $res->header('X-OCCI-Location'), url_of($path), 'X-OCCI-Location too, an absolute URL';
is $res->header('Location'), url_of($path), 'as Location is';

$res = occi_request(GET => $path, [Accept => 'text/plain']);
is $res->code, 200, 'GET text/plain: 200';
my @lines = split /\n/, $res->content;
like $lines[0], qr/^Category: compute; scheme="\Q${\INFRA}\E"; class="kind"/, 'the kind first';
ok scalar(grep { /^Category: debian12; scheme="http:\/\/localhost\/occi\/os_tpl#"; class="mixin"/ } @lines),
    'then the mixin';
my $attributes = text_attributes(map { /^X-OCCI-Attribute:\s*(.*)$/ ? $1 : () } @lines);
is $attributes->{'occi.core.title'}, 'text vm, with "quotes"; and semicolons',
    'a title with quotes, commas and semicolons survives';
is $attributes->{'occi.compute.cores'}, 2, 'cores';
is $attributes->{'occi.compute.memory'}, '1.5', 'memory';
is $attributes->{'occi.compute.state'}, 'inactive', 'state';
like $attributes->{'occi.core.id'}, qr/^urn:uuid:/, 'occi.core.id';
ok scalar(grep { m{^Link: <\Q${\url_of($path)}\E\?action=start>; rel="http://schemas.ogf.org/occi/infrastructure/compute/action#start"} } @lines),
    'the start action as an ActionLink to the absolute URL';

# text/occi: the same fields in headers, body OK.
$res = occi_request(GET => $path, [Accept => 'text/occi']);
is $res->header('Content-Type'), 'text/occi', 'GET text/occi';
is $res->content, 'OK', 'body OK';
my @categories = map { split_header_values($_) } $res->header('Category');
like $categories[0], qr/^compute; scheme=/, 'Category header: the kind';
$attributes = text_attributes($res->header('X-OCCI-Attribute'));
is $attributes->{'occi.core.title'}, 'text vm, with "quotes"; and semicolons', 'title in headers';

# text/occi create and update: everything in headers.
$res = occi_request(POST => '/compute/', ['Content-Type' => 'text/occi', Accept => 'text/occi',
    Category => 'compute; scheme="' . INFRA . '"; class="kind"',
    'X-OCCI-Attribute' => 'occi.core.title="headers", occi.compute.cores=3']);
is $res->code, 201, 'text/occi create: 201' or diag $res->content;
my $header_path = location_path($res->header('Location'));
$res = occi_request(POST => $header_path, ['Content-Type' => 'text/occi', Accept => 'text/occi',
    'X-OCCI-Attribute' => 'occi.compute.hostname="h.example.com"']);
is $res->code, 200, 'text/occi update: 200' or diag $res->content;
is text_attributes($res->header('X-OCCI-Attribute'))->{'occi.compute.hostname'}, 'h.example.com',
    'the update shows';

# Bad text input: 400 naming the problem.
for my $case (
    ["Category: compute; scheme=\"${\INFRA}\"; class=\"kind\"\nX-OCCI-Attribute: occi.compute.cores=2x\n",
        qr/occi\.compute\.cores/],
    ["Category: compute; scheme=\"${\INFRA}\"; class=\"kind\nX-OCCI-Attribute: a=1\n", qr/unbalanced/],
    ["Nonsense: here\n", qr/Nonsense/],
    ["X-OCCI-Attribute: occi.core.title=\"no kind\"\n", qr/kind/],
) {
    $res = occi_request(POST => '/compute/', ['Content-Type' => 'text/plain'], $case->[0]);
    is $res->code, 400, 'bad text: 400';
    like $res->content, $case->[1], 'names the problem';
}

# An entity rendered in text/uri-list is a bad request.
is occi_request(GET => $path, [Accept => 'text/uri-list'])->code, 400,
    'text/uri-list for an entity: 400';

occi_request(DELETE => $_) for $path, $header_path;
done_testing();
