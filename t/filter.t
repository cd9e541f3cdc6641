# SPDX-License-Identifier: Apache-2.0
# Filtering the query interface by Category: text/occi request headers and
# the ?category= query parameter.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use URI::Escape qw(uri_escape);

sub sorted { return [sort { $a cmp $b } @_] }

my $compute = 'compute; scheme="' . INFRA . '"; class="kind"';
my @compute_actions = map { "http://schemas.ogf.org/occi/infrastructure/compute/action#$_" }
    qw(start stop restart suspend save);

sub listed {
    my ($res) = @_;
    return [sort keys %{ parse_text_categories($res->content) }];
}

for my $prefix ('', '/occi') {
    my $res = occi_request(GET => "$prefix/-/", [Category => $compute]);
    is $res->code, 200, "$prefix: filter by the compute kind: 200";
    is_deeply listed($res), sorted(INFRA . 'compute', @compute_actions),
        "$prefix: only compute and its actions";

    $res = occi_request(GET => "$prefix/-/?category=" . uri_escape(INFRA . 'compute'));
    is_deeply listed($res), sorted(INFRA . 'compute', @compute_actions),
        "$prefix: ?category= filters the same way";
}

my $encoded = 'http%3A%2F%2Fschemas.ogf.org%2Focci%2Finfrastructure%23storage';
is_deeply listed(occi_request(GET => "/-/?category=$encoded")),
    sorted(INFRA . 'storage', map { "http://schemas.ogf.org/occi/infrastructure/storage/action#$_" }
        qw(online offline)), 'a percent-encoded ?category= works';

# Several categories, in one header and in repeated headers: the union.
my $os_tpl = 'os_tpl; scheme="' . INFRA . '"; class="mixin"';
my $debian = 'debian12; scheme="http://localhost/occi/os_tpl#"; class=mixin';
is_deeply listed(occi_request(GET => '/-/', [Category => "$os_tpl, $debian"])),
    sorted(INFRA . 'os_tpl', 'http://localhost/occi/os_tpl#debian12'),
    'comma-separated categories: both';
is_deeply listed(occi_request(GET => '/-/', [Category => $os_tpl, Category => $debian])),
    sorted(INFRA . 'os_tpl', 'http://localhost/occi/os_tpl#debian12'),
    'repeated Category headers: both';
is_deeply listed(occi_request(GET => '/-/?category=' . uri_escape(INFRA . 'network')
                                    . '&category=' . uri_escape(INFRA . 'network'))),
    sorted(INFRA . 'network', map { "http://schemas.ogf.org/occi/infrastructure/network/action#$_" }
        qw(up down)), 'a category asked for twice is listed once';

# An action: itself only.
my $stop = 'stop; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"';
is_deeply listed(occi_request(GET => '/-/', [Category => $stop])),
    ['http://schemas.ogf.org/occi/infrastructure/compute/action#stop'], 'an action alone';

# Filters that match nothing give an empty listing, in every rendering.
my $unknown = 'nothing; scheme="http://example.com/occi#"; class="kind"';
my $res = occi_request(GET => '/-/', [Category => $unknown]);
is $res->code, 200, 'an unknown category: 200';
is $res->content, '', 'an unknown category: nothing listed';
$res = occi_request(GET => '/-/', [Category => $unknown, Accept => 'application/occi+json']);
is_deeply decode_json_body($res), {}, 'an unknown category in JSON: {} (empty arrays are left out)';
my $wrong_class = 'compute; scheme="' . INFRA . '"; class="mixin"';
is occi_request(GET => '/-/', [Category => $wrong_class])->content, '',
    'compute named as a mixin matches nothing';

# The filter applies to every rendering.
$res = occi_request(GET => '/-/', [Category => $compute, Accept => 'text/occi']);
is scalar(map { split_header_values($_) } $res->header('Category')), 6,
    'text/occi: six Category values';
$res = occi_request(GET => '/-/', [Category => $compute, Accept => 'application/occi+json']);
my $model = decode_json_body($res);
is scalar(@{ $model->{kinds} }), 1, 'JSON: one kind';
is scalar(@{ $model->{actions} }), 5, 'JSON: five actions';
is scalar(@{ $model->{mixins} }), 0, 'JSON: no mixin';

# Malformed filters are the client's mistake: 400 with the reason.
for my $bad ('http://schemas.ogf.org/occi/infrastructure', 'compute', '#compute',
             INFRA . 'not a term') {
    $res = occi_request(GET => '/-/?category=' . uri_escape($bad));
    is $res->code, 400, "?category=$bad: 400";
    like $res->content, qr/is not a type identifier/, "?category=$bad: says why";
}

done_testing();
