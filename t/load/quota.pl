#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Quotas between two API nodes: two httpd instances (each with its own
# ServerRoot, runtime directory, port and OCCINodeName) share one private
# PostgreSQL and one private libvirtd (its test driver, over the daemon's
# socket), with OCCIQuota cores=7 for every tenant (here the one tenant of
# requests without authentication). In each round 20 clients, forked and
# released at the same instant, each create a compute of 1 core, half of
# them through node A and half through node B:
#   - a filling round starts from a few computes left by the round before
#     (0 to 3) and must end with exactly 7: as many 201 as there was room
#     for, every other answer a 403 over the quota of cores, saying what is
#     used, asked and allowed;
#   - a mixed round deletes some of the 7 computes (through both nodes) at
#     the same instant as the 20 creates: the creates may take only the
#     room the deletes made, and a round of 20 creates after it fills the
#     quota to exactly 7 again.
# After every round: the store holds exactly the computes the clients were
# told were made (never more than 7), the store's usage row and /quota/
# through both nodes say so, and the hypervisor holds exactly the store's
# computes (no refused create left a domain). No answer is a 5xx, and no
# node logs an error.
# Prints figures and exits non-zero on any failure; stops all it started
# (what it starts: t/load/Cluster.pm).
#
# Usage: quota.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: QUOTA_ROUNDS (filling and mixed rounds each: default 10; 3
# with --smoke), QUOTA_KEEP (keep the working directory).
# Needs root (the private libvirtd) and PostgreSQL's server binaries.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use LWP::UserAgent;
use POSIX ();
use Time::HiRes qw(time sleep);
use lib dirname(abs_path(__FILE__));
use Cluster qw(slurp request decode options);

my ($httpd, $modules, $build, $smoke, $src) = options();
my $rounds = $ENV{QUOTA_ROUNDS} || ($smoke ? 3 : 10);
my $label = $smoke ? 'quota between nodes (smoke)' : 'quota between nodes';
my $LIMIT = 7;
my $CLIENTS = 20;
use constant COMPUTE => 'http://schemas.ogf.org/occi/infrastructure#compute';

$| = 1;
sub say { print "$label: @_\n" }
my @failures;
sub fail { push @failures, "@_"; say "FAIL: @_" }

my $cluster = Cluster->for_script(label => $label, tag => 'quota', httpd => $httpd,
                                  modules => $modules, build => $build, src => $src,
                                  keep => $ENV{QUOTA_KEEP});
my $uri = { $cluster->start_hypervisors('hv') }->{hv};
$cluster->start_postgres;
$cluster->add_node($_, <<CONF) for qw(a b);
OCCILibvirtURI "$uri"
OCCILibvirtDomainType test
OCCIStoragePool default-pool
OCCIQuota cores=$LIMIT
CONF
my %base = map { $_ => 'http://127.0.0.1:' . $cluster->node($_)->{port} } qw(a b);
my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);

