# SPDX-License-Identifier: Apache-2.0
# A real QEMU guest driven through the API against a private libvirtd
# (started by t/run-apache-test.sh with t/hypervisor/hypervisor.sh), with
# virsh as the witness: the API's states match the hypervisor's at every
# step, including after changes made behind the API's back.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;
use Time::HiRes qw(sleep time);
use MIME::Base64 ();
use JSON::PP ();
use File::Temp qw(tempdir);

my $dir_for_files = tempdir(CLEANUP => 1);

my $uri = $ENV{OCCI_TEST_LIBVIRT_URI} or die "OCCI_TEST_LIBVIRT_URI is not set\n";
my $pool = $ENV{OCCI_TEST_STORAGE_POOL} // 'occi';
my $action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';

sub virsh {
    my $output = `virsh -q -c '$uri' @_ 2>&1`;
    $output =~ s/\s+$//;
    return $output;
}
sub act {
    my ($path, $term, %attributes) = @_;
    return json_request(POST => "$path?action=$term",
        { action => "$action$term", (%attributes ? (attributes => \%attributes) : ()) });
}
sub api_state {
    my ($path, $attribute) = @_;
    return decode_json_body(json_request(GET => $path))->{attributes}{$attribute // 'occi.compute.state'};
}
# Waits up to $seconds for virsh domstate to become $state.
sub wait_domstate {
    my ($domain, $state, $seconds) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        return 1 if virsh('domstate', $domain) eq $state;
        sleep 0.5;
    }
    diag "domstate of $domain is still '" . virsh('domstate', $domain) . "', not '$state'";
    return 0;
}
# Waits up to $seconds for the API to show $state: a change made behind
# its back shows when libvirt's event reaches the httpd child.
sub wait_api_state {
    my ($path, $state, $seconds) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        return 1 if (api_state($path) // '') eq $state;
        sleep 0.05;
    }
    return 0;
}
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] }

# A network, a volume and a compute from the test guest's OS template.
my ($net, $res) = create_json('/network/', { kind => INFRA . 'network', title => 'test lan',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/network#ipnetwork'],
    attributes => { 'occi.network.address' => '10.231.0.0/24' } });
is $res->code, 201, 'a network' or diag $res->content;
my $net_name = 'occi-' . id_of($net);
like virsh('net-list', '--all', '--name'), qr/^\Q$net_name\E$/m, 'is defined in libvirt';
$res = json_request(POST => "$net?action=up",
    { action => 'http://schemas.ogf.org/occi/infrastructure/network/action#up' });
is $res->code, 200, 'the network comes up' or diag $res->content;
like virsh('net-info', $net_name), qr/^Active:\s+yes/m, 'libvirt says it is active';

my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 0.25 } });
my $volume = 'occi-' . id_of($disk) . '.qcow2';
like virsh('vol-list', $pool), qr/^\s*\Q$volume\E\s/m, 'a storage is a volume in the pool';
like virsh('vol-info', $volume, '--pool', $pool, '--bytes'), qr/^Capacity:\s+268435456 bytes$/m,
    'of 0.25 GiB';
$res = json_request(POST => $disk, { attributes => { 'occi.storage.size' => 0.5 } });
is $res->code, 200, 'growing it' or diag $res->content;
like virsh('vol-info', $volume, '--pool', $pool, '--bytes'), qr/^Capacity:\s+536870912 bytes$/m,
    'resizes the volume to 0.5 GiB';
is json_request(POST => $disk, { attributes => { 'occi.storage.size' => 0.25 } })->code, 400,
    'shrinking it: 400';

