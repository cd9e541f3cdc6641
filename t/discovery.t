# SPDX-License-Identifier: Apache-2.0
# The query interface lists the whole OCCI 1.2 model in every rendering,
# under every mount prefix, at /-/ and at the RFC 5785 well-known path,
# with the provider's templates and its kind quota.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);

use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my %expected = (%STANDARD, %TEMPLATES, %PROVIDER);
my %attribute_types = map { $_ => 1 } qw(string number boolean array object);

sub class_of { ($STANDARD{$_[0]} || $PROVIDER{$_[0]} || {})->{class} // 'mixin' }

sub check_text_categories {
    my ($categories, $prefix, $what) = @_;
    is_deeply [sort keys %$categories], [sort keys %expected],
        "$what: lists exactly the Core, Infrastructure, template and provider categories";
    for my $id (sort keys %expected) {
        my $got = $categories->{$id} or next;
        my $want = $expected{$id};
        is $got->{class}, class_of($id), "$what: $id has class " . class_of($id);
        is $got->{location}, defined $want->{location} ? $prefix . $want->{location} : undef,
            "$what: $id location";
        my %has = map { $_ => 1 } @{ $got->{attributes} };
        my @missing = grep { !$has{$_} } @{ $want->{attributes} || [] };
        ok !@missing, "$what: $id lists its attributes" or diag "missing: @missing";
        is_deeply $got->{actions}, $want->{actions} || [], "$what: $id lists its actions";
        is $got->{rel}, $want->{parent} // $want->{depends}, "$what: $id rel"
            if $want->{parent} || $want->{depends};
    }
    is $categories->{INFRA . 'compute'}{attribute_flags}{'occi.compute.state'}, 'immutable',
        "$what: compute state is marked immutable";
    is $categories->{INFRA . 'storage'}{attribute_flags}{'occi.storage.size'}, 'required',
        "$what: storage size is marked required";
}

sub check_json_model {
    my ($model, $prefix, $what) = @_;
    ok ref $model eq 'HASH', "$what: the body is a JSON object" or return;
    ok ref $model->{$_} eq 'ARRAY', "$what: it has a '$_' array" for qw(kinds mixins actions);
    my %got;
    for my $list (qw(kinds mixins actions)) {
        for my $category (@{ $model->{$list} }) {
            my $id = $category->{scheme} . $category->{term};
            $got{$id} = { %$category, list => $list };
        }
    }
    is_deeply [sort keys %got], [sort keys %expected],
        "$what: lists exactly the Core, Infrastructure, template and provider categories";
    my @bad_attributes;
    for my $id (sort keys %expected) {
        my $got = $got{$id} or next;
        my $want = $expected{$id};
        is $got->{list}, class_of($id) . 's', "$what: $id is among the " . class_of($id) . 's';
        is $got->{location}, defined $want->{location} ? $prefix . $want->{location} : undef,
            "$what: $id location";
        for my $name (@{ $want->{attributes} || [] }) {
            my $description = $got->{attributes}{$name};
            push @bad_attributes, "$id $name"
                unless ref $description eq 'HASH'
                    && $attribute_types{ $description->{type} }
                    && JSON::PP::is_bool($description->{mutable})
                    && JSON::PP::is_bool($description->{required});
        }
        # The pattern is a regular expression (OCCIJSONPattern regex, the
        # default): an enumeration is the alternation of its values.
        for my $name (keys %{ $want->{enum} || {} }) {
            is $got->{attributes}{$name}{pattern}, '^(' . join('|', @{ $want->{enum}{$name} }) . ')$',
                "$what: $id parameter $name enumerates its values";
        }
        is_deeply $got->{actions} || [], $want->{actions} || [], "$what: $id actions";
        is $got->{parent}, $want->{parent}, "$what: $id parent" if $want->{parent};
        is_deeply $got->{applies}, $want->{applies}, "$what: $id applies" if $want->{applies};
        is_deeply $got->{depends}, [$want->{depends}], "$what: $id depends" if $want->{depends};
        if (defined $want->{cores}) {
            is $got->{attributes}{'occi.compute.cores'}{default}, $want->{cores},
                "$what: $id sets cores";
            is $got->{attributes}{'occi.compute.memory'}{default}, $want->{memory},
                "$what: $id sets memory";
        }
    }
    ok !@bad_attributes, "$what: every attribute has a type, mutable and required"
        or diag "@bad_attributes";
    my $state = $got{INFRA . 'compute'}{attributes}{'occi.compute.state'};
    is $state->{pattern}, '^(active|inactive|suspended|error)$',
        "$what: compute states are an enumeration";
    is $state->{default}, 'inactive', "$what: compute state defaults to inactive";
    ok !$state->{mutable}, "$what: compute state is immutable";
    is $got{INFRA . 'network'}{attributes}{'occi.network.vlan'}{pattern}, '^[+-]?[0-9]+$',
        "$what: vlan is a whole number";
    is $got{CORE . 'entity'}{location}, "$prefix/entity/",
        "$what: core#entity has a location, as rOCCI-core's schema wants of every kind";
}

for my $prefix ('', '/occi') {
    for my $query ('/-/', '/.well-known/org/ogf/occi/-/') {
        my $path = $prefix . $query;

        my $plain = occi_request(GET => $path);
        is $plain->code, 200, "GET $path: 200";
        is $plain->header('Content-Type'), 'text/plain', "GET $path without Accept is text/plain";
        check_text_categories(parse_text_categories($plain->content), $prefix, "$path text/plain");

        my $occi = occi_request(GET => $path, [Accept => 'text/occi']);
        is $occi->header('Content-Type'), 'text/occi', "$path: text/occi";
        is $occi->content, "OK", "$path text/occi: the body is OK";
        my %header_categories;
        for my $value (map { split_header_values($_) } $occi->header('Category')) {
            my $category = parse_category_value($value);
            $header_categories{ $category->{scheme} . $category->{term} } = $category;
        }
        check_text_categories(\%header_categories, $prefix, "$path text/occi");

        for my $type ('application/occi+json', 'application/json') {
            my $json = occi_request(GET => $path, [Accept => $type]);
            is $json->header('Content-Type'), $type, "$path: $type";
            check_json_model(decode_json_body($json), $prefix, "$path $type");
        }
    }
    my $slash = occi_request(GET => "$prefix/-/")->content;
    is occi_request(GET => "$prefix/.well-known/org/ogf/occi/-/")->content, $slash,
        "$prefix: the well-known path answers exactly like /-/";
}

my $head = occi_request(HEAD => '/-/');
is $head->code, 200, 'HEAD /-/: 200';
is $head->content, '', 'HEAD /-/ has no body';
ok $head->header('Content-Length') > 1000, 'HEAD /-/ gives the length of the GET body';

done_testing();
