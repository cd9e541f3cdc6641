#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Two API nodes fill three hypervisor hosts together: two httpd instances
# (each with its own ServerRoot, runtime directory, port and OCCINodeName)
# share one private PostgreSQL and name the same three private libvirtds
# (libvirt's test driver: 16 CPUs and 3 GiB of memory each) with
# OCCIHypervisorHost h1, h2 and h3, behind a third httpd with
# mod_proxy_balancer. Clients create computes of 1 core and 0.25 GiB through
# the balancer as fast as they can, each until it has been refused several
# times in a row, because no host has room left. Then:
#   - on every host, the memory of mod_occi's domains (libvirt's dominfo)
#     is at most what the host offers (its memory as libvirt reports it),
#     and so are their cores (its CPUs times cpu_ratio 4): the two nodes,
#     placing at the same moment, never overfilled a host;
#   - every host is full: it has less room left than one more compute, and
#     the domains number what the hosts can hold (36 on test hosts);
#   - every create the API acknowledged (201) is a domain on exactly one
#     host, the host the store records (with what it takes there, which
#     placement counts), and in the compute collection of
#     both nodes; nothing else is on the hosts or in the store, and no
#     refused create left anything anywhere;
#   - no answer was a 5xx, and every refusal was a 409 saying that no host
#     has room for what was asked, naming no host;
#   - the store has no change left unfinished, and no httpd child crashed.
# Prints figures and exits non-zero on any failure; stops all it started
# (what it starts: t/load/Cluster.pm).
#
# Usage: hosts.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: HOSTS_CLIENTS (default 20; 8 with --smoke), HOSTS_SECONDS
# (the longest the clients may take to fill the hosts: default 60; 20 with
# --smoke), HOSTS_KEEP (keep the working directory).
# Needs root (the private libvirtds) and PostgreSQL's server binaries.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use JSON::PP;
use LWP::UserAgent;
use POSIX ();
use Time::HiRes qw(time sleep);
use lib dirname(abs_path(__FILE__));
use Cluster qw(slurp spew uuid request decode options);

my ($httpd, $modules, $build, $smoke, $src) = options();
my $clients = $ENV{HOSTS_CLIENTS} || ($smoke ? 8 : 20);
my $seconds = $ENV{HOSTS_SECONDS} || ($smoke ? 20 : 60);
my $label = $smoke ? 'three hosts (smoke)' : 'three hosts';
my @hosts = qw(h1 h2 h3);
my $cpu_ratio = 4;                 # OCCIHypervisorHost's default
my ($cores, $memory_mib) = (1, 256);
my $in_a_row = 3;                  # refusals in a row that end a client
my $no_room = qr/^no host has room for 1 core and 0\.25 GiB of memory$/;
use constant INFRA => 'http://schemas.ogf.org/occi/infrastructure#';
my $json = JSON::PP->new->utf8->canonical;

$| = 1;
sub say { print "$label: @_\n" }
my @failures;
sub fail { push @failures, "@_"; say "FAIL: @_" }

# ---- What this run starts (stopped when it ends) ------------------------------
my $cluster = Cluster->for_script(label => $label, tag => 'hosts', httpd => $httpd,
                                  modules => $modules, build => $build, src => $src,
                                  keep => $ENV{HOSTS_KEEP});
my $work = $cluster->work;
my $node = $cluster->nodes;          # name => { root, port }

# ---- The hosts, the store, the nodes and the balancer -------------------------
my $started = time;
my %uri = $cluster->start_hypervisors(@hosts);
$cluster->start_postgres;
my $lines = join '', map { qq{OCCIHypervisorHost $_ "$uri{$_}" pool=default-pool\n} } @hosts;
$cluster->add_node($_, "${lines}OCCILibvirtDomainType test\n") for qw(a b);
my $front = $cluster->add_balancer(qw(a b));

