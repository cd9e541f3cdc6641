# SPDX-License-Identifier: Apache-2.0
# What t/load/nodes.pl and t/load/hosts.pl both start: a private PostgreSQL,
# private libvirtds serving libvirt's test driver (each held open by a
# `virsh event` keeper), httpd API nodes that each have their own
# ServerRoot, runtime directory, port and OCCINodeName, and an httpd with
# mod_proxy_balancer in front of them. Everything lives in one working
# directory under /tmp; stop_all stops what was started and removes it.
#
#   my $c = Cluster->for_script(label => 'two nodes', tag => 'nodes', httpd => ...,
#                               modules => ..., build => ..., src => ...,
#                               keep => $ENV{NODES_KEEP});
#   my %uri = $c->start_hypervisors(qw(h1 h2 h3));   # name => libvirt URI
#   $c->start_postgres;
#   $c->add_node('a', "OCCILibvirtURI ...\n");       # also starts it
#   $c->add_balancer(qw(a b));
#   ... $c->node('a')->{port}, $c->sql(...), $c->virsh('h1', 'list') ...
#   $c->stop_all;
package Cluster;
use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use File::Path qw(rmtree);
use File::Temp qw(tempdir);
use HTTP::Request;
use IO::Socket::INET;
use JSON::PP;
use LWP::UserAgent;
use POSIX ();
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(slurp spew quietly port uuid request decode options);

# The command line every cluster script takes: --httpd, --modules, --build
# and --smoke. Returns (httpd, modules dir, absolute build dir, smoke or
# not, the source tree); dies with the usage otherwise.
sub options {
    my ($httpd, $modules, $build, $smoke);
    require Cwd;
    require Getopt::Long;
    Getopt::Long::GetOptions('httpd=s' => \$httpd, 'modules=s' => \$modules,
                             'build=s' => \$build, 'smoke' => \$smoke)
        && $httpd && $modules && $build
        or die "usage: $0 --httpd HTTPD --modules HTTPD_MODULES_DIR --build BUILD_DIR [--smoke]\n";
    return ($httpd, $modules, Cwd::abs_path($build), $smoke,
            Cwd::abs_path(dirname(Cwd::abs_path($0)) . '/../..'));
}

my $json = JSON::PP->new->utf8->canonical;

sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; my $t = <$fh>; $t // '' }
sub spew { my ($f, $t) = @_; open my $fh, '>', $f or die "$f: $!"; print $fh $t; close $fh }
sub quietly { system("@_ >/dev/null 2>&1") == 0 }
sub port { IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)->sockport }
# A random UUID from the kernel's generator: the clients are forked in the
# same second, and seeds made of a pid and the time can be equal (pids p and
# p + 1 across a second's boundary), which gives two clients the same ids.
sub uuid {
    open my $random, '<:raw', '/dev/urandom' or die "/dev/urandom: $!";
    read($random, my $bytes, 16) == 16 or die "/dev/urandom: short read\n";
    my @b = unpack 'C16', $bytes;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    my $h = join '', map { sprintf '%02x', $_ } @b;
    return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4), substr($h, 16, 4), substr($h, 20);
}
# request(UA, METHOD, URL, DATA or undef, HEADER => VALUE ...): JSON both ways.
sub request {
    my ($ua, $method, $url, $data, @headers) = @_;
    my @body = defined $data ? ($json->encode($data)) : ();
    return $ua->request(HTTP::Request->new($method => $url,
        [Accept => 'application/occi+json', (@body ? ('Content-Type' => 'application/occi+json') : ()),
         @headers], @body));
}
sub decode { my $d = eval { $json->decode($_[0]->content) }; ref $d eq 'HASH' ? $d : {} }

# Why the cluster cannot run here (undef when it can), and PostgreSQL's
# server binaries.
sub prerequisites {
    my ($modules) = @_;
    return ('needs root (a private libvirtd)') if $> != 0;
    my ($pg_bin) = map { dirname($_) } sort glob('/usr/lib/postgresql/*/bin/pg_ctl');
    return ('PostgreSQL is not installed') unless $pg_bin;
    for my $module (qw(proxy proxy_http proxy_balancer lbmethod_byrequests slotmem_shm)) {
        return ("mod_$module is not in $modules") unless -f "$modules/mod_$module.so";
    }
    return (undef, $pg_bin);
}

