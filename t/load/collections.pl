#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# A large collection in bounded memory: a private httpd (event MPM, two
# children of 25 threads, as an operator runs it; SQLite; no hypervisor)
# holds storages with 60 KB summaries, a collection of tens of megabytes in
# JSON. Parallel clients GET it whole (no page, no number) several times
# each, then in text/uri-list. Each answer must hold every storage, whole;
# and the children's resident memory, read before and after the parallel
# rounds, must stay flat (grow by less than 1 MB). Before the first
# reading, every worker thread serves one whole GET at once: each thread's
# allocator keeps what its largest answer used (up to MaxMemFree), and a
# thread that served none yet would otherwise grow the reading by that
# much, bounded but not flat. Answers built whole in memory grow the
# children by several collections (one per request in flight).
#
# Usage: collections.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: COLLECTIONS_STORAGES (default 1000; 400 with --smoke),
# COLLECTIONS_CLIENTS (8), COLLECTIONS_ROUNDS (3; 2 with --smoke),
# COLLECTIONS_KEEP (keep the working directory).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Cluster qw(slurp spew port options);
use HTTP::Request;
use LWP::UserAgent;
use POSIX ();
use Time::HiRes qw(time);

my ($httpd, $modules, $build, $smoke, $src) = options();
my $storages = $ENV{COLLECTIONS_STORAGES} || ($smoke ? 400 : 1000);
my $clients = $ENV{COLLECTIONS_CLIENTS} || 8;
my $rounds = $ENV{COLLECTIONS_ROUNDS} || ($smoke ? 2 : 3);
my $summary_bytes = 60 * 1024;
my $label = 'large collections';
my $STORAGE = 'http://schemas.ogf.org/occi/infrastructure#storage';

# A cluster of one node, without PostgreSQL or libvirt: Cluster.pm's
# httpd configuration, start and stop.
my $c = Cluster->new(label => $label, tag => 'collections', httpd => $httpd,
                     modules => $modules, build => $build, src => $src,
                     keep => $ENV{COLLECTIONS_KEEP});
END { $c->stop_all if $c }
$SIG{INT} = $SIG{TERM} = sub { $c->stop_all; exit 1 };
my $work = $c->work;
my $failed = 0;

sub say { print "$label: @_\n" }
sub fail { say("FAIL: @_"); $failed++ }

my $root = "$work/node";
mkdir $root;
mkdir "$work/db";
chown scalar(getpwnam('nobody')), -1, "$work/db" if $> == 0;
my $node = $c->nodes->{node} = { root => $root, port => port() };
my $base = "http://127.0.0.1:$node->{port}";
spew("$root/httpd.conf", $c->server_conf($root, $node->{port}, <<CONF));
LoadModule dbd_module $modules/mod_dbd.so
LoadModule occi_module "$build/.libs/mod_occi.so"
LogLevel warn
${\ Cluster::API_NODE_MPM}MaxConnectionsPerChild 0
DBDriver sqlite3
DBDParams "$work/db/occi.sqlite"
DBDInitSQL "PRAGMA journal_mode=WAL"
DBDInitSQL "PRAGMA cache_size=-256"
OCCILibvirtURI none
OCCIMaxAttributeLength 65536
<Location />
    SetHandler occi
</Location>
CONF
$c->start_server('node');
my $ua = LWP::UserAgent->new(timeout => 120, keep_alive => 1);

# ---- The collection -----------------------------------------------------------

my $summary = 'x' x $summary_bytes;
my $made = 0;
while ($made < $storages) {
    my $n = $storages - $made > 15 ? 15 : $storages - $made;    # within 1 MiB a request
    my $body = '{"resources":[' . join(',', map {
        qq({"kind":"$STORAGE","title":"large ) . ($made + $_) . qq(","summary":"$summary",)
        . qq("attributes":{"occi.storage.size":1}})
    } 1 .. $n) . ']}';
    my $res = $ua->request(HTTP::Request->new(POST => "$base/storage/",
        ['Content-Type' => 'application/occi+json', Accept => 'text/plain'], $body));
    die "creating storages: " . $res->code . ' ' . substr($res->content, 0, 300) . "\n"
        unless $res->code == 201;
    $made += $n;
}

