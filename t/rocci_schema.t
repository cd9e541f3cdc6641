# SPDX-License-Identifier: Apache-2.0
# Every JSON answer a client reads holds to the rules of rOCCI-core's
# JSON schemas (draft 4), which that client checks before it parses a
# document, and to GFD.226: the model (the query interface, whole and
# filtered), each kind of resource and link, collections of every kind,
# mixin collections, the root, an empty page and the answer to an action.
# The rules are written out here (see docs/api.md, "GFD.226 and the
# clients that check it"): required and allowed members, types, no empty
# arrays, absolute URLs at link ends.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use JSON::PP ();

# ---- The rules -------------------------------------------------------------

my @errors;
sub fail_at { push @errors, "$_[0]: $_[1]"; return 0 }

# JSON::PP decodes strings and numbers alike into Perl scalars; the raw
# document tells them apart, so values are checked on a re-encoding.
sub B_string {
    my ($value) = @_;
    return JSON::PP->new->allow_nonref->encode($value) =~ /^"/;
}
sub string_ok {
    my ($value, $at) = @_;
    return (defined $value && !ref $value && B_string($value)) || fail_at($at, 'must be a string');
}
sub bool_ok {
    my ($value, $at) = @_;
    return JSON::PP::is_bool($value) || fail_at($at, 'must be true or false');
}
sub object_ok {
    my ($value, $at, $required, $allowed) = @_;
    return fail_at($at, 'must be an object') unless ref $value eq 'HASH';
    my $ok = 1;
    for my $name (@$required) {
        $ok = fail_at($at, "'$name' is required") unless exists $value->{$name};
    }
    my %allowed = map { $_ => 1 } @$allowed;
    for my $name (sort keys %$value) {
        $ok = fail_at($at, "'$name' is not allowed (additionalProperties: false)")
            unless $allowed{$name};
    }
    return $ok;
}
# draft-04's stringArray: at least one item, strings, no two alike.
sub string_array_ok {
    my ($value, $at) = @_;
    return fail_at($at, 'must be an array') unless ref $value eq 'ARRAY';
    return fail_at($at, 'must not be empty (minItems 1)') unless @$value;
    my %seen;
    for my $i (0 .. $#$value) {
        string_ok($value->[$i], "$at\[$i]") or return 0;
        return fail_at($at, "'$value->[$i]' twice (uniqueItems)") if $seen{ $value->[$i] }++;
    }
    return 1;
}
sub array_of_ok {
    my ($value, $at, $check) = @_;
    return fail_at($at, 'must be an array') unless ref $value eq 'ARRAY';
    return fail_at($at, 'must not be empty (minItems 1)') unless @$value;
    my $ok = 1;
    $check->($value->[$_], "$at\[$_]") or $ok = 0 for 0 .. $#$value;
    return $ok;
}
sub attribute_definitions_ok {
    my ($value, $at) = @_;
    return fail_at($at, 'must be an object') unless ref $value eq 'HASH';
    my $ok = 1;
    for my $name (sort keys %$value) {
        my $d = $value->{$name};
        object_ok($d, "$at.$name", [qw(type mutable required)],
                  [qw(type mutable required default description pattern)]) or ($ok = 0, next);
        string_ok($d->{type}, "$at.$name.type") or $ok = 0;
        bool_ok($d->{mutable}, "$at.$name.mutable") or $ok = 0;
        bool_ok($d->{required}, "$at.$name.required") or $ok = 0;
        string_ok($d->{description}, "$at.$name.description") or $ok = 0 if exists $d->{description};
        # rOCCI-core: a regular expression; GFD.226's object is refused.
        string_ok($d->{pattern}, "$at.$name.pattern") or $ok = 0 if exists $d->{pattern};
        $ok = fail_at("$at.$name.default", 'must not be null')
            if exists $d->{default} && !defined $d->{default};
    }
    return $ok;
}
sub category_ok {
    my ($value, $at, $required, $allowed) = @_;
    object_ok($value, $at, $required, $allowed) or return 0;
    my $ok = 1;
    for my $name (qw(term scheme title parent location)) {
        string_ok($value->{$name}, "$at.$name") or $ok = 0 if exists $value->{$name};
    }
    attribute_definitions_ok($value->{attributes}, "$at.attributes") or $ok = 0
        if exists $value->{attributes};
    for my $name (qw(actions depends applies)) {
        string_array_ok($value->{$name}, "$at.$name") or $ok = 0 if exists $value->{$name};
    }
    return $ok;
}
sub model_ok {
    my ($value, $at) = @_;
    object_ok($value, $at, [], [qw(kinds mixins actions)]) or return 0;
    my $ok = 1;
    array_of_ok($value->{kinds}, "$at.kinds", sub { category_ok(@_, [qw(term scheme location)],
        [qw(term scheme title attributes actions parent location)]) }) or $ok = 0
        if exists $value->{kinds};
    array_of_ok($value->{mixins}, "$at.mixins", sub { category_ok(@_, [qw(term scheme location)],
        [qw(term scheme title attributes actions depends applies location)]) }) or $ok = 0
        if exists $value->{mixins};
    array_of_ok($value->{actions}, "$at.actions", sub { category_ok(@_, [qw(term scheme)],
        [qw(term scheme title attributes)]) }) or $ok = 0
        if exists $value->{actions};
    return $ok;
}
sub attributes_ok {
    my ($value, $at) = @_;
    return fail_at($at, 'must be an object') unless ref $value eq 'HASH';
    my $ok = 1;
    for my $name (sort keys %$value) {
        $ok = fail_at("$at.$name", 'must not be null') unless defined $value->{$name};
    }
    return $ok;
}
# A link's end: {"location", "kind"}, the location an absolute URL.
sub end_ok {
    my ($value, $at) = @_;
    object_ok($value, $at, ['location'], [qw(location kind)]) or return 0;
    string_ok($value->{location}, "$at.location") or return 0;
    string_ok($value->{kind}, "$at.kind") or return 0 if exists $value->{kind};
    return $value->{location} =~ m{^https?://[^/]+/} || fail_at("$at.location",
        "'$value->{location}' is not an absolute URL");
}
sub entity_common_ok {
    my ($value, $at) = @_;
    my $ok = 1;
    string_ok($value->{$_}, "$at.$_") or $ok = 0 for grep { exists $value->{$_} } qw(kind id title summary);
    string_array_ok($value->{$_}, "$at.$_") or $ok = 0 for grep { exists $value->{$_} } qw(mixins actions);
    attributes_ok($value->{attributes}, "$at.attributes") or $ok = 0;
    return $ok;
}
sub link_ok {
    my ($value, $at) = @_;
    object_ok($value, $at, [qw(kind id target source attributes)],
              [qw(kind mixins attributes actions id source target title)]) or return 0;
    my $ok = entity_common_ok($value, $at);
    end_ok($value->{source}, "$at.source") or $ok = 0;
    end_ok($value->{target}, "$at.target") or $ok = 0;
    return $ok;
}
sub resource_ok {
    my ($value, $at) = @_;
    object_ok($value, $at, [qw(kind id attributes)],
              [qw(kind mixins attributes actions id links summary title)]) or return 0;
    my $ok = entity_common_ok($value, $at);
    array_of_ok($value->{links}, "$at.links", \&link_ok) or $ok = 0 if exists $value->{links};
    return $ok;
}
sub collection_ok {
    my ($value, $at) = @_;
    object_ok($value, $at, [], [qw(resources links)]) or return 0;
    my $ok = 1;
    array_of_ok($value->{resources}, "$at.resources", \&resource_ok) or $ok = 0
        if exists $value->{resources};
    array_of_ok($value->{links}, "$at.links", \&link_ok) or $ok = 0 if exists $value->{links};
    return $ok;
}

