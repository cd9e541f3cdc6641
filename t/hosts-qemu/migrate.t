# SPDX-License-Identifier: Apache-2.0
# Migration between two hosts running QEMU guests (the qemu-hosts run: two
# private libvirtds qa and qb, each in its own network namespace, joined by
# a veth pair; OCCIHypervisorHost qa and qb with migration_address=):
# an administrator moves a stopped compute with its storage (the disk's
# bytes arrive), then the running compute live (the guest keeps its boot
# and its count goes on), then empties a host with evacuate; what cannot
# move is refused with a 409 and stays where it was; tenants cannot
# migrate.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;
use File::Temp qw(tempdir);

my %uri = map { split /=/, $_, 2 } split ' ', $ENV{OCCI_TEST_QEMU_HOST_URIS} // '';
plan skip_all => 'the qemu-hosts run sets OCCI_TEST_QEMU_HOST_URIS' unless keys %uri == 2;

my $migrate = 'http://localhost/occi/placement/action#migrate';
my $tmp = tempdir(CLEANUP => 1);

sub as { as_tenant(@_) }
sub virsh { my ($host, @args) = @_; return virsh_at($uri{$host}, @args) }
sub domains_on { grep { /^occi-/ } split /\n/, virsh($_[0], 'list', '--all', '--name') }
sub volumes_on { grep { /^occi-/ } map { (split ' ')[0] // '' } split /\n/, virsh($_[0], 'vol-list', 'occi') }
sub where {
    my ($domain) = @_;
    return join ',', grep { my $h = $_; grep { $_ eq $domain } domains_on($h) } sort keys %uri;
}
sub path_of { tenant_path($_[0]) }
sub id_of { (location_path($_[0]->header('Location') // '') =~ m{/([0-9a-f-]{36})$})[0] // 'none' }
sub migrate {
    my ($user, $path, %attributes) = @_;
    return as($user, POST => "$path?action=migrate",
        { action => $migrate, (%attributes ? (attributes => \%attributes) : ()) });
}
sub shown_host { decode_json_body(as(admin => GET => $_[0]))->{attributes}{'placement.host'} // '' }
# The last tick the guest printed on its serial console within a few
# seconds: (boot id, count), or () when none came. virsh console needs a
# terminal: script gives it one.
my $last_console = '';
sub tick {
    my ($host, $domain) = @_;
    my $out = `timeout 5 script -qec "virsh -c '$uri{$host}' console --force $domain" /dev/null 2>&1`;
    $last_console = $out;
    my @ticks = $out =~ /occi-guest tick (\S+) (\d+)/g;
    return @ticks ? @ticks[-2, -1] : ();
}
sub wait_tick {
    my ($host, $domain, $seconds) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        my @tick = tick($host, $domain);
        return @tick if @tick;
    }
    return ();
}

my (@cleanup);
END { as(alice => DELETE => $_) for reverse @cleanup }

# ---- A stopped compute with its storage ----------------------------------

# The storage's bytes: a qcow2 image with a pattern in it, put into the
# volume before the compute is made.
my $image = "$tmp/marked.qcow2";
open my $raw, '>', "$tmp/marked.raw" or die $!;
print $raw map { "mod_occi migration marker $_\n" } 1 .. 4000;
close $raw;
# The storage's size, 0.25 GiB: a live migration copies onto a disk libvirt
# makes of the size the source says, in whole KiB.
system('qemu-img', 'convert', '-q', '-f', 'raw', '-O', 'qcow2', "$tmp/marked.raw", $image) == 0
    && system('qemu-img', 'resize', '-q', '-f', 'qcow2', $image, '256M') == 0
    or die 'qemu-img convert or resize failed';

my $res = as(alice => POST => '/storage/', { kind => INFRA . 'storage',
    attributes => { 'occi.storage.size' => 0.25 } });
is $res->code, 201, 'a storage' or diag $res->content;
my $storage = path_of($res);
push @cleanup, $storage;
my $volume = 'occi-' . id_of($res) . '.qcow2';
is where_volume(), 'qa', 'is a volume on qa (placement packs)';
sub where_volume { join ',', grep { my $h = $_; grep { $_ eq $volume } volumes_on($h) } sort keys %uri }
is virsh(qa => 'vol-upload', '--pool', 'occi', $volume, $image), '', 'the marked image goes into it';

$res = as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => 'mover',
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 },
    links => [{ kind => INFRA . 'storagelink', target => $storage,
                attributes => { 'occi.storagelink.deviceid' => 'vdb' } }] });
is $res->code, 201, 'a compute from the test guest with the storage linked' or diag $res->content;
my $compute = path_of($res);
unshift @cleanup, $compute;
my $domain = 'occi-' . id_of($res);
is where($domain), 'qa', 'it is defined on qa, beside its storage';
is shown_host($compute), 'qa', 'the administrator sees it on qa';

# Tenants cannot migrate, and are told what any unknown action tells them.
$res = migrate(alice => $compute, host => 'qb');
is $res->code, 400, 'a tenant\'s migrate: 400' or diag $res->content;
unlike $res->content, qr/\bq[ab]\b/, 'naming no host';
is where($domain), 'qa', 'and nothing moved';

$res = migrate(admin => $compute, host => 'qa');
is $res->code, 409, 'to the host it is on: 409' or diag $res->content;
like $res->content, qr/on host qa already/, 'saying so';
$res = migrate(admin => $compute, host => 'qz');
is $res->code, 400, 'to a host that is not configured: 400';
like $res->content, qr/no host qz/, 'naming it';

$res = migrate(admin => $compute, host => 'qb');
is $res->code, 200, 'the administrator migrates the stopped compute to qb' or diag $res->content;
my $shown = decode_json_body($res);
is $shown->{attributes}{'placement.host'}, 'qb', 'the answer shows it on qb';
is $shown->{attributes}{'occi.compute.state'}, 'inactive', 'still stopped';
is where($domain), 'qb', 'libvirt has it on qb only';
is where_volume(), 'qb', 'its storage\'s volume too';
is shown_host($storage), 'qb', 'and so does the store';
virsh(qb => 'vol-download', '--pool', 'occi', $volume, "$tmp/arrived.qcow2");
is system('cmp', '-s', $image, "$tmp/arrived.qcow2"), 0, 'the volume arrived byte for byte';

my $hosts = { map { $_->{attributes}{'host.name'} => $_->{attributes} }
              @{ decode_json_body(as(admin => GET => '/host/'))->{resources} || [] } };
is $hosts->{qb}{'host.computes'}, 1, 'qb counts the compute';
is $hosts->{qa}{'host.computes'}, 0, 'qa does not';
is $hosts->{qb}{'host.allocated.disk'}, 0.25, 'qb holds the storage\'s 0.25 GiB';

# ---- The same compute, running, live -----------------------------------

$res = as(alice => POST => "$compute?action=start",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' });
is $res->code, 200, 'it starts on qb' or diag $res->content;
my ($boot, $count) = wait_tick(qb => $domain, 90);
ok defined $boot, 'the guest counts on its console on qb' or diag virsh(qb => 'domstate', $domain);
sleep 2;
# libvirt's events on qa while the guest arrives there (a reset, a reboot),
# told below should the guest not count on as it did.
my $events_pid = open my $events, '-|', 'timeout', '90', 'virsh', '-c', $uri{qa}, 'event',
    '--all', '--loop', '--timestamp';
$res = migrate(admin => $compute);
is $res->code, 200, 'migrated while it runs, placement choosing' or diag $res->content;
$shown = decode_json_body($res);
is $shown->{attributes}{'placement.host'}, 'qa', 'to the only other host, qa';
is $shown->{attributes}{'occi.compute.state'}, 'active', 'and it is active there';
is where($domain), 'qa', 'libvirt has it on qa only';
is virsh(qa => 'domstate', $domain), 'running', 'running';
my ($boot_after, $count_after) = wait_tick(qa => $domain, 30);
if (!defined $boot_after || $boot_after ne $boot) {
    # What the guest looked like when its console said nothing, or
    # another boot: its state, what it printed besides ticks, and what
    # QEMU logged on each host.
    diag 'on qa: ' . virsh(qa => 'domstate', '--reason', $domain);
    # virsh event ends its loop at SIGINT (timeout hands it on), having
    # written what it holds.
    kill 'INT', $events_pid if $events_pid;
    diag "libvirt's events on qa: " . join('', <$events>) if $events_pid;
    $events_pid = 0;
    diag "its console, besides ticks: "
        . join("\n", grep { !/occi-guest tick/ } split /\r?\n/, $last_console);
    for my $host (sort keys %uri) {
        my ($dir) = $uri{$host} =~ m{socket=(.*)/run/libvirt-sock};
        diag "QEMU's log on $host: " . join('', grep { defined } (split /^/, file_text("$dir/log/qemu/$domain.log"))[-12 .. -1])
            if $dir;
    }
    # Under QEMU's software emulation a guest moved live within its first
    # seconds was seen to boot again on the target now and then (once in
    # 34 runs here, once in a CI run), the migration itself succeeding. A module that moved it cold
    # would do so every time: the guest, once it counts on qa, is moved live
    # to qb and back, and must keep that boot both times.
    ($boot, $count) = wait_tick(qa => $domain, 120);
    diag 'it counts on qa with boot ' . ($boot // 'none') . '; moved live to qb and back';
    for my $to (qw(qb qa)) {
        sleep 2;
        $res = migrate(admin => $compute, host => $to);
        diag "moving it to $to: " . $res->code . ($res->code == 200 ? '' : ' ' . $res->content);
        ($boot_after, $count_after) = wait_tick($to => $domain, 60);
        last if $to eq 'qa' || !defined $boot_after || !defined $boot || $boot_after ne $boot;
        $count = $count_after;
    }
}
kill 'INT', $events_pid if $events_pid;
close $events;
is $boot_after, $boot, 'the same boot of the guest: it did not start again';
ok defined $count_after && defined $count && $count_after > $count,
    'its count went on (' . ($count // 'none') . ', then ' . ($count_after // 'none') . ')';
is where_volume(), 'qa', 'its storage went along';
virsh(qa => 'vol-download', '--pool', 'occi', $volume, "$tmp/live.qcow2");
is system('qemu-img', 'compare', '-q', '-U', $image, "$tmp/live.qcow2"), 0,
    'with the same contents';
is as(alice => GET => $compute)->code, 200, 'the tenant reads it as before';
ok !exists decode_json_body(as(alice => GET => $compute))->{attributes}{'placement.host'},
    'without seeing any host';

# ---- What cannot move ---------------------------------------------------

# A private network lives on its host, and so do the computes on it.
$res = as(alice => POST => '/network/', { kind => INFRA . 'network', title => 'lan' });
is $res->code, 201, 'a private network' or diag $res->content;
my $network = path_of($res);
$res = as(alice => POST => '/compute/', { kind => INFRA . 'compute', title => 'attached',
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 },
    links => [{ kind => INFRA . 'networkinterface', target => $network }] });
is $res->code, 201, 'a compute on it' or diag $res->content;
my $attached = path_of($res);
my $attached_domain = 'occi-' . id_of($res);
push @cleanup, $attached, $network;
my $before = where($attached_domain);
$res = migrate(admin => $attached);
is $res->code, 409, 'migrating it: 409' or diag $res->content;
like $res->content, qr/private network/, 'saying that its private network stays on its host';
is where($attached_domain), $before, 'and it stays where it was';

# ---- Evacuate ------------------------------------------------------------

$res = as(alice => DELETE => $attached);
is $res->code, 200, 'the attached compute goes' or diag $res->content;
my $qa = (grep { $_->{attributes}{'host.name'} eq 'qa' }
          @{ decode_json_body(as(admin => GET => "/host/"))->{resources} || [] })[0]{id} =~ s/^urn:uuid://r;
$res = as(admin => POST => "/host/$qa?action=evacuate");
is $res->code, 200, 'evacuating qa' or diag $res->content;
is decode_json_body($res)->{attributes}{'host.state'}, 'disabled', 'leaves it disabled';
is decode_json_body($res)->{attributes}{'host.computes'}, 0, 'with no compute on it';
is where($domain), 'qb', 'the running compute went to qb';
is virsh(qb => 'domstate', $domain), 'running', 'still running';
is shown_host($compute), 'qb', 'as the store says';
$res = as(admin => POST => "/host/$qa?action=enable");
is $res->code, 200, 'qa enabled again';

# ---- Nothing left behind ------------------------------------------------

is as(alice => DELETE => $compute)->code, 200, 'the compute deleted';
is as(alice => DELETE => $storage)->code, 200, 'its storage deleted';
is as(alice => DELETE => $network)->code, 200, 'the network deleted';
@cleanup = ();
is join(' ', map { domains_on($_) } sort keys %uri), '', 'no domain left on either host';
is join(' ', map { volumes_on($_) } sort keys %uri), '', 'no volume left on either host';

done_testing;
