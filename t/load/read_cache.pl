#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Two API nodes, each child with its read cache of PostgreSQL rows
# (OCCIReadCacheSize, docs/performance.md): what a client can observe.
# Nodes A and B (two children each, OCCILibvirtURI none) share one private
# PostgreSQL, which logs every statement, so that the test counts the
# reads that reach the database.
#   - A compute read 400 times through B, on new connections (both of B's
#     children), reaches the database at most a few times (once per child).
#   - Rounds that interleave a change and reads: the title changed through
#     A, read at once through A (any child: a node reads its own changes at
#     once), and read through B until B shows it (B is told by PostgreSQL's
#     announcement). Each round's delay on B is measured; every one must be
#     under a second. Some rounds change the row in psql, as an
#     administrator would, and B must show that too; the last deletes the
#     compute through A, and B must answer 404.
#   - The sessions that listen for announcements are ended from the server
#     side: once B has noticed (its log says so), a change made in psql
#     must show through B at the first read, and once B listens again its
#     cache answers again.
# Prints figures and exits non-zero on any failure; stops all it started.
#
# Usage: read_cache.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: READ_CACHE_ROUNDS (default 300; 100 with --smoke),
# READ_CACHE_KEEP (keep the working directory).
# Needs root and PostgreSQL's server binaries (t/load/Cluster.pm).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Cluster qw(slurp options request decode);
use HTTP::Request;
use LWP::UserAgent;
use Time::HiRes qw(time sleep);

my ($httpd, $modules, $build, $smoke, $src) = options();
my $rounds = $ENV{READ_CACHE_ROUNDS} || ($smoke ? 100 : 300);
my $label = 'read cache between nodes';
my $COMPUTE = 'http://schemas.ogf.org/occi/infrastructure#compute';

my $c = Cluster->for_script(label => $label, tag => 'readcache', httpd => $httpd,
                            modules => $modules, build => $build, src => $src,
                            keep => $ENV{READ_CACHE_KEEP});
my $work = $c->work;
my $failed = 0;
sub say { print "$label: @_\n" }
sub fail { say("FAIL: @_"); $failed++ }

$c->start_postgres;
my $pg_log = "$work/pg/log";
# As the cluster's superuser: the statements it logs, and ending sessions.
sub superuser_sql {
    my ($query) = @_;
    system("$c->{pg_bin}/psql", '-h', '127.0.0.1', '-p', $c->{pg_port}, '-U', 'postgres', '-d', 'occi',
           '-qAt', '-o', '/dev/null', '-c', $query) == 0 or die "psql: $query\n";
}
superuser_sql("ALTER SYSTEM SET log_statement = 'all'");
superuser_sql('SELECT pg_reload_conf()');
$c->add_node($_, "OCCILibvirtURI none\n") for qw(a b);
my %base = map { $_ => "http://127.0.0.1:" . $c->node($_)->{port} } qw(a b);

# A new connection per request: the node's children take turns.
my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
sub title_at {
    my ($node, $path) = @_;
    my $res = request($ua, 'GET', "$base{$node}$path");
    return $res->code == 200 ? decode($res)->{title} // '' : $res->code;
}
# Waits for every child of node to log pattern (one line each), up to 10 s.
sub wait_for_log {
    my ($node, $pattern, $count) = @_;
    my $log = $c->node($node)->{root} . '/error_log';
    for (1 .. 100) {
        my $seen = () = slurp($log) =~ /$pattern/g;
        return 1 if $seen >= $count;
        sleep 0.1;
    }
    return 0;
}
# The statements PostgreSQL logged since mark() that read the entity.
my $mark = 0;
sub mark { $mark = -s $pg_log }
sub reads_of {
    my ($id) = @_;
    open my $log, '<', $pg_log or die "$pg_log: $!";
    seek $log, $mark, 0;
    local $/;
    my $text = <$log> // '';
    my $count = () = $text =~ /execute occi_entity_get:[^\n]*\n[^\n]*DETAIL:\s+parameters: \$1 = '\Q$id\E'/g;
    return $count;
}

