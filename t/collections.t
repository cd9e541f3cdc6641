# SPDX-License-Identifier: Apache-2.0
# Collections: listings in every rendering, the union at unbound paths,
# pagination, filters, and deleting a whole collection.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use URI::Escape qw(uri_escape);

my $network = INFRA . 'network';
my @paths;
for my $n (1 .. 7) {
    my ($path, $res) = create_json('/network/', { kind => $network, title => "net-$n",
        attributes => { 'occi.network.vlan' => $n % 2 ? 100 : 200, 'occi.network.label' => "l$n" } });
    is $res->code, 201, "network $n created" or diag $res->content;
    push @paths, $path;
}

# A JSON entity carries no location: its kind's location and its id say it.
sub json_locations {
    my ($res, $prefix) = @_;
    my $collection = decode_json_body($res) or return [];
    return [map { entity_path($_, $prefix) } @{ $collection->{resources} || [] },
            @{ $collection->{links} || [] }];
}

# Every rendering lists the same members.
my $res = occi_request(GET => '/network/', [Accept => 'text/uri-list']);
is $res->header('Content-Type'), 'text/uri-list', 'text/uri-list';
my @uris = grep { length } uri_paths($res->content);
is_deeply [sort @uris], [sort @paths], 'text/uri-list: one absolute URI per member';
my $network_url = url_of('/network/');
like $res->content, qr{^\Q$network_url\E[0-9a-f-]{36}\r\n}m, 'written as URLs of this server';
$res = occi_request(GET => '/network/', [Accept => 'text/plain']);
is_deeply [sort map { /^X-OCCI-Location:\s*(\S+)/ ? $1 : () } split /\n/, $res->content],
    [sort map { url_of($_) } @paths], 'text/plain: X-OCCI-Location lines, absolute URLs';
$res = occi_request(GET => '/network/', [Accept => 'text/occi']);
is_deeply [sort map { split_header_values($_) } $res->header('X-OCCI-Location')],
    [sort map { url_of($_) } @paths], 'text/occi: X-OCCI-Location headers, absolute URLs';
$res = json_request(GET => '/network/');
is_deeply [sort @{ json_locations($res) }], [sort @paths], 'JSON: resources with locations';
is scalar(grep { $_->{kind} eq $network } @{ decode_json_body($res)->{resources} || [] }), 7,
    'JSON: full entities';
$res = json_request(GET => '/occi/network/');
is_deeply [sort @{ json_locations($res, '/occi') }], [sort map { "/occi$_" } @paths],
    'under /occi/ the same members';
$res = occi_request(GET => '/occi/network/', [Accept => 'text/uri-list']);
is_deeply [sort grep { length } uri_paths($res->content)], [sort map { "/occi$_" } @paths],
    'and their URLs carry the prefix';

# The mount root is the union of the collections below it.
$res = occi_request(GET => '/', [Accept => 'text/uri-list']);
my %root = map { $_ => 1 } grep { length } uri_paths($res->content);
ok !grep({ !$root{$_} } @paths), 'GET / lists the networks among everything';

# Below another unbound path, the union of the collections located there.
my ($flavoured) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => ['http://localhost/occi/resource_tpl#small'] });
my ($plain) = create_json('/compute/', { kind => INFRA . 'compute' });
my %below = map { $_ => 1 } grep { length }
    uri_paths(occi_request(GET => '/mixin/', [Accept => 'text/uri-list'])->content);
ok $below{$flavoured}, 'GET /mixin/ lists a member of a template below it';
ok !$below{$plain} && !$below{$paths[0]}, 'and nothing that carries no mixin located there';
json_request(DELETE => $_) for $flavoured, $plain;

