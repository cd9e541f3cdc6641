#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Two API nodes, one dies: two httpd instances (each with its own
# ServerRoot, runtime directory, port and OCCINodeName) share one private
# PostgreSQL and one private libvirtd (its test driver, shared over the
# daemon's socket), behind a third httpd with mod_proxy_balancer. Clients
# write through the balancer; a third of the way in, every process of node
# B is killed with SIGKILL while B has changes under way (frozen first with
# SIGSTOP until the store shows some), and B stays down. Then:
#   - node A finishes every change B left half done (its intents) within
#     30 s, while B is still down;
#   - no answer of a node is a 5xx; what the kill cut (the balancer's 502,
#     or no answer at all) the clients retry as docs/production.md says:
#     a create is a PUT of an id the client chose with If-None-Match: *, so
#     that 412 says the cut attempt made it and 409 with Retry-After says it
#     is being undone; a change is made with If-Match and, after a cut, read
#     back to see whether it happened; a delete is repeated until 200 or 404;
#   - nothing acknowledged is lost: every entity a client made (and did not
#     delete) is in the store, every one it deleted is not, and the shared
#     counters equal the updates the clients saw succeed;
#   - the store and libvirt agree on every object and every compute's state;
#   - B, started again, has nothing left to finish, and a change made with
#     virsh shows through both nodes.
# Prints figures and exits non-zero on any failure; stops all it started
# (what it starts: t/load/Cluster.pm).
#
# Usage: nodes.pl --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]
# Environment: NODES_CLIENTS (default 24; 12 with --smoke), NODES_SECONDS
# (default 60; 12 with --smoke), NODES_KEEP (keep the working directory).
# Needs root (the private libvirtd) and PostgreSQL's server binaries.
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
my $clients = $ENV{NODES_CLIENTS} || ($smoke ? 12 : 24);
my $seconds = $ENV{NODES_SECONDS} || ($smoke ? 12 : 60);
my $label = $smoke ? 'two nodes (smoke)' : 'two nodes';
my $counters = 4;
use constant INFRA => 'http://schemas.ogf.org/occi/infrastructure#';
use constant COMPUTE_ACTION => 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
my $json = JSON::PP->new->utf8->canonical;

$| = 1;
sub say { print "$label: @_\n" }
my @failures;
sub fail { push @failures, "@_"; say "FAIL: @_" }

# ---- What this run starts (stopped when it ends) ------------------------------
my $cluster = Cluster->for_script(label => $label, tag => 'nodes', httpd => $httpd,
                                  modules => $modules, build => $build, src => $src,
                                  keep => $ENV{NODES_KEEP});
my $work = $cluster->work;
my $node = $cluster->nodes;          # name => { root, port }
sub sql { $cluster->sql(@_) }
sub virsh { $cluster->virsh('hv', @_) }

# ---- The shared hypervisor and store, the nodes and the balancer -------------
my $uri = { $cluster->start_hypervisors('hv') }->{hv};
$cluster->start_postgres;
$cluster->add_node($_, <<CONF) for qw(a b);
OCCILibvirtURI "$uri"
OCCILibvirtDomainType test
OCCIStoragePool default-pool
CONF
my $front = $cluster->add_balancer(qw(a b));