sub new {
    my ($class, %o) = @_;
    my $self = bless { %o, node => {}, hypervisors => [], keepers => {}, uri => {}, parent => $$ }, $class;
    $self->{work} = tempdir("/tmp/occi-$o{tag}.XXXXXX");    # short: socket paths
    chmod 0755, $self->{work};
    return $self;
}
# The cluster of a script (the arguments of new but pg_bin): where it
# cannot run here, says SKIP and exits 0; once made, it is stopped when the
# script ends or is interrupted.
my @of_scripts;
sub for_script {
    my ($class, %o) = @_;
    my ($skip, $pg_bin) = prerequisites($o{modules});
    if ($skip) {
        print "$o{label}: SKIP: $skip\n";
        exit 0;
    }
    my $self = $class->new(%o, pg_bin => $pg_bin);
    push @of_scripts, $self;
    $SIG{INT} = $SIG{TERM} = sub { $_->stop_all for @of_scripts; exit 1 };
    return $self;
}
END { $_->stop_all for @of_scripts }

sub work { $_[0]{work} }
sub node { $_[0]{node}{ $_[1] } }
sub nodes { $_[0]{node} }
sub uri { $_[0]{uri}{ $_[1] } }
sub say { my $self = shift; print "$self->{label}: @_\n" }

# ---- Hypervisors ------------------------------------------------------------
# Starts a private libvirtd for each name, all at once, in WORK/NAME, and a
# keeper for each: the daemon frees test:///default with its last
# connection, so a virsh listening to events holds it for the whole run.
# Nothing may reach the test driver before the keeper holds it (a state
# made then would go with the connection that made it): this waits until
# the daemon counts the keeper among its clients. Returns name => URI.
sub start_hypervisors {
    my ($self, @names) = @_;
    my $work = $self->{work};
    local $ENV{HYPERVISOR_CACHE_DIR} = $ENV{HYPERVISOR_CACHE_DIR} || '/var/tmp/mod_occi-hv-cache';
    my %starting;
    for my $name (@names) {
        push @{ $self->{hypervisors} }, "$work/$name";    # stop is safe after a failed start
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            open STDOUT, '>', "$work/$name.log";
            open STDERR, '>&', \*STDOUT;
            { exec "$self->{src}/t/hypervisor/hypervisor.sh", 'start', "$work/$name" }
            POSIX::_exit(127);
        }
        $starting{$pid} = $name;
    }
    my @failed;
    for my $pid (keys %starting) {
        waitpid $pid, 0;
        push @failed, $starting{$pid} if $?;
    }
    die join '', map { "the private libvirtd $_ did not start:\n" . slurp("$work/$_.log") } @failed
        if @failed;
    for my $name (@names) {
        my $dir = "$work/$name";
        my $uri = "test+unix:///default?socket=$dir/run/libvirt-sock";
        my $keeper = fork // die "fork: $!";
        if (!$keeper) {
            open STDOUT, '>', "$work/$name-events.log";
            open STDERR, '>&', \*STDOUT;
            open STDIN, '<', '/dev/null';
            { exec 'virsh', '-c', $uri, 'event', '--all', '--loop' }
            POSIX::_exit(127);
        }
        $self->{keepers}{$name} = $keeper;
        my $clients = 0;
        for (1 .. 100) {
            my $info = `virt-admin -c 'libvirtd:///system?socket=$dir/run/libvirt-admin-sock' srv-clients-info libvirtd 2>/dev/null`;
            $clients = $1 if $info =~ /^\s*nclients\s*:\s*(\d+)/m;
            last if $clients >= 1 || waitpid($keeper, POSIX::WNOHANG()) == $keeper;
            sleep 0.1;
        }
        die "$name: the keeper did not connect to $uri:\n" . slurp("$work/$name-events.log")
            unless $clients >= 1;
        $self->{uri}{$name} = $uri;
    }
    return %{ $self->{uri} };
}
# virsh(NAME, ARGUMENT...): virsh's output against that daemon, trailing
# white space removed.
sub virsh {
    my ($self, $name, @arguments) = @_;
    my $q = join ' ', map { "'$_'" } @arguments;
    my $o = `virsh -q -c '$self->{uri}{$name}' $q 2>&1`;
    $o =~ s/\s+$//;
    return $o;
}

