# SPDX-License-Identifier: Apache-2.0
# User mixins (defined at /-/) and mixin collections: association,
# replacement and dissociation of members; provider templates likewise.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use URI::Escape qw(uri_escape);

my $tag = 'http://example.com/occi/tags#';
my ($a) = create_json('/compute/', { kind => INFRA . 'compute', title => 'mixin-a' });
my ($b) = create_json('/compute/', { kind => INFRA . 'compute', title => 'mixin-b' });
my ($c) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });

# Define a user mixin in JSON and one in text.
my $res = json_request(POST => '/-/', { mixins => [
    { term => 'blue', scheme => $tag, title => 'Blue things', location => '/tags/blue/' } ] });
is $res->code, 200, 'POST /-/ defines a mixin: 200' or diag $res->content;
$res = occi_request(POST => '/-/', ['Content-Type' => 'text/plain'],
    "Category: red; scheme=\"$tag\"; class=\"mixin\"; title=\"Red\"; location=\"/tags/red/\"\n");
is $res->code, 200, 'and in text: 200' or diag $res->content;

# The query interface lists them, in every rendering and from every child.
for (1 .. 6) {
    my $model = decode_json_body(json_request(GET => '/-/'));
    my %mixins = map { ($_->{scheme} . $_->{term}) => $_ } @{ $model->{mixins} };
    ok $mixins{"${tag}blue"} && $mixins{"${tag}red"}, "GET /-/ (request $_) lists both";
}
my $listed = parse_text_categories(occi_request(GET => '/-/')->content);
is $listed->{"${tag}blue"}{location}, '/tags/blue/', 'text/plain lists the location';
is parse_text_categories(occi_request(GET => '/occi/-/')->content)->{"${tag}blue"}{location},
    '/occi/tags/blue/', 'under /occi/ with the prefix';
$res = occi_request(GET => '/-/?category=' . uri_escape("${tag}red"));
is_deeply [keys %{ parse_text_categories($res->content) }], ["${tag}red"], 'a filter finds it';

# Clashes: 409; bad definitions: 400.
is json_request(POST => '/-/', { mixins => [{ term => 'blue', scheme => $tag,
    location => '/tags/other/' }] })->code, 409, 'the same scheme and term: 409';
is json_request(POST => '/-/', { mixins => [{ term => 'green', scheme => $tag,
    location => '/tags/blue/' }] })->code, 409, 'the same location: 409';
is json_request(POST => '/-/', { mixins => [{ term => 'green', scheme => $tag,
    location => '/compute/' }] })->code, 409, 'a kind\'s location: 409';
for my $bad (
    [{ term => 'g', scheme => $tag, location => '/tags/../compute/' }, qr/not a plain path/],
    [{ term => 'g', scheme => $tag, location => 'tags/g' }, qr/starts and ends with/],
    [{ term => 'g', scheme => $tag, location => '/tags/%2e%2e/' }, qr/only letters, digits/],
    [{ term => 'g', scheme => $tag }, qr/needs a location/],
    [{ term => 'g', scheme => 'http://schemas.ogf.org/occi/mine#', location => '/g/' }, qr/reserved/],
    [{ term => 'g', scheme => $tag, location => '/g/',
       attributes => { 'com.example.x' => { type => 'string' } } }, qr/no attributes or actions/],
    [{ term => 'g', scheme => $tag, location => '/g/', depends => ['http://example.com/none#x'] },
        qr/not defined/],
) {
    $res = json_request(POST => '/-/', { mixins => [$bad->[0]] });
    is $res->code, 400, 'a bad mixin definition: 400';
    like decode_json_body($res)->{message}, $bad->[1], 'says why';
}

# Associate (POST), list (GET), replace (PUT), dissociate (DELETE).
$res = json_request(POST => '/tags/blue/', { resources => [{ location => $a }, { location => $c }] });
is $res->code, 200, 'POST associates members: 200' or diag $res->content;
$res = occi_request(GET => '/tags/blue/', [Accept => 'text/uri-list']);
is_deeply [sort grep { length } uri_paths($res->content)], [sort $a, $c], 'GET lists them';
ok grep({ $_ eq "${tag}blue" } @{ decode_json_body(json_request(GET => $a))->{mixins} }),
    'the entity shows the mixin';
