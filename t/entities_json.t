# SPDX-License-Identifier: Apache-2.0
# Entities in the JSON rendering: create, read, update, replace, delete,
# with defaults, templates, validation errors and ETags.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $compute = INFRA . 'compute';
my $small = 'http://localhost/occi/resource_tpl#small';
my $large = 'http://localhost/occi/resource_tpl#large';
my $debian = 'http://localhost/occi/os_tpl#debian12';
my $cirros = 'http://localhost/occi/os_tpl#cirros';

for my $prefix ('', '/occi') {
    # Create: 201, Location, the rendering with defaults applied.
    my ($path, $res) = create_json("$prefix/compute/", {
        kind => $compute, title => "vm <1> & 'x'", mixins => [$debian, $small],
        attributes => { 'occi.compute.hostname' => 'vm1.example.com' } });
    is $res->code, 201, "$prefix: POST /compute/: 201" or diag $res->content;
    like $path, qr{^\Q$prefix\E/compute/[0-9a-f-]{36}$}, "$prefix: Location is the entity URL";
    is $res->header('X-OCCI-Location'), undef, "$prefix: no X-OCCI-Location in JSON";
    my $created = decode_json_body($res);
    is $created->{kind}, $compute, "$prefix: the rendering names the kind";
    is $created->{title}, "vm <1> & 'x'", "$prefix: the title comes back byte for byte";
    is_deeply [sort @{ $created->{mixins} }], [sort $debian, $small], "$prefix: both mixins";
    is $created->{attributes}{'occi.compute.cores'}, 1, "$prefix: the flavour sets cores";
    is $created->{attributes}{'occi.compute.memory'}, 0.5, "$prefix: the flavour sets memory";
    is $created->{attributes}{'occi.compute.state'}, 'inactive', "$prefix: created inactive";
    is $created->{attributes}{'occi.compute.hostname'}, 'vm1.example.com', "$prefix: hostname";
    like $created->{id}, qr/^urn:uuid:[0-9a-f-]{36}$/, "$prefix: id is a urn:uuid";
    # save needs a hypervisor, which these runs do not have.
    is_deeply $created->{actions},
        [map { "http://schemas.ogf.org/occi/infrastructure/compute/action#$_" } qw(start)],
        "$prefix: an inactive compute offers start (and not save, which needs a hypervisor)";
    ok $res->header('ETag'), "$prefix: the response carries an ETag";

    # Read it back.
    $res = json_request(GET => $path);
    is $res->code, 200, "$prefix: GET the entity: 200";
    my $read = decode_json_body($res);
    is $read->{id}, $created->{id}, "$prefix: same id";
    is $read->{title}, "vm <1> & 'x'", "$prefix: same title";
    ok !exists $read->{links}, "$prefix: a resource without links has no links member (no empty arrays)";
    ok !exists $read->{location}, "$prefix: nor a location member, which GFD.226 does not define";
    my $etag = $res->header('ETag');
    like $etag, qr/^"\d+"$/, "$prefix: ETag is quoted";

    # Partial update: 200, the change, a new ETag; a new flavour resizes.
    $res = json_request(POST => $path, { kind => $compute, mixins => [$large],
        attributes => { 'occi.compute.hostname' => 'vm2.example.com' } }, 'If-Match' => $etag);
    is $res->code, 200, "$prefix: POST update with the right If-Match: 200" or diag $res->content;
    my $updated = decode_json_body($res);
    is $updated->{attributes}{'occi.compute.hostname'}, 'vm2.example.com', "$prefix: updated";
    is $updated->{attributes}{'occi.compute.cores'}, 4, "$prefix: the new flavour resized it";
    is_deeply [sort @{ $updated->{mixins} }], [sort $debian, $large],
        "$prefix: the new flavour replaced the old one";
    isnt $res->header('ETag'), $etag, "$prefix: the ETag changed";

    # Stale ETags are refused and change nothing.
    $res = json_request(POST => $path, { attributes => { 'occi.compute.hostname' => 'x' } },
                        'If-Match' => $etag);
    is $res->code, 412, "$prefix: a stale If-Match: 412";
    is decode_json_body(json_request(GET => $path))->{attributes}{'occi.compute.hostname'},
        'vm2.example.com', "$prefix: and nothing changed";
    is json_request(DELETE => $path, undef, 'If-Match' => '"999"')->code, 412,
        "$prefix: DELETE with a stale If-Match: 412";

    # A second OS template by update replaces the first.
    $res = json_request(POST => $path, { mixins => [$cirros] });
    is_deeply [sort @{ decode_json_body($res)->{mixins} }], [sort $cirros, $large],
        "$prefix: a second OS template replaces the first";

    # Bad updates: 400 naming the attribute and the rule; nothing changes.
    my @bad = (
        [{ attributes => { 'occi.compute.state' => 'active' } }, qr/occi\.compute\.state is immutable/],
        [{ attributes => { 'occi.compute.colour' => 'red' } }, qr/occi\.compute\.colour is not defined/],
        [{ attributes => { 'occi.compute.cores' => 'four' } }, qr/occi\.compute\.cores must be an integer/],
        [{ attributes => { 'occi.compute.architecture' => 'arm' } }, qr/must be one of x86, x64/],
        [{ attributes => { 'occi.compute.cores' => 0 } }, qr/must be from 1 to 1024/],
        [{ kind => INFRA . 'storage' }, qr/kind of an entity cannot change/],
        [{ mixins => ['http://example.com/nothing#x'] }, qr/is not defined/],
        [{ attributes => { 'occi.core.title' => "two\nlines" } }, qr/control character/],
    );
    my $before = json_request(GET => $path)->content;
    for my $case (@bad) {
        $res = json_request(POST => $path, $case->[0]);
        is $res->code, 400, "$prefix: bad update: 400";
        like decode_json_body($res)->{message}, $case->[1], "$prefix: the message says why";
    }
    is json_request(GET => $path)->content, $before, "$prefix: bad updates changed nothing";

    # PUT replaces in full; PUT at a new URL creates; If-None-Match: * only creates.
    $res = json_request(PUT => $path, { kind => $compute, title => 'replaced',
                                        attributes => { 'occi.compute.cores' => 2 } });
    is $res->code, 200, "$prefix: PUT on an entity replaces it: 200" or diag $res->content;
    my $replaced = decode_json_body($res);
    is $replaced->{title}, 'replaced', "$prefix: with the new title";
    ok !$replaced->{mixins} || !@{ $replaced->{mixins} }, "$prefix: and only what it names";
    is $replaced->{attributes}{'occi.compute.memory'}, 1, "$prefix: defaults fill the rest";
    is json_request(PUT => $path, { kind => $compute }, 'If-Match' => '"999"')->code, 412,
        "$prefix: PUT with a stale If-Match: 412";
    is json_request(PUT => $path, { kind => $compute }, 'If-None-Match' => '*')->code, 412,
        "$prefix: If-None-Match: * on an existing entity: 412";
    my $new_id = '6b3c2f0e-8d4a-4c1e-9f5a-' . sprintf('%012d', $prefix ? 2 : 1);
    $res = json_request(PUT => "$prefix/compute/$new_id", { kind => $compute, title => 'put' },
                        'If-None-Match' => '*');
    is $res->code, 201, "$prefix: PUT at a new URL creates: 201" or diag $res->content;
    is location_path($res->header('Location')), "$prefix/compute/$new_id", "$prefix: there";
    is json_request(PUT => "$prefix/compute/$new_id", { kind => INFRA . 'storage' })->code, 400,
        "$prefix: PUT with another kind: 400";

    # DELETE: gone afterwards.
    $res = json_request(DELETE => $path);
    ok $res->code == 200 || $res->code == 204, "$prefix: DELETE: 200 or 204";
    is json_request(GET => $path)->code, 404, "$prefix: deleted entities are 404";
    is json_request(DELETE => $path)->code, 404, "$prefix: deleting twice: 404";
    is json_request(DELETE => "$prefix/compute/$new_id")->code =~ /^20[04]$/ ? 1 : 0, 1,
        "$prefix: the PUT-created entity is deleted too";
}