# ---- PostgreSQL ---------------------------------------------------------------
sub pg {
    my ($self, @arguments) = @_;
    my $work = $self->{work};
    return quietly("runuser -u postgres -- $self->{pg_bin}/pg_ctl -D $work/pg/data -l $work/pg/log @arguments");
}
sub start_postgres {
    my ($self) = @_;
    my ($work, $pg_bin) = ($self->{work}, $self->{pg_bin});
    my $pg_port = $self->{pg_port} = port();
    mkdir "$work/pg";
    system('chown', 'postgres', "$work/pg");
    quietly("runuser -u postgres -- $pg_bin/initdb -D $work/pg/data -U postgres --auth=trust "
            . "-E UTF8 --locale=C.UTF-8") or die "initdb failed\n";
    open my $conf, '>>', "$work/pg/data/postgresql.conf" or die $!;
    print $conf "listen_addresses = '127.0.0.1'\nport = $pg_port\n"
              . "unix_socket_directories = '$work/pg'\nmax_connections = 300\n";
    close $conf;
    $self->{pg_started} = $self->pg('-w start') or die "PostgreSQL did not start\n";
    quietly("$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -q "
            . "-c \"CREATE ROLE occi LOGIN PASSWORD 'occi'\" -c 'CREATE DATABASE occi OWNER occi'")
        or die "cannot create the database\n";
}
# sql(QUERY): its rows, each a line of tab-separated columns.
sub sql {
    my ($self, $query) = @_;
    my $out = `$self->{pg_bin}/psql -h 127.0.0.1 -p $self->{pg_port} -U occi -d occi -At -F '\t' -c "$query" 2>&1`;
    die "psql: $out\n" if $?;
    return grep { length } split /\n/, $out;
}

# ---- httpd ----------------------------------------------------------------------
# The processes of an API node: two children of 25 threads.
use constant API_NODE_MPM => <<MPM;
StartServers 2
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 10
MaxSpareThreads 50
MPM