my ($vm);
($vm, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => "guest <1> & 'x'",
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 } });
is $res->code, 201, 'a compute from the test guest template' or diag $res->content;
my $domain = 'occi-' . id_of($vm);
is virsh('domstate', $domain), 'shut off', 'its domain is defined, shut off';
is api_state($vm), 'inactive', 'the API says inactive';
ok !grep({ /#save$/ } @{ decode_json_body(json_request(GET => $vm))->{actions} || [] }),
    'it boots a kernel, has no disk to save, and does not offer save';
like virsh('dumpxml', $domain), qr{<title>guest &lt;1&gt; &amp; 'x'</title>|<title>guest &lt;1&gt; &amp; &apos;x&apos;</title>},
    'the title reached libvirt escaped';
is virsh('desc', '--title', $domain), "guest <1> & 'x'", 'and reads back byte for byte';

# start -> running; suspend -> paused; start -> running.
is act($vm, 'start')->code, 200, 'start';
ok wait_domstate($domain, 'running', 30), 'virsh: running';
is api_state($vm), 'active', 'API: active';
is act($vm, 'suspend', method => 'suspend')->code, 200, 'suspend';
is virsh('domstate', $domain), 'paused', 'virsh: paused';
is api_state($vm), 'suspended', 'API: suspended';
is act($vm, 'start')->code, 200, 'start again';
is virsh('domstate', $domain), 'running', 'virsh: running';

# Attach the volume and an interface to the running guest.
my ($sl);
($sl, $res) = create_json('/storagelink/', { kind => INFRA . 'storagelink', source => $vm,
    target => $disk, attributes => { 'occi.storagelink.deviceid' => 'vdb' } });
is $res->code, 201, 'a storagelink to the running guest' or diag $res->content;
like virsh('domblklist', $domain), qr/^\s*vdb\s/m, 'virsh: vdb is attached';
my ($ni);
($ni, $res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    source => $vm, target => $net });
is $res->code, 201, 'a networkinterface to the running guest' or diag $res->content;
my $mac = decode_json_body($res)->{attributes}{'occi.networkinterface.mac'};
like virsh('domiflist', $domain), qr/\Q$net_name\E.*\Q$mac\E/, 'virsh: the interface is on the network';
is api_state($ni, 'occi.networkinterface.state'), 'active', 'API: the interface is active';

# A graceful stop: the guest answers ACPI and powers off. A power button
# pressed while the guest still boots is lost, as on real hardware, so the
# client presses it again until the guest is up to hear it.
is act($vm, 'stop', method => 'graceful')->code, 200, 'graceful stop';
my $off = wait_domstate($domain, 'shut off', 8);
for (1 .. 8) {
    last if $off;
    act($vm, 'stop', method => 'graceful');
    $off = wait_domstate($domain, 'shut off', 8);
}
ok $off, 'virsh: shut off';
is api_state($vm), 'inactive', 'API: inactive';

# Out of band: destroyed behind the API's back.
act($vm, 'start');
ok wait_domstate($domain, 'running', 30), 'started again';
# Every child has read (and remembers) the running state first.
is_deeply [grep { $_ ne 'active' } map { api_state($vm) } 1 .. 10], [], 'the API says active';
# Filters on the state match what a GET renders, not what the store kept
# from the last change made through the API.
my $listed_with = sub {
    my ($state) = @_;
    my $res = occi_request(GET => "/compute/?attribute=occi.compute.state&value=$state",
                           [Accept => 'text/uri-list']);
    return scalar grep { $_ eq $vm } uri_paths($res->content);
};
virsh('suspend', $domain);
ok wait_api_state($vm, 'suspended', 5), 'after virsh suspend the API says suspended';
ok $listed_with->('suspended'), 'a filter on state suspended lists it';
ok !$listed_with->('active'), 'a filter on state active does not';
$res = occi_request(GET => '/compute/', [Accept => 'text/uri-list',
                                         'X-OCCI-Attribute' => 'occi.compute.state="suspended"']);
ok scalar(grep { $_ eq $vm } uri_paths($res->content)), 'nor does the text/occi header filter miss it';
virsh('resume', $domain);
ok wait_api_state($vm, 'active', 5), 'resumed with virsh: active again';
virsh('destroy', $domain);
ok wait_api_state($vm, 'inactive', 5), 'after virsh destroy the API says inactive';
is_deeply [grep { $_ ne 'inactive' } map { api_state($vm) } 1 .. 20], [],
    'in every child: libvirt\'s event reached each one';

# Vanished: undefined behind the API's back; start defines it again.
virsh('undefine', $domain);
$res = json_request(GET => $vm);
is decode_json_body($res)->{attributes}{'occi.compute.state'}, 'error', 'a vanished domain: error';
like decode_json_body($res)->{attributes}{'occi.compute.state.message'}, qr/gone/,
    'with a message that says so';
is act($vm, 'start')->code, 200, 'start redefines it';
ok wait_domstate($domain, 'running', 30), 'and it runs';
like virsh('domblklist', $domain), qr/^\s*vdb\s/m, 'with its volume attached again';
like virsh('domiflist', $domain), qr/\Q$mac\E/, 'and its interface';

# A static address on an interface becomes a DHCP host entry.
my ($static);
($static, $res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
    source => $vm, target => $net, attributes => { 'occi.networkinterface.address' => '10.231.0.77',
    'occi.networkinterface.allocation' => 'static', 'occi.networkinterface.mac' => '52:54:00:aa:bb:cc' } });
