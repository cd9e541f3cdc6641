# SPDX-License-Identifier: Apache-2.0
# The database goes away and comes back while httpd runs: requests meanwhile
# get 503 with the reason and change nothing; afterwards every pooled
# connection works again. The runner exports the commands that stop and
# start the database (for PostgreSQL; an SQLite file cannot go away).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my ($stop, $start) = @ENV{qw(OCCI_TEST_DATABASE_STOP OCCI_TEST_DATABASE_START)};
plan skip_all => 'the runner gives no way to stop this database' unless $stop && $start;

my ($before, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'before the outage' });
is $res->code, 201, 'created before the outage';

# Every child holds pooled connections: touch many of them.
my $requests = 60;
json_request(GET => '/compute/') for 1 .. $requests;

is system($stop), 0, 'the database stopped';
$res = json_request(GET => '/compute/');
is $res->code, 503, 'listing while the database is away: 503';
like $res->content, qr/entity store/, 'naming the entity store';
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', title => 'during the outage' });
is $res->code, 503, 'creating while the database is away: 503';
$res = json_request(GET => $before);
is $res->code, 503, 'reading while the database is away: 503';

is system($start), 0, 'the database started again';
# Every pooled connection's session ended with the restart. Each is opened
# again before a request uses it: no request sees the outage any more,
# whichever child and connection it reaches, writes included.
my @answers = map { json_request(GET => "/compute/") } 1 .. $requests;
is_deeply [map { $_->code . ' ' . $_->content } grep { $_->code != 200 } @answers], [],
    "right after the outage $requests listings all answer 200";
my ($after, $made) = create_json('/compute/', { kind => INFRA . 'compute', title => 'after the outage' });
is $made->code, 201, 'and a create answers 201';
json_request(DELETE => $after) if $after;

$res = occi_request(GET => '/compute/', [Accept => 'text/uri-list']);
like $res->content, qr/\Q$before\E/, 'the entity made before is still there';
my $titles = join ',', map { $_->{title} // '' }
    @{ (decode_json_body(json_request(GET => '/compute/')) || {})->{resources} || [] };
unlike $titles, qr/during the outage/, 'nothing was made during the outage';

json_request(DELETE => $before);
done_testing();