# What each host offers, as libvirt reports it.
my (%offers_mib, %offers_cores, %holds);
my $expected = 0;
for my $host (@hosts) {
    my $info = $cluster->virsh($host, 'nodeinfo');
    my ($cpus) = $info =~ /^CPU\(s\):\s*(\d+)/m;
    my ($kib) = $info =~ /^Memory size:\s*(\d+) KiB/m;
    die "$host: no CPUs or memory in virsh nodeinfo:\n$info\n" unless $cpus && $kib;
    $offers_mib{$host} = int($kib / 1024);
    $offers_cores{$host} = $cpus * $cpu_ratio;
    $holds{$host} = POSIX::floor($offers_mib{$host} / $memory_mib);
    $holds{$host} = $offers_cores{$host} if $offers_cores{$host} < $holds{$host};
    $expected += $holds{$host};
}

# ---- A client -------------------------------------------------------------------
# Creates until refused $in_a_row times in a row or out of time; each create
# a PUT of an id of its own, so that whatever became of it can be looked
# for. Writes its record to $work/client.N.
sub client {
    my ($n, $end) = @_;
    my $ua = LWP::UserAgent->new(keep_alive => 2, timeout => 60);
    my %r = (made => [], refused => [], unsure => [], requests => 0, refusals => 0, bad_refusals => [],
             status_5xx => [], other => [], sentences => {}, last_made => 0, full => 0);
    my ($refused, $seq) = (0, 0);
    while (time < $end) {
        my $id = uuid();
        my $res = request($ua, PUT => "$front/compute/$id", { kind => INFRA . 'compute',
            title => "client $n #" . ++$seq,
            attributes => { 'occi.compute.cores' => $cores, 'occi.compute.memory' => $memory_mib / 1024 } },
            'If-None-Match' => '*');
        $r{requests}++;
        my $code = $res->code;
        if ($code == 201) {
            push @{ $r{made} }, $id;
            $r{last_made} = time;
            $refused = 0;
            next;
        }
        my $message = decode($res)->{message} // '';
        if ($code == 409 && $message =~ /^no host has room/) {
            push @{ $r{refused} }, $id;
            $r{refusals}++;
            $r{sentences}{$message}++;
            push @{ $r{bad_refusals} }, "names a host: $message"
                if $res->content =~ /\b(?:h[123]|node-[ab])\b/;
            push @{ $r{bad_refusals} }, "not what was asked: $message" unless $message =~ $no_room;
            push @{ $r{bad_refusals} }, 'with Retry-After' if $res->header('Retry-After');
            if (++$refused >= $in_a_row) { $r{full} = 1; last }
            next;
        }
        # Anything else: the create may or may not have happened.
        push @{ $r{unsure} }, $id;
        my $what = "PUT /compute/$id: $code " . substr($res->content, 0, 200);
        push @{ $code >= 500 ? $r{status_5xx} : $r{other} }, $what;
        $refused = 0;
    }
    $r{finished} = time;
    spew("$work/client.$n", $json->encode(\%r));
}

# ---- The run ----------------------------------------------------------------------
say "nodes A (:$node->{a}{port}) and B (:$node->{b}{port}) behind $front, one PostgreSQL, "
    . "hosts " . join(', ', map { "$_ ($offers_cores{$_} cores, $offers_mib{$_} MiB)" } @hosts)
    . "; $clients clients create computes of $cores core and $memory_mib MiB until refused "
    . "$in_a_row times in a row (at most $seconds s)";
my $load_start = time;
my $end = $load_start + $seconds;
my @pids;
for my $n (1 .. $clients) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $SIG{INT} = $SIG{TERM} = 'DEFAULT';
        client($n, $end);
        POSIX::_exit(0);
    }
    push @pids, $pid;
}
waitpid $_, 0 for @pids;