is $res->code, 201, 'an interface with a static address' or diag $res->content;
like virsh('net-dumpxml', $net_name), qr{<host mac='52:54:00:aa:bb:cc' ip='10\.231\.0\.77'/>},
    'virsh: the network reserves the address for its MAC';
$res = json_request(DELETE => $static);
ok $res->code =~ /^20[04]$/, 'DELETE the interface' or diag $res->code . ' ' . $res->content;
unlike virsh('net-dumpxml', $net_name), qr{52:54:00:aa:bb:cc}, 'and the reservation goes';
($static, $res) = create_json('/networkinterface/', { kind => INFRA . 'networkinterface',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface'],
    source => $vm, target => $net, attributes => { 'occi.networkinterface.address' => '10.231.0.78',
    'occi.networkinterface.allocation' => 'static', 'occi.networkinterface.mac' => '52:54:00:aa:bb:dd' } });
is $res->code, 201, 'another static interface, kept until its compute goes' or diag $res->content;

# A link's device changes with its attributes: refused while the compute
# runs (nothing changes), made anew in the definition while it is stopped;
# a hostile value is refused as at creation.
$res = json_request(POST => $static, { attributes => { 'occi.networkinterface.mac' => '52:54:00:aa:bb:ee' } });
is $res->code, 409, 'a new MAC while the compute runs: 409' or diag $res->content;
like decode_json_body($res)->{message}, qr/changes only while its compute is stopped/, 'saying when it can';
is decode_json_body(json_request(GET => $static))->{attributes}{'occi.networkinterface.mac'}, '52:54:00:aa:bb:dd',
    'the API keeps the old MAC';
like virsh('domiflist', $domain), qr/52:54:00:aa:bb:dd/, 'and so does the domain';
for my $hostile (q{52:54:00:aa:bb:01'/><evil a='}, '52:54:00:aa:bb') {
    $res = json_request(POST => $static, { attributes => { 'occi.networkinterface.mac' => $hostile } });
    is $res->code, 400, "an update to MAC $hostile: 400" or diag $res->content;
    like decode_json_body($res)->{message}, qr/is not a MAC address/, 'naming it';
}
$res = json_request(POST => $sl, { attributes => { 'occi.storagelink.deviceid' => q{vdc'/><evil a='} } });
is $res->code, 400, 'an update to a hostile disk name: 400' or diag $res->content;
is act($vm, 'stop', method => 'poweroff')->code, 200, 'the compute is stopped';
$res = json_request(POST => $static, { attributes => { 'occi.networkinterface.mac' => '52:54:00:aa:bb:ee',
                                                       'occi.networkinterface.address' => '10.231.0.79' } });
is $res->code, 200, 'then a new MAC and address: 200' or diag $res->content;
my $ifaces = virsh('domiflist', $domain);
like $ifaces, qr/52:54:00:aa:bb:ee/, 'the domain has the new MAC';
unlike $ifaces, qr/52:54:00:aa:bb:dd/, 'and not the old one';
my $reservations = virsh('net-dumpxml', $net_name);
like $reservations, qr{<host mac='52:54:00:aa:bb:ee' ip='10\.231\.0\.79'/>}, 'the network reserves the new address';
unlike $reservations, qr{52:54:00:aa:bb:dd}, 'and not the old one';
$res = json_request(POST => $sl, { attributes => { 'occi.storagelink.deviceid' => 'vdc' } });
is $res->code, 200, 'a new disk name while stopped: 200' or diag $res->content;
my $disks = virsh('domblklist', $domain);
like $disks, qr/^\s*vdc\s+\S*\Q$volume\E/m, 'the volume is vdc now';
unlike $disks, qr/^\s*vdb\s/m, 'and vdb is gone';
$res = json_request(POST => $sl, { attributes => { 'occi.storagelink.deviceid' => '/dev/blk0' } });
is $res->code, 200, 'a device id that is no disk name of libvirt\'s: 200' or diag $res->content;
is decode_json_body(json_request(GET => $sl))->{attributes}{'occi.storagelink.deviceid'}, '/dev/blk0',
    'kept as the client gave it';