sub server_conf {
    my ($self, $root, $port, $lines) = @_;
    return <<CONF;
ServerRoot "$root"
DefaultRuntimeDir "$root"
PidFile "$root/httpd.pid"
ErrorLog "$root/error_log"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
ServerTokens Full
User nobody
Group nogroup
LoadModule mpm_event_module $self->{modules}/mod_mpm_event.so
LoadModule authz_core_module $self->{modules}/mod_authz_core.so
$lines
CONF
}
sub start_server {
    my ($self, $name) = @_;
    my $n = $self->{node}{$name};
    truncate "$n->{root}/error_log", 0 if -f "$n->{root}/error_log";
    system($self->{httpd}, '-d', $n->{root}, '-f', "$n->{root}/httpd.conf", '-k', 'start') == 0
        or die "$name did not start:\n" . slurp("$n->{root}/error_log");
    my $ua = LWP::UserAgent->new(timeout => 5);
    for (1 .. 100) {
        return if $ua->get("http://127.0.0.1:$n->{port}/-/")->code == 200;
        sleep 0.1;
    }
    die "$name does not answer:\n" . slurp("$n->{root}/error_log");
}
sub stop_node {
    my ($self, $name) = @_;
    my $n = $self->{node}{$name} or return;
    my $pid = slurp("$n->{root}/httpd.pid") =~ s/\s+//gr;
    quietly($self->{httpd}, '-d', $n->{root}, '-f', "$n->{root}/httpd.conf", '-k', 'stop');
    for (1 .. 100) { last unless $pid && kill 0, $pid; sleep 0.1 }
}
# add_node(NAME, HYPERVISOR_LINES): an API node, OCCINodeName node-NAME, on
# the private PostgreSQL, with the hypervisor the lines name; started.
sub add_node {
    my ($self, $name, $hypervisor) = @_;
    my $root = "$self->{work}/$name";
    mkdir $root;
    my $n = $self->{node}{$name} = { root => $root, port => port() };
    spew("$root/httpd.conf", $self->server_conf($root, $n->{port}, <<CONF));
LoadModule dbd_module $self->{modules}/mod_dbd.so
LoadModule occi_module "$self->{build}/.libs/mod_occi.so"
LogLevel warn occi:info
${\ API_NODE_MPM}DBDriver pgsql
DBDParams "host=127.0.0.1 port=$self->{pg_port} dbname=occi user=occi password=occi"
DBDInitSQL "SET plan_cache_mode = force_custom_plan"
DBDMin 1
DBDKeep 8
DBDMax 25
OCCINodeName node-$name
${hypervisor}<Location />
    SetHandler occi
</Location>
CONF
    $self->start_server($name);
}
# add_balancer(NODE...): httpd with mod_proxy_balancer (byrequests, retry=1)
# in front of the nodes, as the node 'balancer'; started. Returns its URL.
sub add_balancer {
    my ($self, @members) = @_;
    my $root = "$self->{work}/balancer";
    mkdir $root;
    my $n = $self->{node}{balancer} = { root => $root, port => port() };
    my $members = join "\n", map { "    BalancerMember http://127.0.0.1:$self->{node}{$_}{port} retry=1" }
                             @members;
    spew("$root/httpd.conf", $self->server_conf($root, $n->{port}, <<CONF));
LoadModule slotmem_shm_module $self->{modules}/mod_slotmem_shm.so
LoadModule proxy_module $self->{modules}/mod_proxy.so
LoadModule proxy_http_module $self->{modules}/mod_proxy_http.so
LoadModule proxy_balancer_module $self->{modules}/mod_proxy_balancer.so
LoadModule lbmethod_byrequests_module $self->{modules}/mod_lbmethod_byrequests.so
StartServers 2
ThreadsPerChild 50
MaxRequestWorkers 100
ServerLimit 2
<Proxy "balancer://occi">
$members
</Proxy>
ProxyPreserveHost On
ProxyPass "/" "balancer://occi/"
ProxyPassReverse "/" "balancer://occi/"
CONF
    $self->start_server('balancer');
    return "http://127.0.0.1:$n->{port}";
}

# ---- Stopping ---------------------------------------------------------------------
# Stops everything this cluster started (only in the process that made it:
# forked clients leave it alone), then removes the working directory
# unless keep was set. Safe to call twice.
sub stop_all {
    my ($self) = @_;
    return unless $$ == $self->{parent} && !$self->{stopped};
    $self->{stopped} = 1;
    $self->stop_node($_) for keys %{ $self->{node} };
    for my $keeper (values %{ $self->{keepers} }) { kill 'TERM', $keeper; waitpid $keeper, 0 }
    # All at once: each daemon takes about 2 s to exit.
    my @stopping;
    for my $dir (@{ $self->{hypervisors} }) {
        my $pid = fork;
        if (defined $pid && !$pid) {
            open STDOUT, '>', '/dev/null';
            open STDERR, '>&', \*STDOUT;
            { exec "$self->{src}/t/hypervisor/hypervisor.sh", 'stop', $dir }
            POSIX::_exit(127);
        }
        if (defined $pid) { push @stopping, $pid }
        else { quietly("$self->{src}/t/hypervisor/hypervisor.sh", 'stop', $dir) }
    }
    waitpid $_, 0 for @stopping;
    $self->pg('-m fast -w stop') if $self->{pg_started};
    if ($self->{keep}) { $self->say("working directory kept: $self->{work}") } else { rmtree($self->{work}) }
}

1;