# Pagination: page/number, 413 beyond the maximum, empty past the end.
my @pages;
for my $page (1 .. 3) {
    $res = occi_request(GET => "/network/?page=$page&number=3", [Accept => 'text/uri-list']);
    is $res->code, 200, "page $page: 200";
    push @pages, [grep { length } uri_paths($res->content)];
}
is_deeply [map { scalar @$_ } @pages], [3, 3, 1], 'pages of 3, 3 and 1';
is_deeply [sort map { @$_ } @pages], [sort @paths], 'the pages cover the collection once';
$res = occi_request(GET => '/network/?page=9&number=3', [Accept => 'text/uri-list']);
is $res->code, 200, 'past the end: 200';
is $res->content, '', 'past the end: empty';
$res = json_request(GET => '/network/?page=9&number=3');
is_deeply decode_json_body($res), {}, 'past the end in JSON: {} (no empty arrays)';
$res = occi_request(GET => '/network/?number=51');
is $res->code, 413, 'number beyond OCCIMaxPageSize: 413';
like $res->content, qr/larger than the 50 entities a page may hold/, 'says the maximum';
is occi_request(GET => '/network/?page=0&number=2')->code, 400, 'page 0: 400';
is occi_request(GET => '/network/?page=1&number=x')->code, 400, 'number x: 400';

# Filters: text/occi headers and the query string.
$res = occi_request(GET => '/network/', [Accept => 'text/uri-list',
                                          'X-OCCI-Attribute' => 'occi.network.vlan=200']);
is scalar(grep { length } uri_paths($res->content)), 3, 'X-OCCI-Attribute filter: 3 of 7';
$res = occi_request(GET => '/network/?attribute=occi.network.label&value=l4',
                    [Accept => 'text/uri-list']);
is_deeply [grep { length } uri_paths($res->content)], [$paths[3]], 'attribute= value=: one';
$res = occi_request(GET => '/?category=' . uri_escape($network), [Accept => 'text/uri-list']);
my @networks = grep { length } uri_paths($res->content);
is_deeply [sort @networks], [sort @paths], '?category= at the root: only networks';
$res = occi_request(GET => '/network/?attribute=occi.network.label', [Accept => 'text/uri-list']);
is $res->code, 400, 'attribute= without value=: 400';
$res = occi_request(GET => '/network/?page=1&number=2&attribute=occi.network.vlan&value=100',
                    [Accept => 'text/uri-list']);
is scalar(grep { length } uri_paths($res->content)), 2, 'filters and pages combine';

# Several ?category= values are a union; a malformed one is refused.
$res = occi_request(GET => '/?category=' . uri_escape($network) . '&category='
                    . uri_escape(INFRA . 'storage'), [Accept => 'text/uri-list']);
is scalar(grep { length } uri_paths($res->content)), scalar(@paths),
    'two ?category= values: networks and (no) storages';
$res = occi_request(GET => '/network/?category=network');
is $res->code, 400, 'a ?category= that is no type identifier: 400';
like $res->content, qr/is not a type identifier/, 'says why';

# Numbers match whichever way they are written.
my ($sized) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 10 } });
is decode_json_body(json_request(GET => $sized))->{attributes}{'occi.storage.size'}, 10,
    'a float attribute given as 10';
like json_request(GET => $sized)->content, qr/"occi\.storage\.size":10\.0\b/,
    'is written 10.0 in JSON, not 1e+01';
for my $written ('10', '10.0', '1e1') {
    $res = occi_request(GET => "/storage/?attribute=occi.storage.size&value=$written",
                        [Accept => 'text/uri-list']);
    ok scalar(grep { $_ eq $sized } uri_paths($res->content)), "value=$written finds it";
}
$res = occi_request(GET => '/storage/', [Accept => 'text/uri-list',
                                          'X-OCCI-Attribute' => 'occi.storage.size=10']);
ok scalar(grep { $_ eq $sized } uri_paths($res->content)), 'so does X-OCCI-Attribute size=10';
json_request(DELETE => $sized);

# A mixin's collection holds the members of the mixins depending on it.
my ($templated) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => ['http://localhost/occi/os_tpl#debian12'] });
$res = occi_request(GET => '/mixin/os_tpl/', [Accept => 'text/uri-list']);
ok scalar(grep { $_ eq $templated } uri_paths($res->content)),
    '/mixin/os_tpl/ lists a compute made from an OS template';
json_request(DELETE => $templated);

# DELETE on the kind collection removes every member.
$res = occi_request(DELETE => '/network/');
ok $res->code == 200 || $res->code == 204, 'DELETE /network/: 200 or 204';
is occi_request(GET => '/network/', [Accept => 'text/uri-list'])->content, '',
    'the collection is empty';
is json_request(GET => $paths[0])->code, 404, 'its members are gone';

done_testing();
