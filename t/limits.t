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

my $count = sub { scalar @{ decode_json_body(json_request(GET => '/storage/'))->{resources} } };
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

$res = occi_request(POST => '/storage/', ['Content-Type' => 'application/occi+json'],
                    '{"kind":"' . INFRA . 'storage","title":"' . ('y' x 1_100_000) . '"}');
is $res->code, 413, 'a body over OCCIMaxBodySize (1 MiB): 413';
like $res->content, qr/larger than the 1048576 bytes OCCIMaxBodySize allows/, 'names the limit';

is $count->(), $before + 1, 'only the accepted storage was stored';
json_request(DELETE => entity_path($_)) for grep { length($_->{title} // '') == 4096 }
    @{ decode_json_body(json_request(GET => '/storage/'))->{resources} };
json_request(DELETE => $net);
done_testing();