# The rules must refuse what they are about, or a pass would mean nothing.
for my $case (
    [\&model_ok, { kinds => [] }, 'an empty kinds array'],
    [\&model_ok, { kinds => [{ term => 'a', scheme => 'b' }] }, 'a kind without location'],
    [\&model_ok, { kinds => [{ term => 'a', scheme => 'b', location => '/a/',
        attributes => { x => { type => 'string', mutable => JSON::PP::true, required => JSON::PP::false,
                               pattern => { enum => ['a'] } } } }] }, 'a pattern object'],
    [\&resource_ok, { kind => 'k', id => 'i', attributes => {}, location => '/x' }, 'a location member'],
    [\&resource_ok, { kind => 'k', id => 'i', attributes => {}, links => [] }, 'empty links'],
    [\&resource_ok, { kind => 'k', id => 'i', attributes => {}, actions => [] }, 'empty actions'],
    [\&link_ok, { kind => 'k', id => 'i', attributes => {}, source => { location => '/compute/x' },
        target => { location => 'http://h/network/y' } }, 'a path at a link end'],
    [\&collection_ok, { resources => [], links => [] }, 'an empty collection with arrays'],
) {
    my ($check, $document, $what) = @$case;
    @errors = ();
    ok !$check->($document, 'doc'), "the rules refuse $what";
}

