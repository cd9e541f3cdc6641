# SPDX-License-Identifier: Apache-2.0
# Every cell of the OCCI verb matrix (GFD.223 §3.3) in each rendering a
# client may send and receive: text/plain, text/occi and
# application/occi+json, with the status codes the spec fixes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use JSON::PP ();

my $action_scheme = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';

sub split_type {
    my ($type_id) = @_;
    my ($scheme, $term) = $type_id =~ /^(.*#)(.*)$/;
    return ($scheme, $term);
}

sub category_value {
    my ($type_id, $class, %extra) = @_;
    my ($scheme, $term) = split_type($type_id);
    my $value = qq{$term; scheme="$scheme"; class="$class"};
    $value .= qq{; $_="$extra{$_}"} for sort keys %extra;
    return $value;
}

sub attribute_value {
    my ($name, $value) = @_;
    return $value =~ /^-?\d+(\.\d+)?$/ ? "$name=$value" : qq{$name="$value"};
}

# A request carrying FIELDS (name => [values]) or DATA (JSON) in $type.
sub send_in {
    my ($type, $method, $path, $fields, $data) = @_;
    if ($type eq 'application/occi+json') {
        my @body = defined $data ? (JSON::PP->new->utf8->encode($data)) : ();
        return occi_request($method => $path, [Accept => $type,
            (@body ? ('Content-Type' => $type) : ())], @body);
    }
    if ($type eq 'text/plain') {
        my $body = join '', map { my $name = $_; map { "$name: $_\n" } @{ $fields->{$name} } }
                            grep { $fields->{$_} } qw(Category Link X-OCCI-Attribute X-OCCI-Location);
        return occi_request($method => $path, [Accept => $type,
            (length $body ? ('Content-Type' => $type) : ())], length $body ? $body : ());
    }
    my @headers = map { my $name = $_; map { ($name => $_) } @{ $fields->{$name} } }
                  grep { $fields->{$_} } qw(Category Link X-OCCI-Attribute X-OCCI-Location);
    return occi_request($method => $path, [Accept => $type, 'Content-Type' => $type, @headers]);
}

sub entity_in {
    my ($type, $method, $path, $kind, $attributes, $mixins) = @_;
    my %attributes = %{ $attributes || {} };
    return send_in($type, $method, $path, {
        Category => [category_value($kind, 'kind'), map { category_value($_, 'mixin') } @{ $mixins || [] }],
        'X-OCCI-Attribute' => [map { attribute_value($_, $attributes{$_}) } sort keys %attributes],
    }, { kind => $kind, ($mixins ? (mixins => $mixins) : ()), attributes => \%attributes });
}

sub update_in {
    my ($type, $path, $attributes) = @_;
    my %attributes = %$attributes;
    return send_in($type, POST => $path,
        { 'X-OCCI-Attribute' => [map { attribute_value($_, $attributes{$_}) } sort keys %attributes] },
        { attributes => \%attributes });
}

sub action_in {
    my ($type, $path, $term, $parameters) = @_;
    my %parameters = %{ $parameters || {} };
    return send_in($type, POST => "$path?action=$term", {
        Category => [category_value("$action_scheme$term", 'action')],
        'X-OCCI-Attribute' => [map { attribute_value($_, $parameters{$_}) } sort keys %parameters],
    }, { action => "$action_scheme$term", attributes => \%parameters });
}

sub locations_in {
    my ($type, $method, $path, @locations) = @_;
    return send_in($type, $method, $path, { 'X-OCCI-Location' => \@locations },
                   { resources => [map { { location => $_ } } @locations] });
}

sub mixin_in {
    my ($type, $method, $type_id, $location) = @_;
    my ($scheme, $term) = split_type($type_id);
    return send_in($type, $method => '/-/',
        { Category => [category_value($type_id, 'mixin', $location ? (location => $location) : ())] },
        { mixins => [{ scheme => $scheme, term => $term, ($location ? (location => $location) : ()) }] });
}

sub is_status {
    my ($res, $expected, $name) = @_;
    my $ok = ref $expected ? grep({ $res->code == $_ } @$expected) : $res->code == $expected;
    ok $ok, $name or diag 'got ' . $res->code . ': ' . $res->content;
}

for my $type ('text/plain', 'text/occi', 'application/occi+json') {
    my $compute = INFRA . 'compute';
    my $tag = 'http://example.com/matrix/' . ($type =~ s/\W/-/gr) . '#tag';
    my $tag_location = '/matrix/' . ($type =~ s/\W/-/gr) . '/';

    # Query interface: GET, POST (define a mixin), DELETE (remove it).
    is_status send_in($type, GET => '/-/'), 200, "$type: GET /-/";
    is_status mixin_in($type, POST => $tag, $tag_location), 200, "$type: POST /-/ defines a mixin";

    # Kind collection: POST creates (201 + Location), GET lists.
    my $res = entity_in($type, POST => '/compute/', $compute, { 'occi.core.title' => 'matrix' });
    is_status $res, 201, "$type: POST /compute/ creates";
    my $vm = location_path($res->header('Location'));
    ok $vm, "$type: with a Location";
    ($res) = entity_in($type, POST => '/compute/', $compute, { 'occi.core.title' => 'matrix-2' });
    my $vm2 = location_path($res->header('Location'));
    is_status send_in($type, GET => '/compute/'), 200, "$type: GET /compute/";

    # Entity: GET, POST update, POST action, PUT replace, PUT create.
    is_status send_in($type, GET => $vm), 200, "$type: GET entity";
    is_status update_in($type, $vm, { 'occi.compute.hostname' => 'm.example.com' }), 200,
        "$type: POST entity updates";
    is_status action_in($type, $vm, 'start'), 200, "$type: POST entity?action=start";
    is_status action_in($type, $vm, 'start'), 409, "$type: start again: 409";
    is_status action_in($type, $vm, 'stop', { method => 'poweroff' }), 200,
        "$type: POST entity?action=stop with a parameter";
    is_status entity_in($type, PUT => $vm, $compute, { 'occi.compute.cores' => 2 }), 200,
        "$type: PUT on an entity replaces it";
    my $put = '/compute/' . sprintf('5e0c1a2b-3c4d-4e5f-8a9b-%012d', length $type);
    is_status entity_in($type, PUT => $put, $compute, {}), 201, "$type: PUT at a new URL creates";

    # Kind collection actions.
    is_status action_in($type, '/compute/', 'start'), 200, "$type: POST /compute/?action=start";
    is_status action_in($type, '/compute/', 'stop'), 200, "$type: POST /compute/?action=stop";

    # Mixin collection: POST associates, GET lists, PUT replaces, DELETE dissociates.
    is_status locations_in($type, POST => $tag_location, $vm, $vm2), 200,
        "$type: POST on a mixin collection associates";
    is_status send_in($type, GET => $tag_location), 200, "$type: GET a mixin collection";
    is_status locations_in($type, PUT => $tag_location, $vm2), 200,
        "$type: PUT on a mixin collection replaces";
    is_status locations_in($type, DELETE => $tag_location, $vm2), 200,
        "$type: DELETE on a mixin collection dissociates";
    is_status action_in($type, $tag_location, 'start'), 200,
        "$type: an action on an empty mixin collection";
    is_status locations_in($type, PUT => '/compute/', $vm), 405, "$type: PUT on a kind collection: 405";

    # Entity DELETE, kind collection DELETE, query interface DELETE.
    is_status send_in($type, DELETE => $vm), [200, 204], "$type: DELETE entity";
    is_status send_in($type, GET => $vm), 404, "$type: GET a deleted entity: 404";
    is_status mixin_in($type, DELETE => $tag), 200, "$type: DELETE /-/ removes the mixin";
    is_status send_in($type, DELETE => '/compute/'), [200, 204], "$type: DELETE /compute/";
    is_status send_in($type, GET => $vm2), 404, "$type: the collection's members are gone";
}

done_testing();
