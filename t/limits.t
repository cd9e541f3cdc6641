# SPDX-License-Identifier: Apache-2.0
# The limits of one request (OCCIMaxAttributeLength, OCCIMaxCategories,
# OCCIMaxLinks, OCCIMaxBodySize; set small in t/conf/extra.conf.in): a
# request beyond one is refused with 413 and a message naming the limit,
# and nothing is stored.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $count = sub { scalar @{ decode_json_body(json_request(GET => '/storage/'))->{resources} || [] } };
my $before = $count->();

my $res = json_request(POST => '/storage/', { kind => INFRA . 'storage', title => 'x' x 5000,
    attributes => { 'occi.storage.size' => 1 } });
is $res->code, 413, 'a 5000-byte title over OCCIMaxAttributeLength 4096: 413';
like decode_json_body($res)->{message}, qr/occi\.core\.title is 5000 bytes long; at most 4096/,
    'names the attribute and the limit';
is json_request(POST => '/storage/', { kind => INFRA . 'storage', title => 'x' x 4096,
    attributes => { 'occi.storage.size' => 1 } })->code, 201, 'exactly 4096 bytes: accepted';

$res = json_request(POST => '/storage/', { resources => [map {
    { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => $_ } } } 1 .. 9] });
is $res->code, 413, 'nine entities over OCCIMaxCategories 8: 413';
like decode_json_body($res)->{message}, qr/more than 8 entities and mixins \(OCCIMaxCategories\)/,
    'names the limit';

my ($net) = create_json('/network/', { kind => INFRA . 'network' });
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', links => [map {
    { kind => INFRA . 'networkinterface', target => { location => $net } } } 1 .. 5] });
is $res->code, 413, 'five inline links over OCCIMaxLinks 4: 413';
like decode_json_body($res)->{message}, qr/more than 4 links \(OCCIMaxLinks\)/, 'names the limit';

# A resource holds at most OCCIMaxLinks links, however they come: the
# fifth standalone link is refused, and what a GET renders of the resource
# with its four links goes back with a PUT, in text and in JSON.
my ($linked) = create_json('/compute/', { kind => INFRA . 'compute', title => 'four links', links => [map {
    { kind => INFRA . 'networkinterface', target => { location => $net } } } 1 .. 3] });
$res = json_request(POST => '/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $linked, target => $net });
is $res->code, 201, 'a fourth link, standalone: 201' or diag $res->content;
$res = json_request(POST => '/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $linked, target => $net });
is $res->code, 409, 'a fifth: 409';
like decode_json_body($res)->{message}, qr/has 4 links, the most a resource may have \(OCCIMaxLinks\)/,
    'names the limit';
is scalar @{ decode_json_body(json_request(GET => $linked))->{links} || [] }, 4, 'the compute has four';
my $text = occi_request(GET => $linked, [Accept => 'text/plain'])->content;
$text =~ s/occi\.core\.title="four links"/occi.core.title="four links, again"/;
$res = occi_request(PUT => $linked, ['Content-Type' => 'text/plain', Accept => 'text/plain'], $text);
is $res->code, 200, 'its text rendering, sent back with a new title: 200' or diag $res->content;
my $read = decode_json_body(json_request(GET => $linked));
is $read->{title}, 'four links, again', 'the title changed';
is scalar @{ $read->{links} || [] }, 4, 'and the links stay';
$read->{title} = 'four links, in JSON';
$res = json_request(PUT => $linked, $read);
is $res->code, 200, 'its JSON rendering, sent back: 200' or diag $res->content;
$res = json_request(PUT => $linked, { %$read, links => [@{ $read->{links} || [] }[0 .. 2]] });
is $res->code, 400, 'a replacement that drops a link: 400';
like decode_json_body($res)->{message}, qr/send them as they are, or none/, 'says what it takes';
json_request(DELETE => $linked);

$res = occi_request(POST => '/storage/', ['Content-Type' => 'application/occi+json'],
                    '{"kind":"' . INFRA . 'storage","title":"' . ('y' x 1_100_000) . '"}');
is $res->code, 413, 'a body over OCCIMaxBodySize (1 MiB): 413';
like $res->content, qr/larger than the 1048576 bytes OCCIMaxBodySize allows/, 'names the limit';

is $count->(), $before + 1, 'only the accepted storage was stored';
json_request(DELETE => entity_path($_)) for grep { length($_->{title} // '') == 4096 }
    @{ decode_json_body(json_request(GET => '/storage/'))->{resources} || [] };
json_request(DELETE => $net);
done_testing();