# ---- What the server answers ---------------------------------------------

my %checked;
sub check_answer {
    my ($path, $rule, $what, @headers) = @_;
    my $res = occi_request(GET => $path, [Accept => 'application/occi+json', @headers]);
    my $document = eval { JSON::PP->new->utf8->decode($res->content) };
    @errors = ();
    my $ok = $res->code == 200 && ref $document eq 'HASH' && $rule->($document, '$');
    push @errors, 'status ' . $res->code if $res->code != 200;
    ok $ok, "$what ($path) holds to rOCCI-core's schema" or diag join "\n", @errors[0 .. ($#errors > 9 ? 9 : $#errors)];
    $checked{$what}++;
    return $document;
}

# A small cloud: a compute with both kinds of inline link, standalone links,
# storage, network, and a compute made from templates.
my ($net) = create_json('/network/', { kind => INFRA . 'network', title => 'net',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'],
    attributes => { 'occi.network.address' => '10.9.0.0/24' } });
my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', title => 'disk',
    attributes => { 'occi.storage.size' => 1 } });
my ($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'vm',
    mixins => ['http://localhost/occi/os_tpl#debian12', 'http://localhost/occi/resource_tpl#small'],
    links => [{ kind => INFRA . 'networkinterface', target => $net },
              { kind => INFRA . 'storagelink', target => $disk,
                attributes => { 'occi.storagelink.deviceid' => 'vdb' } }] });
is $res->code, 201, 'a compute with inline links' or diag $res->content;
my ($bare) = create_json('/compute/', { kind => INFRA . 'compute' });
my ($nic) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $bare, target => $net });
my ($link) = create_json('/storagelink/', { kind => INFRA . 'storagelink', source => $bare,
    target => $disk, attributes => { 'occi.storagelink.deviceid' => 'vdc' } });
ok $vm && $bare && $nic && $link && $net && $disk, 'every entity was made';

for my $prefix ('', '/occi') {
    check_answer("$prefix/-/", \&model_ok, 'the whole model');
    for my $term (qw(compute storage network networkinterface storagelink)) {
        check_answer("$prefix/-/", \&model_ok, "the model filtered to $term",
            Category => "$term; scheme=\"${\INFRA}\"; class=\"kind\"");
    }
    check_answer("$prefix/-/", \&model_ok, 'the model filtered to a mixin',
        Category => 'os_tpl; scheme="' . INFRA . '"; class="mixin"');
    check_answer("$prefix/-/", \&model_ok, 'the model filtered to an action',
        Category => 'stop; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"');
    check_answer("$prefix/-/", \&model_ok, 'the model filtered to nothing',
        Category => 'nothing; scheme="http://example.com/none#"; class="kind"');
    for my $path ($vm, $bare, $net, $disk) {
        check_answer("$prefix$path", \&resource_ok, 'a resource');
    }
    for my $path ($nic, $link) {
        check_answer("$prefix$path", \&link_ok, 'a link');
    }
    for my $inline (@{ (check_answer("$prefix$vm", \&resource_ok, 'a compute with links') || {})->{links} || [] }) {
        check_answer($prefix . entity_path($inline), \&link_ok, 'an inline link on its own');
    }
    for my $collection (qw(/compute/ /storage/ /network/ /networkinterface/ /storagelink/
                           /resource/ /link/ /entity/ / /mixin/ /mixin/os_tpl/
                           /mixin/resource_tpl/small/)) {
        check_answer("$prefix$collection", \&collection_ok, 'a collection');
    }
    check_answer("$prefix/compute/?page=99&number=5", \&collection_ok, 'a page past the end');
}

$res = json_request(POST => "$vm?action=start",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' });
@errors = ();
ok resource_ok(decode_json_body($res), '$'), 'the answer to an action holds to the schema'
    or diag join "\n", @errors;
check_answer($vm, \&resource_ok, 'an active compute');

my $answers = 0;
$answers += $_ for values %checked;
ok $answers >= 50, "$answers JSON answers were checked";

json_request(DELETE => $_) for $vm, $bare, $net, $disk;
done_testing();