# ---- Results ------------------------------------------------------------------------
my (@made, @refused, @unsure, @status_5xx, @other, @bad_refusals, %sentences);
my ($requests, $refusals, $full, $last_made, $last) = (0, 0, 0, $load_start, $load_start);
for my $n (1 .. $clients) {
    my $r = eval { $json->decode(slurp("$work/client.$n")) };
    if (!$r) { fail("client $n left no record"); next }
    push @made, @{ $r->{made} };
    push @refused, @{ $r->{refused} };
    push @unsure, @{ $r->{unsure} };
    push @status_5xx, @{ $r->{status_5xx} };
    push @other, @{ $r->{other} };
    push @bad_refusals, @{ $r->{bad_refusals} };
    $sentences{$_} += $r->{sentences}{$_} for keys %{ $r->{sentences} };
    $requests += $r->{requests};
    $refusals += $r->{refusals};
    $full += $r->{full};
    $last_made = $r->{last_made} if $r->{last_made} > $last_made;
    $last = $r->{finished} if $r->{finished} > $last;
}
my $elapsed = $last - $load_start;
my $filling = $last_made - $load_start;
say sprintf 'requests: %d in %.1f s (%.0f/s); created: %d in %.1f s (%.1f creates/s); refused: %d; '
    . 'clients refused %d times in a row: %d of %d', $requests, $elapsed, $requests / ($elapsed || 1),
    scalar @made, $filling, @made / ($filling || 1), $refusals, $in_a_row, $full, $clients;
say "  refused $sentences{$_} times: $_" for sort keys %sentences;
fail("only $full of $clients clients were refused $in_a_row times in a row within $seconds s")
    if $full < $clients;
fail(scalar(@status_5xx) . " answers were 5xx, e.g. $status_5xx[0]") if @status_5xx;
fail(scalar(@other) . " answers were neither 201 nor the no-room 409, e.g. $other[0]") if @other;
fail(scalar(@bad_refusals) . " refusals were wrong, e.g. $bad_refusals[0]") if @bad_refusals;