# Every child of both nodes listens before anything is measured: each
# holds a session named 'mod_occi changes' (two nodes of two children).
my $listening = 0;
for (1 .. 100) {
    ($listening) = $c->sql("SELECT count(*) FROM pg_stat_activity "
                           . "WHERE application_name = 'mod_occi changes'");
    last if $listening >= 4;
    sleep 0.1;
}
die "only $listening children listen for PostgreSQL's announcements\n" unless $listening >= 4;
my $res = request($ua, 'POST', "$base{a}/compute/", { kind => $COMPUTE, title => 'round 0' });
die 'create: ' . $res->code . ' ' . $res->content . "\n" unless $res->code == 201;
my ($path) = ($res->header('Location') // '') =~ m{^https?://[^/]+(/.*)$};
my ($id) = $path =~ m{([0-9a-f-]{36})$};

# ---- Reads of an unchanged compute ---------------------------------------------
mark();
my $wrong = 0;
for (1 .. 400) { $wrong++ unless title_at('b', $path) eq 'round 0' }
sleep 0.2;
my $reads = reads_of($id);
say "400 reads through B of an unchanged compute reached PostgreSQL $reads times";
fail("$wrong of 400 reads through B did not show the compute") if $wrong;
fail("$reads reads reached PostgreSQL: the children did not keep the row") if $reads > 8;

# ---- Changes interleaved with reads ---------------------------------------------
my (@delays, $stale_on_a, $late, $at_once);
$stale_on_a = $late = $at_once = 0;
for my $round (1 .. $rounds) {
    my $title = "round $round";
    if ($round % 10 == 0) {
        # By hand in psql: the database announces it all the same.
        superuser_sql("UPDATE occi_entity SET attributes = replace(attributes, '\"round "
                . ($round - 1) . "\"', '\"$title\"') WHERE id = '$id'");
    }
    else {
        my $res = request($ua, 'POST', "$base{a}$path",
                          { attributes => { 'occi.core.title' => $title } });
        die "round $round: update " . $res->code . ' ' . $res->content . "\n" unless $res->code == 200;
        $stale_on_a++ unless title_at('a', $path) eq $title;
    }
    my $start = time;
    my $seen = title_at('b', $path);
    $at_once++ if $seen eq $title;
    while ($seen ne $title && time - $start <= 1) {
        $seen = title_at('b', $path);
    }
    push @delays, time - $start;
    $late++ if $seen ne $title;
}
@delays = sort { $a <=> $b } @delays;
say sprintf '%d changes (a tenth in psql): B showed %d at the first read, each after %.1f ms '
          . 'at the median, %.1f ms at most; A showed its own at once: %d of %d',
    $rounds, $at_once, 1000 * $delays[@delays / 2], 1000 * $delays[-1],
    $rounds - int($rounds / 10) - $stale_on_a, $rounds - int($rounds / 10);
fail("$late changes were not shown through B within a second") if $late;
fail("$stale_on_a reads through A right after A's own change showed the old title") if $stale_on_a;

# ---- The listening sessions cut --------------------------------------------------
my $before = title_at('b', $path);
superuser_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              . "WHERE application_name = 'mod_occi changes'");
fail('B did not notice that its listening sessions ended')
    unless wait_for_log('b', 'OCCI167', 2);
superuser_sql("UPDATE occi_entity SET attributes = replace(attributes, '\"$before\"', '\"cut\"') "
              . "WHERE id = '$id'");
my $after_cut = title_at('b', $path);
say "listening cut: B showed '$after_cut' at the first read after a change in psql";
fail("B showed '$after_cut' after the change made while it could not listen") unless $after_cut eq 'cut';
fail('B did not listen again') unless wait_for_log('b', 'OCCI168', 2);
title_at('b', $path) for 1 .. 20;
mark();
title_at('b', $path) for 1 .. 100;
sleep 0.2;
$reads = reads_of($id);
say "listening again: 100 reads through B reached PostgreSQL $reads times";
fail("$reads of 100 reads reached PostgreSQL once B listened again") if $reads > 8;

# ---- A delete -----------------------------------------------------------------------
$res = request($ua, 'DELETE', "$base{a}$path");
fail('delete through A: ' . $res->code) unless $res->code == 200;
my $start = time;
my $code;
while (($code = request($ua, 'GET', "$base{b}$path")->code) != 404) { last if time - $start > 1 }
fail("B still answers $code for the deleted compute after a second") unless $code == 404;

for my $node (qw(a b)) {
    my @errors = grep { /\[(?:error|crit|alert|emerg)\]/ } split /\n/, slurp($c->node($node)->{root} . '/error_log');
    fail("node $node logged errors: @errors[0 .. ($#errors < 2 ? $#errors : 2)]") if @errors;
}
say($failed ? "FAILED ($failed)" : 'passed');
exit($failed ? 1 : 0);