# What one whole answer must be: every storage, and the end of the JSON.
sub check_json {
    my ($res) = @_;
    return 'status ' . $res->code unless $res->code == 200;
    my $body = $res->content;
    my $count = () = $body =~ /"kind":"\Q$STORAGE\E"/g;
    return "$count storages of $storages" unless $count == $storages;
    return 'an unfinished document' unless $body =~ /\]\}\z/;
    return '';
}
sub check_uri_list {
    my ($res) = @_;
    return 'status ' . $res->code unless $res->code == 200;
    my $lines = () = $res->content =~ m{^http://[^\r\n]+/storage/[0-9a-f-]{36}\r\n}mg;
    return $lines == $storages ? '' : "$lines locations of $storages";
}
sub get_all {
    my ($agent, $accept) = @_;
    return $agent->request(HTTP::Request->new(GET => "$base/storage/", [Accept => $accept]));
}

# The resident memory of httpd's children, in kB.
sub children_rss {
    my $pid = slurp("$root/httpd.pid") =~ s/\s+//gr;
    my $sum = 0;
    $sum += $_ for map { /(\d+)/ ? $1 : 0 } `ps -o rss= --ppid $pid`;
    return $sum;
}

# clients clients at once, each with rounds whole GETs in JSON then one in
# text/uri-list; returns how many did not get every storage, whole.
sub parallel_round {
    my ($rounds, $at_once) = @_;
    my @pids;
    for my $c (1 .. $at_once) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $agent = LWP::UserAgent->new(timeout => 300, keep_alive => 1);
            my $bad = 0;
            for my $r (1 .. $rounds) {
                my $problem = check_json(get_all($agent, 'application/occi+json'));
                if ($problem) { print "$label: client $c, round $r: $problem\n"; $bad++ }
            }
            my $problem = check_uri_list(get_all($agent, 'text/uri-list'));
            if ($problem) { print "$label: client $c, text/uri-list: $problem\n"; $bad++ }
            POSIX::_exit($bad ? 1 : 0);
        }
        push @pids, $pid;
    }
    my $bad_clients = 0;
    for my $pid (@pids) {
        waitpid $pid, 0;
        $bad_clients++ if $?;
    }
    return $bad_clients;
}

my $first = get_all($ua, 'application/occi+json');
my $why = check_json($first);
fail("the first whole answer: $why") if $why;
my $collection_kb = int(length($first->content) / 1024);
# A first round with a client for every worker thread of the children
# (Cluster.pm's MPM: MaxRequestWorkers 50): each thread, and each of the
# store's connections, makes what it keeps whatever it serves (SQLite's
# prepared statements and page cache, an allocator's free blocks) before
# the first reading.
my $bad_clients = parallel_round(1, 50);
my $before = children_rss();
my $started = time;
$bad_clients += parallel_round($rounds, $clients);
my $seconds = time - $started;
my $after = children_rss();
my $growth = $after - $before;

fail("$bad_clients of $clients clients did not get every storage, whole") if $bad_clients;
say(sprintf '%d storages, %d kB of JSON; %d clients x %d whole GETs in %.1f s; children %d kB '
            . 'before, %d kB after (%+d kB)', $storages, $collection_kb, $clients, $rounds,
            $seconds, $before, $after, $growth);
fail("the children grew by $growth kB, more than the $collection_kb kB of the collection: "
     . 'answers are built whole in memory') if $growth >= $collection_kb;
fail("the children grew by $growth kB: not flat (1 MB or more)") if $growth >= 1024;
# The first round fills every worker thread on purpose: the event MPM
# says so (AH10159, AH00484), and that is no error of the module.
my $errors = join '', grep { /\[(?:\w+:)?(?:error|crit|alert|emerg)\]/ && !/AH10159|AH00484/ }
                      split /^/, slurp("$root/error_log");
fail("errors logged:\n$errors") if $errors;
say($failed ? "FAILED ($failed)" : 'ok');
exit($failed ? 1 : 0);