# What the hosts hold.
my (%domains_on, %where);
for my $host (@hosts) {
    my @domains = grep { /^occi-/ } split /\n/, $cluster->virsh($host, 'list', '--all', '--name');
    my ($mib, $vcpus) = (0, 0);
    for my $domain (@domains) {
        my $info = $cluster->virsh($host, 'dominfo', $domain);
        my ($kib) = $info =~ /^Max memory:\s*(\d+) KiB/m;
        my ($cpus) = $info =~ /^CPU\(s\):\s*(\d+)/m;
        fail("$host: no memory or CPUs in dominfo $domain: $info") unless $kib && $cpus;
        $mib += ($kib // 0) / 1024;
        $vcpus += $cpus // 0;
        push @{ $where{ $domain =~ s/^occi-//r } }, $host;
    }
    $domains_on{$host} = @domains;
    say sprintf '  %s: %d computes, %d of %d MiB, %d of %d cores', $host, scalar @domains, $mib,
        $offers_mib{$host}, $vcpus, $offers_cores{$host};
    fail("$host is overfilled: $mib MiB of $offers_mib{$host}") if $mib > $offers_mib{$host};
    fail("$host is overfilled: $vcpus cores of $offers_cores{$host}") if $vcpus > $offers_cores{$host};
    fail("$host is not full: $mib MiB of $offers_mib{$host} with computes of $memory_mib MiB")
        if $mib + $memory_mib <= $offers_mib{$host} && $vcpus + $cores <= $offers_cores{$host};
}
my $on_hosts = keys %where;
say "computes on the hosts: $on_hosts (the hosts hold $expected); acknowledged: " . scalar(@made);
fail("the hosts hold $on_hosts computes, not $expected") if $on_hosts != $expected;

# What the store holds: each node's compute collection, and the host
# recorded for each entity.
my $ua = LWP::UserAgent->new(timeout => 30);
my %listed;
for my $name (qw(a b)) {
    my $res = request($ua, GET => "http://127.0.0.1:$node->{$name}{port}/compute/");
    if ($res->code != 200) { fail("GET /compute/ on node $name: " . $res->code); next }
    for my $resource (@{ decode($res)->{resources} || [] }) {
        $listed{$name}{ ($resource->{id} // '') =~ s/^urn:uuid://r } = 1;
    }
}
my %stored_host = map { split /\t/ } $cluster->sql("SELECT id, COALESCE(host, '') FROM occi_entity "
                                                   . "WHERE kind = '" . INFRA . "compute'");
my %allocated = map { split /\t/ } $cluster->sql('SELECT host, SUM(memory_mib) FROM occi_allocation GROUP BY host');
my %allocation = map { my ($id, @rest) = split /\t/; ($id => "@rest") }
                 $cluster->sql('SELECT entity_id, host, cores, memory_mib FROM occi_allocation');
say '  store: ' . join(', ', map { sprintf '%s %d MiB allocated', $_, $allocated{$_} // 0 } @hosts);
for my $host (@hosts) {
    fail("the store has placed $allocated{$host} MiB on $host, which offers $offers_mib{$host}")
        if ($allocated{$host} // 0) > $offers_mib{$host};
}
my %acknowledged = map { $_ => 1 } @made;
my ($missing, $twice, $unlisted, $wrong_host) = (0, 0, 0, 0);
for my $id (@made) {
    my @on = @{ $where{$id} || [] };
    if (!@on) { $missing++; fail("compute $id was acknowledged and is on no host"); next }
    if (@on > 1) { $twice++; fail("compute $id is on several hosts: @on") }
    for my $name (qw(a b)) {
        next if $listed{$name}{$id};
        $unlisted++;
        fail("compute $id was acknowledged and is not in node " . uc($name) . "'s collection");
    }
    if (($stored_host{$id} // '') ne $on[0] || ($allocation{$id} // '') ne "$on[0] $cores $memory_mib") {
        $wrong_host++;
        fail("compute $id is on $on[0]; the store says " . ($stored_host{$id} // 'nothing')
             . ', its allocation ' . ($allocation{$id} // 'none'));
    }
}
my %unsure = map { $_ => 1 } @unsure;
my ($stray, $refused_left) = (0, 0);
for my $id (keys %where, keys %stored_host, map { keys %$_ } values %listed) {
    next if $acknowledged{$id} || $unsure{$id};
    $stray++;
}
my %refused = map { $_ => 1 } @refused;
$refused_left = grep { $refused{$_} } keys %where, keys %stored_host;
say sprintf 'acknowledged computes missing from the hosts: %d, on two hosts: %d, missing from a '
    . 'collection: %d, on another host than the store says (or its allocation): %d; unacknowledged on a host or in the '
    . 'store: %d (left by a refused create: %d)', $missing, $twice, $unlisted, $wrong_host, $stray,
    $refused_left;
fail("$stray computes are on a host or in the store that no client was told of") if $stray;

my ($left) = $cluster->sql('SELECT COUNT(*) FROM occi_intent');
for (1 .. 50) {
    last if $left == 0;
    sleep 0.2;
    ($left) = $cluster->sql('SELECT COUNT(*) FROM occi_intent');
}
fail("$left changes are still unfinished in the store") if $left;

my @refused_by;
for my $name (qw(a b)) {
    my $log = slurp("$node->{$name}{root}/error_log");
    my $crashes = () = $log =~ /exit signal/g;
    fail("node $name: $crashes children crashed") if $crashes;
    push @refused_by, uc($name) . ' ' . (() = $log =~ /OCCI147: \S+ \S+: 409 /g);
}
say 'refusals logged (OCCI147) by node: ' . join(', ', @refused_by);
mkdir "$src/t/logs";
system('cp', "$node->{a}{root}/error_log", "$src/t/logs/hosts-a-error_log");
say sprintf 'total %.0f s; %s', time - $started,
    @failures ? scalar(@failures) . ' checks FAILED' : 'all checks passed';
exit(@failures ? 1 : 0);