# ---- Requests ------------------------------------------------------------------
# What the kill can do to a request: no answer, or the balancer's own 5xx
# (an HTML page) when the node it chose went away. A node's own answers
# carry JSON.
sub cut {
    my ($res) = @_;
    return 1 if ($res->header('Client-Warning') // '') eq 'Internal response';
    return $res->code >= 500 && ($res->header('Content-Type') // '') !~ /json/;
}

# ---- A client -------------------------------------------------------------------
# Writes its record to $work/client.N: what it made and deleted, the
# counter updates it saw succeed, the cuts it retried, the 5xx of nodes.
sub client {
    my ($n, $end, $shared) = @_;
    srand($$ ^ time);
    my $ua = LWP::UserAgent->new(keep_alive => 2, timeout => 60);
    my %r = (made => {}, deleted => {}, counted => {}, requests => 0, cut => 0, node_5xx => [],
             retry_after => 0, made_by_cut => 0, refused => {});
    my @mine;
    my $send = sub {
        my $res = request($ua, @_);
        $r{requests}++;
        $r{cut}++ if cut($res);
        if (!cut($res) && $res->code >= 500) {
            push @{ $r{node_5xx} }, "$_[0] $_[1]: " . $res->code . ' ' . substr($res->content, 0, 200);
        }
        return $res;
    };
    my $seq = 0;
    while (time < $end) {
        my $pick = rand 100;
        if (@mine < 2 || ($pick < 30 && @mine < 12)) {
            # A create that may be retried: PUT of an id of the client's own.
            my $kind = (qw(compute compute network storage))[int rand 4];
            my $path = "/$kind/" . uuid();
            my %attributes = $kind eq 'compute' ? ('occi.compute.memory' => 0.125)
                           : $kind eq 'storage' ? ('occi.storage.size' => 0.01) : ();
            my ($res, $cut_before) = (undef, 0);
            for my $attempt (1 .. 60) {
                $res = $send->(PUT => "$front$path", { kind => INFRA . $kind,
                    title => "client $n #" . ++$seq, attributes => \%attributes }, 'If-None-Match' => '*');
                if (cut($res)) { $cut_before = 1; sleep 0.2; next }
                if ($res->code == 409 && $res->header('Retry-After')) {
                    $r{retry_after}++;
                    sleep 1;
                    next;
                }
                last;
            }
            if ($res->code == 201 || ($res->code == 412 && $cut_before)) {
                $r{made}{$path} = $kind;
                $r{made_by_cut}++ if $res->code == 412;
                push @mine, { path => $path, kind => $kind, state => 'inactive' };
            }
            else {
                $r{refused}{'create ' . $res->code . ': ' . (decode($res)->{message} // '')}++;
            }
        }
        elsif ($pick < 60) {
            # A shared counter, +1 with If-Match; the update carries a token
            # of the client's, so that after a cut a read tells whether it
            # happened.
            my $counter = $shared->[int rand @$shared];
            my $token = "client $n update " . ++$seq;
            for my $attempt (1 .. 200) {
                my $read = $send->(GET => "$front$counter");
                if (cut($read)) { sleep 0.2; next }
                last unless $read->code == 200;
                my $entity = decode($read);
                if (($entity->{summary} // '') eq $token) {
                    $r{counted}{$counter}++;       # the cut attempt had made it
                    last;
                }
                my $res = $send->(POST => "$front$counter",
                    { title => '' . ($entity->{title} + 1), summary => $token },
                    'If-Match' => $read->header('ETag'));
                if ($res->code == 200) { $r{counted}{$counter}++; last }
                next if $res->code == 412 || cut($res);
                $r{refused}{'counter ' . $res->code . ': ' . (decode($res)->{message} // '')}++;
                last;
            }
        }
        elsif ($pick < 85) {
            my $entity = $mine[int rand @mine];
            next unless $entity->{kind} eq 'compute';
            my ($term, @method) = $entity->{state} eq 'active' ? ('stop', method => 'poweroff') : ('start');
            my $res = $send->(POST => "$front$entity->{path}?action=$term",
                { action => COMPUTE_ACTION . $term, (@method ? (attributes => {@method}) : ()) });
            if ($res->code == 200) {
                $entity->{state} = decode($res)->{attributes}{'occi.compute.state'} // '';
            }
            elsif (!cut($res) && $res->code == 409) {
                # Behind the hypervisor's state (a cut action): read it.
                my $read = $send->(GET => "$front$entity->{path}");
                $entity->{state} = decode($read)->{attributes}{'occi.compute.state'} // $entity->{state};
            }
        }
        else {
            my $i = int rand @mine;
            my $res;
            for my $attempt (1 .. 60) {
                $res = $send->(DELETE => "$front$mine[$i]{path}");
                last unless cut($res) || ($res->code == 409 && $res->header('Retry-After'));
                sleep 0.2;
            }
            if ($res->code == 200 || $res->code == 404) {
                $r{deleted}{ $mine[$i]{path} } = 1;
                splice @mine, $i, 1;
            }
            else {
                $r{refused}{'delete ' . $res->code . ': ' . (decode($res)->{message} // '')}++;
            }
        }
    }
    $r{finished} = time;
    spew("$work/client.$n", $json->encode(\%r));
}

# ---- The run ----------------------------------------------------------------------
my $started = time;
my $setup = LWP::UserAgent->new(timeout => 30);
my @shared;
for my $i (1 .. $counters) {
    my $res = request($setup, POST => "$front/storage/", { kind => INFRA . 'storage', title => '0',
                                                          attributes => { 'occi.storage.size' => 0.01 } });
    die 'cannot create a counter: ' . $res->status_line . "\n" . $res->content unless $res->code == 201;
    push @shared, ($res->header('Location') =~ m{^https?://[^/]+(/.*)$})[0];
}
say "nodes A (:$node->{a}{port}) and B (:$node->{b}{port}) behind $front, one PostgreSQL, "
    . "one libvirtd; $clients clients for $seconds s";
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

# Node B dies whole, its parent and every child at once, with changes under
# way: its processes are frozen (SIGSTOP) and, if the store then holds
# intents of B's (changes a frozen process cannot finish), killed
# (SIGKILL); otherwise they are thawed and frozen again a moment later.
sub b_intents {
    return (sql("SELECT COUNT(*) FROM occi_intent WHERE verb = 'change' AND holder LIKE 'node-b %'"))[0];
}
sleep $seconds / 3;
my $b_parent = slurp("$node->{b}{root}/httpd.pid") =~ s/\s+//gr;
my @b_processes = ($b_parent, grep { /^\d+$/ } map { s/\s+//gr } split /\n/, `ps -o pid= --ppid $b_parent`);
my ($killed_at, $interrupted, $freezes) = (undef, 0, 0);
while (time < $end - 1) {
    kill 'STOP', @b_processes;
    $freezes++;
    sleep 0.05;            # what B had sent the database is done by then
    $interrupted = b_intents();
    if ($interrupted) {
        kill 'KILL', @b_processes;
        $killed_at = time;
        last;
    }
    kill 'CONT', @b_processes;
    sleep 0.05 + rand 0.1;
}
unlink "$node->{b}{root}/httpd.pid" if $killed_at;
if (!$killed_at) {
    fail("node B never had a change under way in $freezes looks");
    kill 'KILL', @b_processes;
    $killed_at = time;
}
say sprintf 'killed every process of node B (%d) at %.1f s, frozen with %d of its changes '
    . 'under way (look %d)', scalar @b_processes, $killed_at - $load_start, $interrupted, $freezes;
my $finished_after;
while (time < $killed_at + 40) {
    if (b_intents() == 0) { $finished_after = time - $killed_at; last }
    sleep 0.25;
}
if (defined $finished_after) {
    say sprintf 'node A finished the %d changes B left within %.1f s of the kill, B still down',
        $interrupted, $finished_after;
    fail("node A took $finished_after s, more than 30 s") if $finished_after > 30;
}
else {
    fail('node B\'s interrupted changes were still not finished 40 s after the kill');
}
waitpid $_, 0 for @pids;

# ---- Results ------------------------------------------------------------------------
my (%made, %deleted, %counted, @node_5xx, %refused);
my ($requests, $cuts, $retry_after, $made_by_cut, $last) = (0, 0, 0, 0, $load_start);
for my $n (1 .. $clients) {
    my $r = eval { $json->decode(slurp("$work/client.$n")) };
    if (!$r) { fail("client $n left no record"); next }
    %made = (%made, %{ $r->{made} });
    %deleted = (%deleted, %{ $r->{deleted} });
    $counted{$_} += $r->{counted}{$_} for keys %{ $r->{counted} };
    push @node_5xx, @{ $r->{node_5xx} };
    $refused{$_} += $r->{refused}{$_} for keys %{ $r->{refused} };
    $requests += $r->{requests};
    $cuts += $r->{cut};
    $retry_after += $r->{retry_after};
    $made_by_cut += $r->{made_by_cut};
    $last = $r->{finished} if $r->{finished} > $last;
}
my $elapsed = $last - $load_start;
say sprintf 'requests: %d in %.1f s (%.0f/s); cut by the kill and retried: %d; creates answered '
    . '409 Retry-After while an interrupted one was undone: %d; made by an attempt that was cut '
    . '(412 on the retry): %d', $requests, $elapsed, $requests / $elapsed, $cuts, $retry_after, $made_by_cut;
say "  refused: $refused{$_} x $_" for sort keys %refused;
fail(scalar(@node_5xx) . " answers of a node were 5xx, e.g. $node_5xx[0]") if @node_5xx;
my ($left) = sql("SELECT COUNT(*) FROM occi_intent WHERE verb = 'change'");
for (1 .. 100) {
    last if $left == 0;
    sleep 0.3;
    ($left) = sql("SELECT COUNT(*) FROM occi_intent WHERE verb = 'change'");
}
fail("$left changes are still not finished after the load") if $left;

my %stored = map { my ($id, $kind, $attributes) = split /\t/, $_, 3; ($id => [$kind, $attributes]) }
             sql('SELECT id, kind, attributes FROM occi_entity');
my ($lost, $undead) = (0, 0);
for my $path (keys %made) {
    my ($id) = $path =~ m{/([0-9a-f-]{36})$};
    if ($deleted{$path}) { $undead++ if $stored{$id} }
    else { $lost++ unless $stored{$id} }
}
say sprintf 'acknowledged: %d made, %d deleted; missing from the store: %d; deleted but still there: %d',
    scalar(keys %made), scalar(keys %deleted), $lost, $undead;
fail("$lost acknowledged entities are missing") if $lost;
fail("$undead deleted entities are still there") if $undead;
my $wrong = 0;
for my $counter (@shared) {
    my $value = decode(request($setup, GET => "$front$counter"))->{title} // 'unreadable';
    my $want = $counted{$counter} // 0;
    next if $value eq $want;
    $wrong++;
    fail("counter $counter is $value after $want updates the clients saw succeed");
}
say 'counters: ' . join(', ', map { $counted{$_} // 0 } @shared) . ' updates with If-Match; lost: '
    . ($wrong ? 'some' : 0);

# The store and libvirt agree.
sub agreement {
    my %on_hv;
    for (split /\n/, virsh('list', '--all')) {
        $on_hv{$1} = { running => 'active', 'shut off' => 'inactive', paused => 'suspended' }->{$2} // $2
            if /^\s*\S+\s+occi-([0-9a-f-]{36})\s+(.*?)\s*$/;
    }
    for (split /\n/, virsh('net-list', '--all')) { $on_hv{$1} = 'network' if /^\s*occi-([0-9a-f-]{36})\s/ }
    for (split /\n/, virsh('vol-list', 'default-pool')) { $on_hv{$1} = 'volume' if /^\s*occi-([0-9a-f-]{36})\.qcow2\s/ }
    my ($only_store, $only_hv, $states) = (0, 0, 0);
    for my $id (keys %stored) {
        my ($kind, $attributes) = @{ $stored{$id} };
        next unless $kind =~ /#(compute|network|storage)$/;
        if (!exists $on_hv{$id}) { $only_store++; fail("$kind $id is in the store, not on the hypervisor"); next }
        next unless $kind =~ /#compute$/;
        my $state = (eval { $json->decode($attributes) } || {})->{'occi.compute.state'};
        $state = $state->{value} if ref $state;
        if (($state // '') ne $on_hv{$id}) {
            # The store keeps the state of the last change through the API;
            # only a change interrupted by the kill could leave it behind.
            $states++;
            fail("compute $id: the store says " . ($state // 'nothing') . ", libvirt $on_hv{$id}");
        }
    }
    for my $id (keys %on_hv) {
        next if $stored{$id};
        $only_hv++;
        fail("$on_hv{$id} $id is on the hypervisor, not in the store");
    }
    say sprintf 'store and libvirt: %d objects; only in the store: %d, only on the hypervisor: %d, '
        . 'compute states that differ: %d', scalar(keys %on_hv), $only_store, $only_hv, $states;
}
agreement();

# B comes back: nothing is left for it to finish.
$cluster->start_server('b');
sleep 3;
my $b_log = slurp("$node->{b}{root}/error_log");
my $b_finished = () = $b_log =~ /OCCI95/g;
say "node B started again: it finished $b_finished changes (nothing was left)";
fail("node B, started again, finished $b_finished changes") if $b_finished;

# A change made with virsh shows through both nodes.
{
    my $id = uuid();
    my $res = request($setup, PUT => "http://127.0.0.1:$node->{a}{port}/compute/$id",
                      { kind => INFRA . 'compute', attributes => { 'occi.compute.memory' => 0.125 } });
    $res = request($setup, POST => "http://127.0.0.1:$node->{a}{port}/compute/$id?action=start",
                   { action => COMPUTE_ACTION . 'start' }) if $res->code == 201;
    fail('a compute to watch could not be made and started: ' . $res->code) unless $res->code == 200;
    virsh('destroy', "occi-$id");
    for my $name (qw(a b)) {
        my $seen;
        for (1 .. 50) {
            $seen = decode(request($setup, GET => "http://127.0.0.1:$node->{$name}{port}/compute/$id"))
                        ->{attributes}{'occi.compute.state'} // '';
            last if $seen eq 'inactive';
            sleep 0.1;
        }
        say "after virsh destroy, node " . uc($name) . " shows the compute $seen";
        fail("node $name shows $seen after virsh destroy") unless $seen eq 'inactive';
    }
}

for my $name (qw(a b)) {
    my $log = slurp("$node->{$name}{root}/error_log");
    my $crashes = () = $log =~ /exit signal (?!Killed)/g;
    fail("node $name: $crashes children crashed") if $crashes;
}
mkdir "$src/t/logs";
system('cp', "$node->{a}{root}/error_log", "$src/t/logs/nodes-a-error_log");
say sprintf 'total %.0f s; %s', time - $started,
    @failures ? scalar(@failures) . ' checks FAILED' : 'all checks passed';
exit(@failures ? 1 : 0);