like virsh('domblklist', $domain), qr/^\s*vd[a-z]{3}\s+\S*\Q$volume\E/m,
    'the volume is attached under a virtio name of the module\'s';
unlike virsh('domblklist', $domain), qr/^\s*vdc\s/m, 'and vdc is gone';
is act($vm, 'start')->code, 200, 'started again';
ok wait_domstate($domain, 'running', 30), 'and it runs with them';

# A disk OS template: the compute's root disk is a qcow2 overlay on it.
my ($diskvm);
($diskvm, $res) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => ['http://localhost/occi/os_tpl#diskguest'], attributes => { 'occi.compute.memory' => 0.125 } });
is $res->code, 201, 'a compute from a disk OS template' or diag $res->content;
my $root = 'occi-' . id_of($diskvm) . '-root.qcow2';
ok grep({ $_ eq "${action}save" } @{ decode_json_body(json_request(GET => $diskvm))->{actions} || [] }),
    'it has a root disk, and offers save';
like virsh('vol-dumpxml', $root, $pool), qr{<backingStore>\s*<path>[^<]*base\.qcow2</path>},
    'its root volume is an overlay on the base image';
like virsh('domblklist', 'occi-' . id_of($diskvm)), qr/^\s*vda\s+\S*\Q$root\E/m, 'attached as vda';
# The redefinition carries a new title and hostname: markup, a CDATA end
# and non-ASCII.
my $title = qq{<disk> & 'vm' "q" ]]> <!ENTITY x SYSTEM "file:///etc/passwd"> caf\x{e9} \x{65e5}\x{672c}};
my $hostname = q{<h>&'"]]>.example.com};
$res = json_request(POST => $diskvm, { title => $title,
    attributes => { 'occi.compute.cores' => 2, 'occi.compute.hostname' => $hostname } });
is $res->code, 200, 'more cores for the stopped compute' or diag $res->content;
like virsh('dominfo', 'occi-' . id_of($diskvm)), qr/^CPU\(s\):\s+2$/m, 'virsh: 2 CPUs, same root disk';
my $title_bytes = $title;
utf8::encode($title_bytes);
is virsh('desc', '--title', 'occi-' . id_of($diskvm)), $title_bytes,
    'virsh reads the new title back byte for byte';
my ($xml_title) = virsh('dumpxml', 'occi-' . id_of($diskvm)) =~ m{<title>([^<]*)</title>};
my %entities = (lt => '<', gt => '>', amp => '&', apos => "'", quot => '"');
is +($xml_title // '') =~ s/&(lt|gt|amp|apos|quot);/$entities{$1}/gr, $title_bytes,
    'escaped in the domain XML, with no markup of its own';
is decode_json_body(json_request(GET => $diskvm))->{title}, $title, 'and the API returns it unchanged';
my ($xml_hostname) = virsh('metadata', 'occi-' . id_of($diskvm), 'urn:x-mod-occi:compute')
    =~ m{<(?:\w+:)?hostname>([^<]*)</(?:\w+:)?hostname>};
is +($xml_hostname // '') =~ s/&(lt|gt|amp|apos|quot);/$entities{$1}/gr, $hostname,
    'the hostname is escaped in the domain\'s metadata';

# ssh_key and user_data: a cloud-init NoCloud seed on a CD-ROM.
my $userdata = "#cloud-config\nruncmd:\n  - echo hello\n";
my $key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCCItestkeytestkeytestkeytestkeytest user@"host"';
my ($seeded);
($seeded, $res) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => ['http://localhost/occi/os_tpl#diskguest',
               'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key',
               'http://schemas.ogf.org/occi/infrastructure/compute#user_data'],
    attributes => { 'occi.compute.memory' => 0.125, 'occi.compute.hostname' => 'seeded.example.com',
                    'occi.credentials.ssh.publickey' => $key,
                    'occi.compute.userdata' => MIME::Base64::encode_base64($userdata, '') } });
is $res->code, 201, 'a compute with ssh_key and user_data' or diag $res->content;
my $seed = 'occi-' . id_of($seeded) . '-seed.iso';
like virsh('domblklist', 'occi-' . id_of($seeded)), qr/^\s*hdc\s+\S*\Q$seed\E/m,
    'its seed is a CD-ROM of the domain';
my $iso = "$dir_for_files/seed.iso";
virsh('vol-download', $seed, $iso, '--pool', $pool);
is `isoinfo -J -x /user-data -i '$iso'`, $userdata, 'the seed carries the user data, decoded';
my $meta = `isoinfo -J -x /meta-data -i '$iso'`;
like $meta, qr/^local-hostname: "seeded\.example\.com"$/m, 'the hostname';
my $quoted_key = JSON::PP->new->allow_nonref->encode($key);
like $meta, qr/^public-keys:\n  - \Q$quoted_key\E$/m, 'and the key, quoted';
like `blkid -o value -s LABEL '$iso'`, qr/^cidata$/m, 'labelled cidata, as NoCloud wants';
# Save hot: the root disk of a running compute, copied while it runs (its
# CD-ROM is left out).
my $seeded_domain = 'occi-' . id_of($seeded);
is act($seeded, 'start')->code, 200, 'the seeded compute starts';
ok wait_domstate($seeded_domain, 'running', 30), 'virsh: running';
$res = json_request(POST => "$seeded?action=save", { action => "${action}save",
    attributes => { method => 'hot', name => 'Hot copy' } });
is $res->code, 200, 'save hot while it runs: 200' or diag $res->content;
my ($hot) = @{ (decode_json_body($res) || {})->{mixins} || [] };
my $hot_volume = 'occi-saved-' . (($hot || {})->{term} // 'none') . '.qcow2';
like virsh('vol-list', $pool), qr/\Q$hot_volume\E/, 'the copy is a volume of the pool';
like virsh('vol-info', $hot_volume, '--pool', $pool), qr/Capacity:\s+64\.00 MiB/,
    'as large as the root disk';
is virsh('domstate', $seeded_domain), 'running', 'and the compute runs on';
is_deeply [sort grep { /^occi-saved-/ } map { (split)[0] } split /\n/, virsh('vol-list', $pool)],
    [$hot_volume], 'no other copy was left in the pool';

# Save deferred: the template now, its image at the compute's next stop,
# whichever way it stops.
sub saved_volumes {
    return [sort grep { /^occi-saved-/ } map { (split)[0] } split /\n/, virsh('vol-list', $pool)];
}
sub save_deferred {
    my ($path, $name) = @_;
    my $res = json_request(POST => "$path?action=save", { action => "${action}save",
        attributes => { method => 'deferred', name => $name } });
    is $res->code, 200, "save deferred while it runs ($name): 200" or diag $res->content;
    my ($template) = @{ (decode_json_body($res) || {})->{mixins} || [] };
    $template ||= { scheme => '', term => 'none' };
    return ($template, "occi-saved-$template->{term}.qcow2");
}
# Waits up to $seconds for a volume of the pool.
sub wait_volume {
    my ($name, $seconds) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        return 1 if grep { $_ eq $name } @{ saved_volumes() };
        sleep 0.2;
    }
    return 0;
}
my ($later, $later_volume) = save_deferred($seeded, 'Saved at the next stop');
ok $later->{term} =~ /^saved-/, 'the answer renders the new OS template at once';
is virsh('domstate', $seeded_domain), 'running', 'the compute runs on';
ok !grep({ $_ eq $later_volume } @{ saved_volumes() }), 'no image is made yet';
my ($early);
($early, $res) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => [$later->{scheme} . $later->{term}], attributes => { 'occi.compute.memory' => 0.125 } });
is $res->code, 409, 'a compute from it before the stop: 409' or diag $res->content;
like $res->content, qr/deferred and its compute has not stopped yet/, 'saying why';
# Stopped behind the API's back: the background thread makes the image.
virsh('destroy', $seeded_domain);
ok wait_volume($later_volume, 30), 'stopped with virsh: the image appears within 30 s';
like virsh('vol-info', $later_volume, '--pool', $pool), qr/Capacity:\s+64\.00 MiB/,
    'as large as the root disk';