my $res;
# A change the client cannot read the answer to is refused before it is made.
my $before_count = scalar @{ decode_json_body(json_request(GET => '/compute/'))->{resources} || [] };
$res = occi_request(POST => '/compute/', ['Content-Type' => 'application/occi+json',
    Accept => 'image/png'], '{"kind":"' . $compute . '"}');
is $res->code, 406, 'a create with an unanswerable Accept: 406';
ok !$res->header('Location'), 'without a Location';
is scalar @{ decode_json_body(json_request(GET => '/compute/'))->{resources} || [] }, $before_count,
    'and nothing was created';

# Creation refusals: 400 with the reason, nothing created.
my @refused = (
    ['/compute/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } },
        qr/does not belong in the collection/],
    ['/storage/', { kind => INFRA . 'storage' }, qr/occi\.storage\.size is required/],
    ['/compute/', { kind => $compute, mixins => [$debian, $cirros] }, qr/only one OS template/],
    ['/compute/', { kind => $compute,
                    mixins => ['http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'] },
        qr/does not apply to kind/],
    ['/compute/', { kind => $compute, attributes => { 'occi.compute.state' => 'active' } },
        qr/immutable/],
    ['/compute/', { kind => 'http://example.com/occi#widget' }, qr/not a kind this server knows/],
);
my $count = scalar @{ decode_json_body(json_request(GET => '/compute/'))->{resources} || [] };
for my $case (@refused) {
    my $res = json_request(POST => $case->[0], $case->[1]);
    is $res->code, 400, "refused creation: 400";
    like decode_json_body($res)->{message}, $case->[2], 'with the reason';
}
$res = occi_request(POST => '/compute/', ['Content-Type' => 'application/occi+json'], '{"kind":');
is $res->code, 400, 'malformed JSON: 400';
$res = occi_request(POST => '/compute/', ['Content-Type' => 'application/xml'], '<compute/>');
is $res->code, 415, 'an unknown Content-Type: 415';
is scalar @{ decode_json_body(json_request(GET => '/compute/'))->{resources} || [] }, $count,
    'refused creations created nothing';

# Several entities in one POST: all or none.
$res = json_request(POST => '/storage/', { resources => [
    { kind => INFRA . 'storage', title => 'refused-a', attributes => { 'occi.storage.size' => 1 } },
    { kind => INFRA . 'storage', title => 'refused-b' } ] });
is $res->code, 400, 'a multi-create with one bad entity: 400';
$res = json_request(POST => '/storage/', { resources => [
    { kind => INFRA . 'storage', title => 'multi-a', attributes => { 'occi.storage.size' => 1 } },
    { kind => INFRA . 'storage', title => 'multi-b', attributes => { 'occi.storage.size' => 2.5 } } ] });
is $res->code, 201, 'a multi-create: 201' or diag $res->content;
my @titles = sort map { $_->{title} // '' } @{ decode_json_body(json_request(GET => '/storage/'))->{resources} || [] };
is scalar(grep { /^multi-/ } @titles), 2, 'created both';
is scalar(grep { /^refused-/ } @titles), 0, 'and none of the refused request';

done_testing();
