#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Load and faults: many clients create, update, act on and delete computes,
# storages and networks at once against a private httpd (event MPM, several
# children with several threads) loading mod_occi from the build tree, with
# a private libvirtd (its test driver, shared by every child through the
# daemon) and a private store (SQLite, or PostgreSQL). Halfway through, one
# httpd child is killed with SIGKILL; after the run, children are killed
# one after another while fewer clients go on ("kills in a row"), so that
# some kills land between libvirt's part of a change and the commit.
# After each:
#   - no answer was a 5xx;
#   - no update made with If-Match was lost: shared counters (titles) are
#     read with their ETag and written back plus one with If-Match, 412s
#     retried; each ends equal to the number of 200s it got;
#   - every entity whose 201 a client received, and that it did not delete
#     afterwards, is still there;
#   - the store and the hypervisor agree: every compute, storage and
#     network of the store has its domain, volume or network and the other
#     way round, with matching states and sizes (cores, memory, capacity);
#   - SQLite's PRAGMA integrity_check says ok;
#   - libvirtd stopped: 503 with the reason, then 200 again once it is
#     back, without restarting httpd (and the same for a PostgreSQL restart
#     when the store is PostgreSQL).
# Prints a summary and exits non-zero on any failure. Everything it starts
# is stopped before it exits.
#
# Usage: load.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: LOAD_CLIENTS (default 50; 10 with --smoke), LOAD_SECONDS
# (default 60; 5 with --smoke), OCCI_LOAD_DATABASE (sqlite3 or pgsql),
# LOAD_KILL (0: no child is killed), LOAD_KEEP (keep the working directory).
# Needs root (the private libvirtd), like t/hypervisor/hypervisor.sh.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(rmtree);
use File::Temp qw(tempdir);
use Getopt::Long;
use HTTP::Request;
use IO::Socket::INET;
use JSON::PP;
use LWP::UserAgent;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);

my ($httpd, $modules, $build, $smoke);
GetOptions('httpd=s' => \$httpd, 'modules=s' => \$modules, 'build=s' => \$build,
           'smoke' => \$smoke)
    && $httpd && $modules && $build
    or die "usage: $0 --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]\n";
$build = abs_path($build);
my $src = abs_path(dirname(__FILE__) . '/../..');
my $clients = $ENV{LOAD_CLIENTS} || ($smoke ? 10 : 50);
my $seconds = $ENV{LOAD_SECONDS} || ($smoke ? 5 : 60);
my $database = $ENV{OCCI_LOAD_DATABASE} || 'sqlite3';
my $kill_child = $ENV{LOAD_KILL} // 1;
my $counters = 5;
my $mode = $smoke ? 'load (smoke)' : 'load';

use constant INFRA => 'http://schemas.ogf.org/occi/infrastructure#';
my %ACTION_SCHEME = (
    compute => 'http://schemas.ogf.org/occi/infrastructure/compute/action#',
    storage => 'http://schemas.ogf.org/occi/infrastructure/storage/action#',
    network => 'http://schemas.ogf.org/occi/infrastructure/network/action#',
);
my $json = JSON::PP->new->utf8->canonical;

$| = 1;
sub say { print "$mode: @_\n" }
if ($> != 0) {
    say 'SKIP: needs root (a private libvirtd)';
    exit 0;
}
for my $tool (qw(virsh libvirtd)) {
    next if grep { -x "$_/$tool" } split /:/, $ENV{PATH};
    say "SKIP: $tool is not installed";
    exit 0;
}

# ---- Everything this run starts, and how to stop it ----------------------
# Short: unix socket paths are limited to 107 bytes.
my $work = tempdir('/tmp/occi-load.XXXXXX');
chmod 0755, $work;
my ($hv_dir, $uri, $keeper, $httpd_conf, $httpd_root, $pg, $port, $base);
my $parent_pid = $$;
my @failures;

sub run_quiet { system("@_ >/dev/null 2>&1") == 0 }

sub stop_all {
    return unless $$ == $parent_pid;
    if ($httpd_conf && -f "$httpd_root/httpd.pid") {
        my $pid = slurp("$httpd_root/httpd.pid");
        run_quiet($httpd, '-d', $httpd_root, '-f', $httpd_conf, '-k', 'stop');
        for (1 .. 100) { last unless $pid && kill 0, $pid; sleep 0.1 }
    }
    if ($keeper) { kill 'TERM', $keeper; waitpid $keeper, 0; undef $keeper }
    if ($hv_dir) { run_quiet("$src/t/hypervisor/hypervisor.sh", 'stop', $hv_dir); undef $hv_dir }
    if ($pg) { pg_ctl('-m fast -w stop'); undef $pg }
    if ($ENV{LOAD_KEEP}) { say "working directory kept: $work" } else { rmtree($work) }
}
END { stop_all() }
$SIG{INT} = $SIG{TERM} = sub { stop_all(); exit 1 };

sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; my $t = <$fh>; $t =~ s/\s+$//; $t }
sub spew { my ($f, $t) = @_; open my $fh, '>', $f or die "$f: $!"; print $fh $t; close $fh }
sub fail { push @failures, "@_"; say "FAIL: @_" }
sub free_port {
    IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)->sockport;
}

# ---- The hypervisor -------------------------------------------------------
# The test driver inside a private libvirtd: one state for every httpd child.
# The daemon frees test:///default when its last connection closes, so a
# virsh kept listening to events holds it for the whole run (its output is
# also a record of what happened to each object).
sub start_hypervisor {
    $hv_dir = "$work/hv";
    local $ENV{HYPERVISOR_CACHE_DIR} = $ENV{HYPERVISOR_CACHE_DIR} || '/var/tmp/mod_occi-hv-cache';
    system("$src/t/hypervisor/hypervisor.sh start '$hv_dir' >'$work/hypervisor.log' 2>&1") == 0
        or die "the private libvirtd did not start:\n" . slurp("$work/hypervisor.log") . "\n";
    $uri = "test+unix:///default?socket=$hv_dir/run/libvirt-sock";
    $keeper = fork // die "fork: $!";
    if (!$keeper) {
        open STDOUT, '>', "$work/libvirt-events.log";
        open STDERR, '>&', \*STDOUT;
        exec 'virsh', '-c', $uri, 'event', '--all', '--loop';
        exit 127;
    }
    for (1 .. 50) { last if virsh('list', '--all', '--name') =~ /\S/; sleep 0.1 }
}
sub virsh { my $q = join ' ', map { "'$_'" } @_; my $o = `virsh -q -c '$uri' $q 2>&1`; $o =~ s/\s+$//; $o }

# ---- The store ------------------------------------------------------------
my ($db_file, $pg_bin, $pg_port);
sub pg_ctl {
    my ($args) = @_;
    return run_quiet("runuser -u postgres -- $pg_bin/pg_ctl -D $work/pg/data -l $work/pg/log $args");
}
sub dbd_lines {
    if ($database eq 'sqlite3') {
        mkdir "$work/db";
        chown scalar(getpwnam('nobody')), -1, "$work/db";
        $db_file = "$work/db/occi.sqlite";
        return qq{DBDriver sqlite3\nDBDParams "$db_file"\n}
             . qq{DBDInitSQL "PRAGMA journal_mode=WAL"\n};
    }
    die "OCCI_LOAD_DATABASE must be sqlite3 or pgsql\n" unless $database eq 'pgsql';
    ($pg_bin) = map { dirname($_) } sort glob('/usr/lib/postgresql/*/bin/pg_ctl');
    die "PostgreSQL is not installed\n" unless $pg_bin;
    $pg_port = free_port();
    mkdir "$work/pg";
    system('chown', 'postgres', "$work/pg");
    run_quiet("runuser -u postgres -- $pg_bin/initdb -D $work/pg/data -U postgres --auth=trust "
              . "-E UTF8 --locale=C.UTF-8") or die "initdb failed\n";
    spew("$work/pg/extra.conf", "listen_addresses = '127.0.0.1'\nport = $pg_port\n"
         . "unix_socket_directories = '$work/pg'\nmax_connections = 300\n");
    system("cat $work/pg/extra.conf >> $work/pg/data/postgresql.conf");
    $pg = 1;
    pg_ctl('-w start') or die "PostgreSQL did not start\n";
    run_quiet("$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -q "
              . "-c \"CREATE ROLE occi LOGIN PASSWORD 'occi'\" -c 'CREATE DATABASE occi OWNER occi'")
        or die "cannot create the database\n";
    return qq{DBDriver pgsql\nDBDParams "host=127.0.0.1 port=$pg_port dbname=occi user=occi password=occi"\n}
         . qq{DBDInitSQL "SET plan_cache_mode = force_custom_plan"\n};
}
# Rows of the store: [id, kind, attributes (JSON text)].
sub store_rows {
    my $sql = 'SELECT id, kind, attributes FROM occi_entity';
    my $out = $database eq 'sqlite3'
        ? `sqlite3 -separator '\t' '$db_file' "$sql" 2>&1`
        : `$pg_bin/psql -h 127.0.0.1 -p $pg_port -U occi -d occi -At -F '\t' -c "$sql" 2>&1`;
    die "cannot read the store: $out\n" if $?;
    return map { [split /\t/, $_, 3] } grep { length } split /\n/, $out;
}

# Waits until no change interrupted by a kill is left: the module's
# background thread finishes them (intents in the store, see
# docs/hypervisor.md); returns how many were left and the seconds waited.
sub wait_for_interrupted_changes {
    my ($seconds) = @_;
    my $sql = "SELECT COUNT(*) FROM occi_intent WHERE verb = 'change'";
    my $t0 = time;
    my $left;
    while (1) {
        $left = $database eq 'sqlite3'
            ? `sqlite3 '$db_file' "$sql" 2>&1`
            : `$pg_bin/psql -h 127.0.0.1 -p $pg_port -U occi -d occi -At -c "$sql" 2>&1`;
        chomp $left;
        last if $left eq '0' || time - $t0 > $seconds;
        sleep 0.2;
    }
    return ($left, time - $t0);
}

# ---- httpd ------------------------------------------------------------------
sub start_httpd {
    $port = free_port();
    $base = "http://127.0.0.1:$port";
    $httpd_root = "$work/httpd";
    mkdir $httpd_root;
    $httpd_conf = "$httpd_root/httpd.conf";
    my $children = $smoke ? 2 : 3;
    spew($httpd_conf, <<CONF . dbd_lines());
ServerRoot "$httpd_root"
DefaultRuntimeDir "$httpd_root"
PidFile "$httpd_root/httpd.pid"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
ServerTokens Full
User nobody
Group nogroup
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule dbd_module $modules/mod_dbd.so
LoadModule occi_module "$build/.libs/mod_occi.so"
ErrorLog "$httpd_root/error_log"
LogLevel warn occi:info
# Several children with several threads each, as in production; the
# clients keep their connections alive.
StartServers $children
ServerLimit $children
MinSpareThreads 10
MaxSpareThreads 200
ThreadsPerChild 25
MaxRequestWorkers @{[25 * $children]}
MaxRequestsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
DBDMin 1
DBDKeep 8
DBDMax 25
OCCILibvirtURI "$uri"
OCCILibvirtDomainType test
OCCIStoragePool default-pool
<Location />
    SetHandler occi
</Location>
CONF
    system($httpd, '-d', $httpd_root, '-f', $httpd_conf, '-k', 'start') == 0
        or die "httpd did not start:\n" . slurp("$httpd_root/error_log") . "\n";
    my $ua = LWP::UserAgent->new(timeout => 5);
    for (1 .. 100) {
        return if $ua->get("$base/-/")->code == 200;
        sleep 0.1;
    }
    die "httpd does not answer:\n" . slurp("$httpd_root/error_log") . "\n";
}
sub httpd_children {
    my $parent = slurp("$httpd_root/httpd.pid");
    return grep { /^\d+$/ } map { s/\s+//gr } split /\n/, `ps -o pid= --ppid $parent`;
}

# ---- Requests ---------------------------------------------------------------
sub request {
    my ($ua, $method, $path, $data, @headers) = @_;
    my @body = defined $data ? ($json->encode($data)) : ();
    my $req = HTTP::Request->new($method => "$base$path",
        [Accept => 'application/occi+json',
         (@body ? ('Content-Type' => 'application/occi+json') : ()), @headers], @body);
    return $ua->request($req);
}
# The status of an answer, or "lost" when none came (the connection broke:
# LWP makes up a 500 of its own then).
sub code_of {
    my ($res) = @_;
    return ($res->header('Client-Warning') // '') eq 'Internal response' ? 'lost' : $res->code;
}
sub decode { my $d = eval { $json->decode($_[0]->content) }; $d }
sub path_of { my ($l) = @_; return undef unless defined $l; $l =~ s{^https?://[^/]+}{}; $l }
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] }

# ---- A client ---------------------------------------------------------------
# Writes its tallies to $work/client.N as JSON.
sub client {
    my ($n, $end, $shared) = @_;
    srand($$ ^ time);
    my $ua = LWP::UserAgent->new(keep_alive => 4, timeout => 60);
    my %r = (tally => {}, time => {}, created => {}, deleted => {}, uncertain_create => [],
             uncertain_delete => [], counter_ok => {}, retries_412 => 0, gave_up => 0,
             fivexx => [], refused => {});
    my (@mine, $seq);
    my $tally = sub {
        my ($verb, $res, $t0) = @_;
        my $code = code_of($res);
        $r{tally}{$verb}{$code}++;
        $r{time}{$verb} += time - $t0;
        if ($code ne 'lost' && $code >= 500) {
            push @{ $r{fivexx} }, sprintf('%s %s %s: %s', $verb, $res->request->method,
                $res->request->uri->path, substr($res->content, 0, 300));
        }
        elsif ($code ne 'lost' && $code >= 400 && $code != 412) {
            my $message = (decode($res) || {})->{message} // substr($res->content, 0, 200);
            $message =~ s/[0-9a-f]{8}-[0-9a-f-]{27}/<id>/g;
            $r{refused}{"$verb $code: $message"}++;
        }
        return $code;
    };
    while (time < $end) {
        my $pick = rand 100;
        if (@mine < 3 || ($pick < 25 && @mine < 30)) {
            my $kind = (qw(compute storage network))[int rand 3];
            my $title = sprintf 'load-%d-%d', $n, ++$seq;
            my %attributes = $kind eq 'compute' ? ('occi.compute.memory' => 0.125, 'occi.compute.cores' => 1)
                           : $kind eq 'storage' ? ('occi.storage.size' => 0.01) : ();
            my $t0 = time;
            my $res = request($ua, POST => "/$kind/", { kind => INFRA . $kind, title => $title,
                                                        attributes => \%attributes });
            my $code = $tally->('create', $res, $t0);
            if ($code eq '201') {
                my $path = path_of($res->header('Location'));
                my $state = (decode($res) || {})->{attributes}{"occi.$kind.state"} // '';
                push @mine, { path => $path, kind => $kind, state => $state, cores => 1 };
                $r{created}{$path} = $kind;
            }
            elsif ($code eq 'lost') {
                push @{ $r{uncertain_create} }, $title;
            }
        }
        elsif ($pick < 50) {
            # A shared counter: read it with its ETag, write it back plus one
            # with If-Match; a 412 means another client got there first.
            my $counter = $shared->[int rand @$shared];
            for my $attempt (1 .. 200) {
                my $t0 = time;
                my $res = request($ua, GET => $counter);
                last if $tally->('read', $res, $t0) ne '200';
                my $etag = $res->header('ETag');
                my $value = (decode($res) || {})->{title};
                $t0 = time;
                $res = request($ua, POST => $counter, { title => "" . ($value + 1) }, 'If-Match' => $etag);
                my $code = $tally->('update', $res, $t0);
                if ($code eq '200') { $r{counter_ok}{$counter}++; last }
                if ($code eq '412') { $r{retries_412}++; next }
                # Lost or refused: whether it counted is unknown; the check
                # then allows it either way.
                $r{counter_unknown}{$counter}++ if $code eq 'lost';
                last;
            }
        }
        elsif ($pick < 62) {
            # Half of those on a stopped compute give it 1 or 2 cores: the
            # domain is defined again. (The test driver cannot resize a
            # volume.)
            my $entity = $mine[int rand @mine];
            my %attributes = ('occi.core.summary' => "updated by client $n at " . time);
            my $resize = rand() < 0.5;
            if ($resize && $entity->{kind} eq 'compute' && $entity->{state} eq 'inactive') {
                %attributes = ('occi.compute.cores' => 3 - $entity->{cores});
            }
            my $t0 = time;
            my $res = request($ua, POST => $entity->{path}, { attributes => \%attributes });
            if ($tally->('update', $res, $t0) eq '200') {
                $entity->{cores} = $attributes{'occi.compute.cores'} // $entity->{cores};
            }
        }
        elsif ($pick < 85) {
            my $entity = $mine[int rand @mine];
            my ($kind, $state) = @$entity{qw(kind state)};
            my ($term, %parameters);
            if ($kind eq 'compute') {
                ($term, %parameters) = $state eq 'active'
                    ? (rand() < 0.5 ? ('stop', method => 'poweroff') : ('suspend', method => 'suspend'))
                    : ('start');
            }
            elsif ($kind eq 'network') { $term = $state eq 'active' ? 'down' : 'up' }
            else { $term = $state eq 'online' ? 'offline' : 'online' }
            my $t0 = time;
            my $res = request($ua, POST => "$entity->{path}?action=$term",
                { action => $ACTION_SCHEME{$kind} . $term,
                  (%parameters ? (attributes => \%parameters) : ()) });
            if ($tally->('action', $res, $t0) eq '200') {
                $entity->{state} = (decode($res) || {})->{attributes}{"occi.$kind.state"} // '';
            }
        }
        else {
            my $i = int rand @mine;
            my $entity = $mine[$i];
            my $t0 = time;
            my $code = $tally->('delete', request($ua, DELETE => $entity->{path}), $t0);
            if ($code eq '200' || $code eq '204') {
                $r{deleted}{$entity->{path}} = 1;
                splice @mine, $i, 1;
            }
            elsif ($code eq 'lost') {
                push @{ $r{uncertain_delete} }, $entity->{path};
                splice @mine, $i, 1;
            }
        }
    }
    spew("$work/client.$n", $json->encode(\%r));
}

# ---- The run ------------------------------------------------------------------
my $started = time;
start_hypervisor();
start_httpd();
say "httpd on $base (" . scalar(httpd_children()) . " children x 25 threads), store $database, "
    . "hypervisor $uri";

my $setup = LWP::UserAgent->new(timeout => 30);
my @shared;
for my $i (1 .. $counters) {
    my $res = request($setup, POST => '/storage/', { kind => INFRA . 'storage', title => '0',
                                                     attributes => { 'occi.storage.size' => 0.01 } });
    die "cannot create a shared counter: " . $res->status_line . "\n" . $res->content . "\n"
        unless $res->code == 201;
    push @shared, path_of($res->header('Location'));
}

say "$clients clients for $seconds s";
my $load_start = time;
my $end = $load_start + $seconds;
my @pids;
for my $n (1 .. $clients) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $SIG{INT} = $SIG{TERM} = 'DEFAULT';
        client($n, $end, \@shared);
        POSIX::_exit(0);
    }
    push @pids, $pid;
}
my %kill;
if ($kill_child) {
    sleep $seconds / 2;
    my @children = httpd_children();
    # One that serves requests at this moment (any of them does, under load).
    my $victim = $children[int rand @children];
    $kill{before} = scalar @children;
    $kill{pid} = $victim;
    $kill{at} = time - $load_start;
    kill 'KILL', $victim;
    say sprintf 'killed httpd child %d with SIGKILL at %.1f s', $victim, $kill{at};
}
waitpid $_, 0 for @pids;
my $elapsed = time - $load_start;
$kill{after} = scalar httpd_children() if $kill_child;

# ---- Results --------------------------------------------------------------------
my (%tally, %time, %created, %deleted, @uncertain_create, @uncertain_delete, %counter_ok,
    %counter_unknown, @fivexx, %refused);
my ($retries, $missing_clients) = (0, 0);
for my $n (1 .. $clients) {
    my $r = eval { $json->decode(slurp("$work/client.$n")) };
    if (!$r) { $missing_clients++; next }
    for my $verb (keys %{ $r->{tally} }) {
        $tally{$verb}{$_} += $r->{tally}{$verb}{$_} for keys %{ $r->{tally}{$verb} };
        $time{$verb} += $r->{time}{$verb};
    }
    %created = (%created, %{ $r->{created} });
    %deleted = (%deleted, %{ $r->{deleted} });
    push @uncertain_create, @{ $r->{uncertain_create} };
    push @uncertain_delete, @{ $r->{uncertain_delete} };
    $counter_ok{$_} += $r->{counter_ok}{$_} for keys %{ $r->{counter_ok} };
    $counter_unknown{$_} += $r->{counter_unknown}{$_} for keys %{ $r->{counter_unknown} || {} };
    $retries += $r->{retries_412};
    push @fivexx, @{ $r->{fivexx} };
    $refused{$_} += $r->{refused}{$_} for keys %{ $r->{refused} };
}
fail("$missing_clients clients left no results") if $missing_clients;

my ($requests, $fivexx, $lost) = (0, 0, 0);
my @lines;
for my $verb (qw(create read update action delete)) {
    my $t = $tally{$verb} or next;
    my $count = 0;
    $count += $_ for values %$t;
    $requests += $count;
    $fivexx += $t->{$_} for grep { /^\d+$/ && $_ >= 500 } keys %$t;
    $lost += $t->{lost} // 0;
    push @lines, sprintf '  %-7s %7d  %7.1f/s  %6.1f ms  %s', $verb, $count, $count / $elapsed,
        1000 * $time{$verb} / $count,
        join ' ', map { "$_:$t->{$_}" } sort keys %$t;
}
say sprintf 'requests: %d in %.1f s, %.1f/s (per verb: count, rate, mean latency, statuses)',
    $requests, $elapsed, $requests / $elapsed;
print "$_\n" for @lines;
say "5xx answers: $fivexx";
{
    # The same failure once, with how often it came.
    my %seen;
    $seen{ s/[0-9a-f]{8}-[0-9a-f-]{27}/<id>/gr }++ for @fivexx;
    say "  $seen{$_} x $_" for grep { defined } (sort { $seen{$b} <=> $seen{$a} } keys %seen)[0 .. 4];
}
fail("$fivexx answers were 5xx") if $fivexx;
# 4xx other than 412: what the server refused, and why (a client's view of
# an entity's state can be behind, e.g. after a kill).
say "  $refused{$_} x $_" for grep { defined } (sort { $refused{$b} <=> $refused{$a} } keys %refused)[0 .. 4];
say "connections cut without an answer (the killed child's): $lost";

# Lost updates: each counter equals the 200s it got (give or take the
# updates whose answer was cut off by a kill).
sub check_counters {
    my ($label) = @_;
    my ($lost_updates, $counted) = (0, 0);
    for my $counter (@shared) {
        my $res = request($setup, GET => $counter);
        my $value = (decode($res) || {})->{title} // 'unreadable';
        my $ok = $counter_ok{$counter} // 0;
        my $unknown = $counter_unknown{$counter} // 0;
        $counted += $ok;
        if ($value !~ /^\d+$/ || $value < $ok || $value > $ok + $unknown) {
            $lost_updates += $value =~ /^\d+$/ && $value < $ok ? $ok - $value : 1;
            fail("$label: counter $counter is $value after $ok successful updates (+$unknown cut off)");
        }
    }
    say "$label: If-Match updates of $counters shared counters: $counted succeeded, $retries "
        . "retried after 412, lost updates: $lost_updates";
}
check_counters('after the load');

# Committed entities: every 201 not deleted since is still there.
my @rows = store_rows();
my %stored = map { ($_->[0] => $_) } @rows;
my $gone = 0;
for my $path (keys %created) {
    next if $deleted{$path};
    next if grep { $_ eq $path } @uncertain_delete;
    $gone++ unless $stored{ id_of($path) };
}
fail("$gone entities acknowledged with 201 are missing from the store") if $gone;
my %titles;
for my $row (@rows) {
    my $attributes = eval { $json->decode($row->[2]) } || {};
    my $title = ref $attributes eq 'HASH' ? $attributes->{'occi.core.title'} : undef;
    $titles{ ref $title ? $title->{value} // '' : $title // '' } = 1;
}
my $unknown_made = grep { $titles{$_} } @uncertain_create;
say sprintf 'entities: %d created (201), %d deleted (200), %d in the store at the end; '
    . 'missing: %d; creates cut off: %d (%d of them stored), deletes cut off: %d',
    scalar(keys %created), scalar(keys %deleted), scalar(@rows) - $counters, $gone,
    scalar(@uncertain_create), $unknown_made, scalar(@uncertain_delete);

# The store and the hypervisor agree: every compute, storage and network of
# the store has its object and the other way round; the state the store
# keeps for computes and networks is the hypervisor's. Returns the counts.
sub agreement {
    my ($label) = @_;
    my %want = (compute => {}, storage => {}, network => {});
    for my $row (store_rows()) {
        my ($kind) = $row->[1] =~ /#(\w+)$/;
        $want{$kind}{ $row->[0] } = $row if $want{$kind};
    }
    my %have = (compute => {}, storage => {}, network => {});
    for (split /\n/, virsh('list', '--all')) {
        $have{compute}{$1} = $2 if /^\s*\S+\s+occi-([0-9a-f-]{36})\s+(.*?)\s*$/;
    }
    for (split /\n/, virsh('net-list', '--all')) {
        $have{network}{$1} = $2 if /^\s*occi-([0-9a-f-]{36})\s+(\S+)/;
    }
    my %capacity;
    my %unit = (B => 1, KiB => 2**10, MiB => 2**20, GiB => 2**30, TiB => 2**40);
    for (split /\n/, virsh('vol-list', 'default-pool', '--details')) {
        next unless /^\s*occi-([0-9a-f-]{36})\.qcow2\s.*?\s([\d.]+) (\w+)\s+[\d.]+ \w+\s*$/;
        $have{storage}{$1} = 'present';
        $capacity{$1} = $2 * ($unit{$3} // 0) / 2**30;
    }
    # Sizes of the domains: their definitions, many per virsh call.
    my (%vcpus, %memory);
    my @names = map { "occi-$_" } sort keys %{ $have{compute} };
    while (my @chunk = splice @names, 0, 100) {
        my $xml = virsh(join '; ', map { "dumpxml $_" } @chunk);
        for my $domain (split m{</domain>}, $xml) {
            my ($id) = $domain =~ m{<name>occi-([0-9a-f-]{36})</name>} or next;
            ($vcpus{$id}) = $domain =~ m{<vcpu[^>]*>(\d+)</vcpu>};
            ($memory{$id}) = $domain =~ m{<memory unit='KiB'>(\d+)</memory>};
        }
    }
    my ($store_only, $hv_only, $state_mismatch, $size_mismatch) = (0, 0, 0, 0);
    my %live = (running => 'active', paused => 'suspended', 'shut off' => 'inactive');
    for my $kind (qw(compute storage network)) {
        for my $id (keys %{ $want{$kind} }) {
            if (!exists $have{$kind}{$id}) {
                $store_only++;
                fail("$label: $kind $id is in the store but not on the hypervisor");
                next;
            }
            my $attributes = eval { $json->decode($want{$kind}{$id}[2]) } || {};
            my $stored = $attributes->{"occi.$kind.state"};
            my $hv = $kind eq 'compute' ? $live{ $have{$kind}{$id} } // $have{$kind}{$id}
                   : $kind eq 'network' ? $have{$kind}{$id} : undef;
            if (defined $hv && defined $stored && $stored ne $hv) {
                $state_mismatch++;
                fail("$label: $kind $id: the store says $stored, the hypervisor $have{$kind}{$id}");
            }
            my ($want_size, $have_size) =
                $kind eq 'storage' ? ($attributes->{'occi.storage.size'} // 1, $capacity{$id})
              : $kind eq 'compute' ? (($attributes->{'occi.compute.cores'} // 1) . ' cores, '
                                      . ($attributes->{'occi.compute.memory'} // 1) * 2**20 . ' KiB',
                                      ($vcpus{$id} // '?') . ' cores, ' . ($memory{$id} // '?') . ' KiB')
              : ();
            if (defined $want_size && ($kind eq 'storage'
                    ? !defined $have_size || abs($have_size - $want_size) > 0.01 * $want_size
                    : $want_size ne $have_size)) {
                $size_mismatch++;
                fail("$label: $kind $id: the store says " . $want_size . ', the hypervisor '
                     . ($have_size // 'nothing'));
            }
        }
        for my $id (keys %{ $have{$kind} }) {
            next if $want{$kind}{$id};
            $hv_only++;
            fail("$label: $kind $id is on the hypervisor but not in the store (an orphan)");
        }
    }
    my $objects = 0;
    $objects += keys %{ $have{$_} } for keys %have;
    say "$label: store and hypervisor: $objects objects, $store_only only in the store, "
        . "$hv_only only on the hypervisor, $state_mismatch states and $size_mismatch sizes differ";
    return ($store_only, $hv_only, $state_mismatch);
}
{
    my ($left, $waited) = wait_for_interrupted_changes(20);
    say sprintf 'interrupted changes after the load: %s left after %.1f s', $left, $waited;
    fail("after the load: $left interrupted changes were not finished in 20 s") if $left ne '0';
}
agreement('after the load');

if ($database eq 'sqlite3') {
    my $integrity = `sqlite3 '$db_file' 'PRAGMA integrity_check' 2>&1`;
    $integrity =~ s/\s+$//;
    say "SQLite integrity_check: $integrity";
    fail("SQLite integrity_check: $integrity") unless $integrity eq 'ok';
}
if ($kill_child) {
    say "kill -9: child $kill{pid} of $kill{before} at " . sprintf('%.1f s', $kill{at})
        . "; $kill{after} children at the end";
}

# ---- Kills in a row ---------------------------------------------------------------
# A single kill may or may not land between libvirt's part of a change and
# the store's commit. Here children are killed one after another while
# clients keep changing things, so that some kills land there; afterwards
# (once the module's background thread has finished what the dead left)
# nothing acknowledged is missing and the store and the
# hypervisor agree.
if ($kill_child) {
    my $storm_clients = $smoke ? 10 : 20;
    my $storm_seconds = $smoke ? 3 : 6;
    my $storm_end = time + $storm_seconds;
    my @storm;
    for my $n (1001 .. 1000 + $storm_clients) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            $SIG{INT} = $SIG{TERM} = 'DEFAULT';
            client($n, $storm_end, \@shared);
            POSIX::_exit(0);
        }
        push @storm, $pid;
    }
    my $kills = 0;
    while (time < $storm_end - 0.5) {
        sleep 0.25;
        my @children = httpd_children();
        next unless @children;
        kill 'KILL', $children[int rand @children];
        $kills++;
    }
    waitpid $_, 0 for @storm;
    my (%made, %gone, @cut, $storm_5xx, $storm_requests);
    for my $n (1001 .. 1000 + $storm_clients) {
        my $r = eval { $json->decode(slurp("$work/client.$n")) } or next;
        %made = (%made, %{ $r->{created} });
        %gone = (%gone, %{ $r->{deleted} });
        push @cut, @{ $r->{uncertain_delete} };
        $retries += $r->{retries_412};
        $counter_ok{$_} += $r->{counter_ok}{$_} for keys %{ $r->{counter_ok} };
        $counter_unknown{$_} += $r->{counter_unknown}{$_} for keys %{ $r->{counter_unknown} || {} };
        for my $verb (keys %{ $r->{tally} }) {
            for my $code (keys %{ $r->{tally}{$verb} }) {
                $storm_requests += $r->{tally}{$verb}{$code};
                $storm_5xx += $r->{tally}{$verb}{$code} if $code =~ /^5/;
                $lost += $r->{tally}{$verb}{$code} if $code eq 'lost';
            }
        }
        push @fivexx, @{ $r->{fivexx} };
    }
    my ($left, $waited) = wait_for_interrupted_changes(20);
    say sprintf 'interrupted changes after the kills in a row: %s left after %.1f s', $left, $waited;
    fail("kills in a row: $left interrupted changes were not finished in 20 s") if $left ne '0';
    my %now = map { ($_->[0] => 1) } store_rows();
    my $missing = 0;
    for my $path (keys %made) {
        next if $gone{$path} || grep { $_ eq $path } @cut;
        $missing++ unless $now{ id_of($path) };
    }
    say "kills in a row: $kills children killed in $storm_seconds s under $storm_clients clients "
        . "($storm_requests requests, " . ($storm_5xx // 0) . " 5xx); "
        . scalar(keys %made) . " created, missing: $missing";
    fail("kills in a row: $missing acknowledged entities are missing") if $missing;
    fail("kills in a row: $storm_5xx answers were 5xx") if $storm_5xx;
    agreement('after the kills in a row');
    check_counters('after the kills in a row');
}

# ---- A writer waits for SQLite's write lock ---------------------------------------
# Another connection holds it for 3 s: a create waits (apr_dbd's driver
# gives up after about 1.6 s, mod_occi asks again) and is made.
if ($database eq 'sqlite3') {
    system("(echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'ROLLBACK;') | sqlite3 '$db_file' "
           . ">/dev/null 2>&1 &");
    sleep 0.3;
    my $t0 = time;
    my $res = request(LWP::UserAgent->new(timeout => 60), POST => '/network/',
                      { kind => INFRA . 'network', title => 'waits for the lock' });
    my $waited = time - $t0;
    say sprintf 'a create while the SQLite write lock is held for 3 s: %s after %.1f s',
        $res->code, $waited;
    fail('a create waiting for the SQLite write lock answers ' . $res->code
         . ': ' . $res->content) unless $res->code == 201;
    sleep 3 - $waited if $waited < 3;
}

# ---- Outages ----------------------------------------------------------------------
# Every child is asked: more requests than children, on fresh connections.
sub probe {
    my ($n) = @_;
    my (%codes, $message);
    for (1 .. $n) {
        my $ua = LWP::UserAgent->new(timeout => 30);
        my $res = request($ua, GET => '/compute/?number=1&page=1');
        $codes{ code_of($res) }++;
        $message //= (decode($res) || {})->{message} if $res->code == 503;
    }
    return (\%codes, $message // '');
}
sub show { my ($c) = @_; join ' ', map { "$_:$c->{$_}" } sort keys %$c }
{
    my $n = 30;
    run_quiet("$src/t/hypervisor/hypervisor.sh", 'stop', $hv_dir);
    my ($codes, $message) = probe($n);
    say "libvirtd stopped: " . show($codes) . " ($message)";
    fail('libvirtd stopped: not every answer is 503') unless ($codes->{503} // 0) == $n;
    fail('libvirtd stopped: the 503 does not name the hypervisor') unless $message =~ /hypervisor/;
    system("HYPERVISOR_CACHE_DIR=/var/tmp/mod_occi-hv-cache $src/t/hypervisor/hypervisor.sh "
           . "start '$hv_dir' >>'$work/hypervisor.log' 2>&1") == 0 or fail('libvirtd did not start again');
    ($codes) = probe($n);
    say "libvirtd back: " . show($codes);
    fail('libvirtd back: not every answer is 200') unless ($codes->{200} // 0) == $n;
    my $res = request($setup, POST => '/network/', { kind => INFRA . 'network', title => 'after' });
    fail('libvirtd back: a create answers ' . $res->code) unless $res->code == 201;
}
if ($database eq 'pgsql') {
    my $n = 30;
    pg_ctl('-m fast -w stop');
    my ($codes, $message) = probe($n);
    say "PostgreSQL stopped: " . show($codes) . " ($message)";
    fail('PostgreSQL stopped: not every answer is 503') unless ($codes->{503} // 0) == $n;
    pg_ctl('-w start') or fail('PostgreSQL did not start again');
    # A pooled connection learns of the restart on its first statement.
    probe($n);
    ($codes) = probe($n);
    say "PostgreSQL back: " . show($codes);
    fail('PostgreSQL back: not every answer is 200') unless ($codes->{200} // 0) == $n;
}

my $log = slurp("$httpd_root/error_log");
my $crashes = () = $log =~ /exit signal (?!Killed)/g;
fail("$crashes httpd children crashed (see the error log)") if $crashes;
mkdir "$src/t/logs";
system('cp', "$httpd_root/error_log", "$src/t/logs/load-error_log");

say sprintf 'total %.0f s; %s', time - $started,
    @failures ? scalar(@failures) . ' checks FAILED' : 'all checks passed';
exit(@failures ? 1 : 0);
