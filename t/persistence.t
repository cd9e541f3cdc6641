# SPDX-License-Identifier: Apache-2.0
# Entities and user mixins survive an httpd restart.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my ($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'persistent',
    attributes => { 'occi.compute.cores' => 3 } });
is $res->code, 201, 'created before the restart';
is json_request(POST => '/-/', { mixins => [{ term => 'kept', scheme => 'http://example.com/keep#',
                                             location => '/kept/' }] })->code, 200,
    'a user mixin before the restart';
json_request(POST => '/kept/', [$vm]);

my $server = Apache::Test::config()->server;
$server->stop;
ok $server->start, 'httpd restarted';

$res = json_request(GET => $vm);
is $res->code, 200, 'the entity is there after the restart';
my $entity = decode_json_body($res);
is $entity->{title}, 'persistent', 'with its title';
is $entity->{attributes}{'occi.compute.cores'}, 3, 'and its attributes';
ok grep({ $_ eq 'http://example.com/keep#kept' } @{ $entity->{mixins} || [] }),
    'and its user mixin';
is_deeply [grep { length } uri_paths(occi_request(GET => '/kept/', [Accept => 'text/uri-list'])->content)],
    [$vm], 'the mixin collection still lists it';

json_request(DELETE => $vm);
json_request(DELETE => '/-/', { mixins => [{ term => 'kept', scheme => 'http://example.com/keep#' }] });
done_testing();