$res = occi_request(PUT => '/tags/blue/', ['Content-Type' => 'text/uri-list'], "$b\r\n");
is $res->code, 200, 'PUT replaces the members: 200' or diag $res->content;
$res = occi_request(GET => '/tags/blue/', [Accept => 'text/uri-list']);
is_deeply [grep { length } uri_paths($res->content)], [$b], 'only the new member';
ok !grep({ $_ eq "${tag}blue" } @{ decode_json_body(json_request(GET => $a))->{mixins} || [] }),
    'the old one lost the mixin';
$res = occi_request(POST => '/tags/red/', ['Content-Type' => 'text/occi', 'X-OCCI-Location' => "$a, $b"]);
is $res->code, 200, 'X-OCCI-Location associates: 200' or diag $res->content;
$res = occi_request(DELETE => '/tags/red/', ['Content-Type' => 'text/occi', 'X-OCCI-Location' => $a]);
is $res->code, 200, 'DELETE with a list dissociates those: 200';
$res = occi_request(GET => '/tags/red/', [Accept => 'text/uri-list']);
is_deeply [grep { length } uri_paths($res->content)], [$b], 'the other stays';
is json_request(POST => '/tags/red/', ['/compute/00000000-0000-4000-8000-000000000000'])->code, 400,
    'associating an unknown entity: 400';

# Provider templates are mixin collections too.
$res = json_request(POST => '/mixin/resource_tpl/large/', [$a]);
is $res->code, 200, 'associating a flavour: 200' or diag $res->content;
is decode_json_body(json_request(GET => $a))->{attributes}{'occi.compute.cores'}, 4,
    'which resizes the compute';
is json_request(POST => '/mixin/os_tpl/debian12/', [$c])->code, 400,
    'an OS template on a storage: 400';

# Templates are the provider's: a user mixin that depends on os_tpl or
# resource_tpl, directly or through another mixin, would be taken for one
# (and boot nothing). Refused, and nothing is defined.
for my $case (
    ['os_tpl', { term => 'mine', scheme => $tag, depends => [INFRA . 'os_tpl'], location => '/my-os/' }],
    ['resource_tpl', { term => 'huge', scheme => $tag, depends => [INFRA . 'resource_tpl'], location => '/my-flavour/' }],
    ['a provider template', { term => 'debianish', scheme => $tag,
        depends => ['http://localhost/occi/os_tpl#debian12'], location => '/debianish/' }],
) {
    my ($what, $definition) = @$case;
    $res = json_request(POST => '/-/', { mixins => [$definition] });
    is $res->code, 403, "a user mixin depending on $what: 403";
    like decode_json_body($res)->{message}, qr/OS and resource templates are the provider's/,
        'says why';
    is json_request(GET => $definition->{location})->code, 404, 'and nothing was defined';
}
$res = occi_request(POST => '/-/', ['Content-Type' => 'text/plain'],
    "Category: stufik; scheme=\"http://example.com/occi/my_stuff#\"; class=\"mixin\"; "
    . "location=\"/mixin/resource_tpl/extra_large/\"; rel=\"${\INFRA}resource_tpl\"\n");
is $res->code, 403, 'in text/plain too';

# Deleting: provider mixins 403, unknown 404, user mixins with their associations.
$res = occi_request(DELETE => '/-/', ['Content-Type' => 'text/plain'],
    "Category: os_tpl; scheme=\"${\INFRA}\"; class=\"mixin\"\n");
is $res->code, 403, 'DELETE /-/ of a provider mixin: 403';
$res = json_request(DELETE => '/-/', { mixins => [{ term => 'nothing', scheme => $tag }] });
is $res->code, 404, 'DELETE /-/ of an unknown mixin: 404';
$res = json_request(DELETE => '/-/', { mixins => [{ term => 'blue', scheme => $tag }] });
is $res->code, 200, 'DELETE /-/ of a user mixin: 200';
ok !grep({ $_ eq "${tag}blue" } @{ decode_json_body(json_request(GET => $b))->{mixins} || [] }),
    'its associations are gone';
is occi_request(GET => '/tags/blue/')->code, 404, 'and so is its location';
json_request(DELETE => '/-/', { mixins => [{ term => 'red', scheme => $tag }] });

json_request(DELETE => $_) for $a, $b, $c;
done_testing();