# ---- What each side holds ----------------------------------------------------
sub stored {
    my @ids = $cluster->sql("SELECT id FROM occi_entity WHERE kind = '" . COMPUTE . "'");
    return @ids;
}
sub usage_row {
    my ($row) = $cluster->sql("SELECT SUM(cores) || ' ' || SUM(computes) FROM occi_tenant_usage"
                              . " WHERE owner = '' GROUP BY owner");
    return $row // 'none';
}
sub domains {
    return grep { /^occi-[0-9a-f-]{36}$/ } split /\n/, $cluster->virsh('hv', 'list', '--all', '--name');
}
# What /quota/ says through node, as "used limit".
sub quota_at {
    my ($node) = @_;
    my $res = request($ua, GET => "$base{$node}/quota/");
    my ($quota) = @{ decode($res)->{resources} || [] };
    return $res->code . ' ' . join ' ', map { $quota->{attributes}{$_} // '-' }
                                        qw(quota.cores.used quota.cores.limit);
}

# ---- A round: requests released together -------------------------------------
# Runs each request (node, method, path) in a process of its own, all
# released at the same instant; returns [code, message, seconds] each.
sub at_once {
    my (@requests) = @_;
    my $start = time + 0.5;
    my @children;
    for my $i (0 .. $#requests) {
        my ($node, $method, $path) = @{ $requests[$i] };
        pipe my $reader, my $writer or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $reader;
            my $client = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
            my $body = $method eq 'POST'
                ? { kind => COMPUTE, attributes => { 'occi.compute.cores' => 1,
                                                     'occi.compute.memory' => 0.125 } }
                : undef;
            sleep $start - time if $start > time;
            my $t0 = time;
            my $res = request($client, $method, "$base{$node}$path", $body);
            my $message = decode($res)->{message} // '';
            $message =~ s/\s+/ /g;
            print $writer join("\t", $res->code, sprintf('%.4f', time - $t0), $message), "\n";
            close $writer;
            POSIX::_exit(0);
        }
        close $writer;
        push @children, [$pid, $reader];
    }
    my @results;
    for my $child (@children) {
        my ($pid, $reader) = @$child;
        my $line = <$reader> // "0\t0\tno answer";
        chomp $line;
        my ($code, $seconds, $message) = split /\t/, $line, 3;
        push @results, [$code, $message // '', $seconds];
        waitpid $pid, 0;
    }
    return @results;
}
sub creates { map { [$_ % 2 ? 'b' : 'a', POST => '/compute/'] } 1 .. $CLIENTS }

my (%latencies, $made_total, $refused_total, $deleted_total, $over);
$made_total = $refused_total = $deleted_total = $over = 0;
# Checks what the clients saw and what every side holds; expected is the
# number of computes there must be (undef: whatever the answers say).
sub check_round {
    my ($name, $before, $expected, @results) = @_;
    my $created = grep { $_->[0] == 201 } @results;
    my @refusals = grep { $_->[0] == 403 } @results;
    my @other = grep { $_->[0] != 201 && $_->[0] != 403 && $_->[0] != 200 } @results;
    push @{ $latencies{$_->[0]} }, $_->[2] for @results;
    $made_total += $created;
    $refused_total += @refusals;
    fail("$name: answers other than 201, 200 and 403: "
         . join(', ', map { "$_->[0] $_->[1]" } @other[0 .. ($#other < 2 ? $#other : 2)]))
        if @other;
    my @wrong = grep { $_->[1] !~ /^over the quota of the tenant of requests without authentication: cores: \d+ in use, 1 asked, $LIMIT allowed$/ }
                @refusals;
    fail("$name: a refusal said '$wrong[0][1]'") if @wrong;
    my $deletes = grep { $_->[0] == 200 } @results;
    my $count = $before - $deletes + $created;
    my @ids = stored();
    my @domains = domains();
    my ($a, $b) = (quota_at('a'), quota_at('b'));
    say sprintf '%s: %d computes before, %d deleted, %d created, %d refused (403); '
              . 'store %d, usage row "%s", /quota/ "%s" (A) "%s" (B), hypervisor %d',
        $name, $before, $deletes, $created, scalar @refusals, scalar @ids, usage_row(), $a, $b,
        scalar @domains;
    fail("$name: $created created where there was room for " . ($expected - $before + $deletes))
        if defined $expected && $count != $expected;
    fail("$name: the store holds " . @ids . " computes, the clients were told $count")
        if @ids != $count;
    if (@ids > $LIMIT) {
        fail("$name: more than $LIMIT computes");
        $over++;
    }
    fail("$name: the usage row says '" . usage_row() . "'") if usage_row() ne "@{[ scalar @ids ]} @{[ scalar @ids ]}";
    fail("$name: /quota/ through A says '$a'") if $a ne '200 ' . @ids . " $LIMIT";
    fail("$name: /quota/ through B says '$b'") if $b ne '200 ' . @ids . " $LIMIT";
    my %on_hv;
    $on_hv{ s/^occi-//r } = 1 for @domains;
    my @missing = grep { !$on_hv{$_} } @ids;
    my %in_store = map { $_ => 1 } @ids;
    my @extra = grep { !$in_store{$_} } keys %on_hv;
    fail("$name: " . @missing . ' stored computes have no domain') if @missing;
    fail("$name: " . @extra . ' domains are no stored compute (a refused create left them)')
        if @extra;
    return scalar @ids;
}

# ---- The rounds ----------------------------------------------------------------------
my $now = 0;
for my $round (1 .. $rounds) {
    # Filling: from 0 to 3 computes left, then 20 creates at once.
    my $keep = ($round - 1) % 4;
    my @ids = stored();
    for my $i (0 .. $#ids - $keep) {
        my $res = request($ua, DELETE => "$base{a}/compute/$ids[$i]");
        fail("deleting a compute before round $round: " . $res->code) unless $res->code == 200;
    }
    $now = check_round("round $round, filling", scalar(stored()), $LIMIT, at_once(creates()));

    # Mixed: some of the 7 deleted while 20 creates run, then 20 more.
    my $deletes = 1 + ($round - 1) % 5;
    @ids = stored();
    my @requests = creates();
    for my $i (0 .. $deletes - 1) {
        splice @requests, 2 * $i, 0, [$i % 2 ? 'b' : 'a', DELETE => "/compute/$ids[$i]"];
    }
    $deleted_total += $deletes;
    $now = check_round("round $round, mixed", $now, undef, at_once(@requests));
    $now = check_round("round $round, after it", $now, $LIMIT, at_once(creates()));
}

# ---- Afterwards --------------------------------------------------------------------------
my ($left) = $cluster->sql("SELECT COUNT(*) FROM occi_intent WHERE verb = 'change'");
fail("$left changes are left unfinished in the store") if $left;
for my $node (qw(a b)) {
    my @errors = grep { /\[(?:error|crit|alert|emerg)\]/ && !/OCCI176/ }
                 split /\n/, slurp($cluster->node($node)->{root} . '/error_log');
    fail("node $node logged errors: @errors[0 .. ($#errors < 2 ? $#errors : 2)]") if @errors;
}
# The median and the slowest of the answers of one status, in ms.
sub took {
    my @sorted = sort { $a <=> $b } @{ $latencies{$_[0]} || [0] };
    return sprintf '%.0f/%.0f ms', 1000 * $sorted[@sorted / 2], 1000 * $sorted[-1];
}
say sprintf '%d rounds (filling, mixed, filling again) of %d clients at once through two nodes: '
          . '%d computes made, %d deleted, %d refused over the quota; %d of %d rounds ended '
          . 'over it; median/slowest answer: 201 %s, 403 %s, delete %s',
    $rounds, $CLIENTS, $made_total, $deleted_total, $refused_total, $over, 3 * $rounds,
    took(201), took(403), took(200);
say(@failures ? 'FAILED (' . @failures . ')' : 'passed');
exit(@failures ? 1 : 0);