my $saved_log = file_text("$FindBin::Bin/../logs/error_log");
like $saved_log, qr/OCCI107: compute \Q@{[id_of($seeded)]}\E has stopped: its deferred save made the image of OS template \S*\Q$later->{term}\E/,
    'the error log tells of it';
my ($fromlater);
($fromlater, $res) = create_json('/compute/', { kind => INFRA . 'compute',
    mixins => [$later->{scheme} . $later->{term}], attributes => { 'occi.compute.memory' => 0.125 } });
is $res->code, 201, 'then a compute from it' or diag $res->content;
like virsh('vol-dumpxml', 'occi-' . id_of($fromlater // '') . '-root.qcow2', $pool),
    qr{<backingStore>\s*<path>[^<]*\Q$later_volume\E</path>}, 'overlays the saved image';
json_request(DELETE => $fromlater) if $fromlater;
# Stopped through the API: the stop answers once the image is made.
is act($seeded, 'start')->code, 200, 'started again';
my ($on_stop, $on_stop_volume) = save_deferred($seeded, 'Saved by the stop');
is act($seeded, 'stop', method => 'poweroff')->code, 200, 'stopped through the API';
ok grep({ $_ eq $on_stop_volume } @{ saved_volumes() }), 'its image is there when the stop answers';
# A deferred save whose template is deleted before the stop: nothing is made.
is act($seeded, 'start')->code, 200, 'started once more';
my ($dropped, $dropped_volume) = save_deferred($seeded, 'Dropped before the stop');
$res = json_request(DELETE => '/-/', { mixins => [{ scheme => $dropped->{scheme}, term => $dropped->{term} }] });
is $res->code, 200, 'its template is deleted while the compute runs' or diag $res->content;
# Deleted while a save waits: the deletion is the stop it waited for.
my ($at_delete, $at_delete_volume) = save_deferred($seeded, 'Saved by the deletion');
$res = json_request(DELETE => '/-/', { mixins => [{ scheme => ($hot || {})->{scheme} // '',
                                                    term => ($hot || {})->{term} // '' }] });
is $res->code, 200, 'the hot copy\'s template is deleted' or diag $res->content;
unlike virsh('vol-list', $pool), qr/\Q$hot_volume\E/, 'with its image';
ok json_request(DELETE => $seeded)->code =~ /^20[04]$/, 'DELETE it';
unlike virsh('vol-list', $pool), qr/\Q$seed\E/, 'the seed goes with it';
ok grep({ $_ eq $at_delete_volume } @{ saved_volumes() }), 'the save that waited is made first';
sleep 3;    # a background look or two
ok !grep({ $_ eq $dropped_volume } @{ saved_volumes() }),
    'the deleted template\'s save was never made, by the deletion or the background';
for my $template ($later, $on_stop, $at_delete) {
    $res = json_request(DELETE => '/-/', { mixins => [{ scheme => $template->{scheme}, term => $template->{term} }] });
    is $res->code, 200, "template '$template->{title}' deleted" or diag $res->content;
}
is_deeply saved_volumes(), [], 'with their images';
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute',
    mixins => ['http://schemas.ogf.org/occi/infrastructure/compute#user_data'],
    attributes => { 'occi.compute.userdata' => "not base64!" } });
is $res->code, 400, 'user data that is not Base64: 400';

# Save: the root disk becomes the image of a new OS template.
$res = json_request(POST => "$diskvm?action=save", { action => "${action}save",
    attributes => { method => 'deferred', name => 'My saved disk' } });
is $res->code, 200, 'save a stopped compute' or diag $res->content;
my ($saved) = @{ (decode_json_body($res) || {})->{mixins} || [] };
$saved ||= { term => '', scheme => '' };
ok $saved && $saved->{term} =~ /^saved-/, 'the answer renders the new OS template';
is_deeply $saved->{depends}, [INFRA . 'os_tpl'], 'which depends on os_tpl';
is $saved->{title}, 'My saved disk', 'titled as asked';
my $saved_id = $saved->{scheme} . $saved->{term};
my $saved_volume = "occi-saved-$saved->{term}.qcow2";
like virsh('vol-list', $pool), qr/\Q$saved_volume\E/, 'its image is a volume of the pool';
ok grep({ ($_->{scheme} . $_->{term}) eq $saved_id } @{ decode_json_body(json_request(GET => '/-/'))->{mixins} }),
    'the query interface lists it';
my ($fromsaved);
($fromsaved, $res) = create_json('/compute/', { kind => INFRA . 'compute', mixins => [$saved_id],
    attributes => { 'occi.compute.memory' => 0.125 } });
is $res->code, 201, 'a compute from the saved template' or diag $res->content;
like virsh('vol-dumpxml', 'occi-' . id_of($fromsaved) . '-root.qcow2', $pool),
    qr{<backingStore>\s*<path>[^<]*\Q$saved_volume\E</path>}, 'overlays the saved image';
$res = json_request(DELETE => '/-/', { mixins => [{ scheme => $saved->{scheme}, term => $saved->{term} }] });
is $res->code, 409, 'a saved template in use cannot be deleted';
json_request(DELETE => $fromsaved);
$res = json_request(DELETE => '/-/', { mixins => [{ scheme => $saved->{scheme}, term => $saved->{term} }] });
is $res->code, 200, 'once unused it can' or diag $res->content;
unlike virsh('vol-list', $pool), qr/\Q$saved_volume\E/, 'and its image goes with it';
$res = json_request(POST => "$vm?action=save", { action => "${action}save" });
is $res->code, 409, 'a compute booting a kernel has no disk to save: 409';

# Delete: the domain and the volume are gone; the network too.
ok json_request(DELETE => $vm)->code =~ /^20[04]$/, 'DELETE the compute';
unlike virsh('list', '--all', '--name'), qr/^\Q$domain\E$/m, 'virsh list --all: gone';
unlike virsh('net-dumpxml', $net_name), qr{52:54:00:aa:bb:dd},
    'and the reservation of its static interface';
ok json_request(DELETE => $disk)->code =~ /^20[04]$/, 'DELETE the storage';
unlike virsh('vol-list', $pool), qr/\Q$volume\E/, 'the volume is gone from the pool';
ok json_request(DELETE => $net)->code =~ /^20[04]$/, 'DELETE the network';
unlike virsh('net-list', '--all', '--name'), qr/^\Q$net_name\E$/m, 'the network is gone';

# An OS template whose image is gone (t/run-apache-test.sh names a file
# that does not exist, as if it was removed while httpd runs): httpd
# started with a warning, and a compute from it is refused with 503 that
# names the file; nothing is made on the hypervisor or in the store.
my $objects = sub { join "\n", virsh('list', '--all', '--name'), virsh('vol-list', $pool) };
my $objects_before = $objects->();
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', title => 'from a vanished image',
    mixins => ['http://localhost/occi/os_tpl#vanished'] });
is $res->code, 503, 'a compute from an OS template whose image is gone: 503';
like decode_json_body($res)->{message}, qr{OS template vanished .*vanished\.qcow2 is missing},
    'naming the template and the file';
is $objects->(), $objects_before, 'no domain or volume was made';
unlike occi_request(GET => '/compute/', [Accept => 'text/plain'])->content, qr/from a vanished image/,
    'and nothing was stored';
my $startup_log = file_text("$FindBin::Bin/../logs/error_log");
like $startup_log, qr{OCCI101: OCCIOSTemplate vanished: \S*vanished\.qcow2 does not exist},
    'httpd warned of it when it started';

# The hypervisor goes away: 503 with the reason, and nothing half made.
my $dir = $ENV{OCCI_TEST_HYPERVISOR_DIR};
system("t/hypervisor/hypervisor.sh stop '$dir' >/dev/null 2>&1");
$res = json_request(GET => $diskvm);
is $res->code, 503, 'an unreachable hypervisor: 503';
like decode_json_body($res)->{message}, qr/hypervisor cannot be reached|cannot connect to the hypervisor/, 'with the reason';
$res = json_request(POST => '/compute/', { kind => INFRA . 'compute', title => 'not made' });
is $res->code, 503, 'creating while it is away: 503';
is_deeply [grep { length } uri_paths(occi_request(GET => '/compute/', [Accept => 'text/uri-list'])->content)], [$diskvm],
    'and nothing was stored: the collection lists only the compute made before';
# Every child says so (each request on a connection of its own).
my @codes = map { json_request(GET => $diskvm)->code } 1 .. 20;
is_deeply [grep { $_ != 503 } @codes], [], '20 reads, 503 from every child';

# It comes back: the connection is opened again.
system("t/hypervisor/hypervisor.sh start '$dir' >/dev/null 2>&1");
$res = json_request(GET => $diskvm);
is $res->code, 200, 'the hypervisor is back: 200' or diag $res->content;
is decode_json_body($res)->{attributes}{'occi.compute.state'}, 'inactive', 'with the live state';
@codes = map { json_request(GET => $diskvm)->code } 1 .. 20;
is_deeply [grep { $_ != 200 } @codes], [], 'every child connects again: 20 reads, 200';
ok json_request(DELETE => $diskvm)->code =~ /^20[04]$/, 'DELETE the disk compute';
unlike virsh('vol-list', $pool), qr/\Q$root\E/, 'its root volume is gone';

done_testing();
