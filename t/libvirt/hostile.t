# SPDX-License-Identifier: Apache-2.0
# Hostile values that reach libvirt's XML through the test driver: markup
# in titles and hostnames is escaped (the definition succeeds, survives
# libvirt's own parsing and writing when a device is added, and the title
# comes back byte for byte); values that name devices, addresses or
# sizes are refused with 400 before any XML is written; characters XML
# cannot carry at all are refused with 400, not a 500. Nothing refused
# leaves a trace, and the server stays up.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $compute = INFRA . 'compute';
my $ipnetwork = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
my $action = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';
my $logs = Apache::Test::vars('t_logs');
my $log_start = -s "$logs/error_log" // 0;

my ($disk) = create_json('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });
my ($net) = create_json('/network/', { kind => INFRA . 'network' });
my ($target) = create_json('/compute/', { kind => $compute, title => 'target' });
ok $disk && $net && $target, 'a volume, a network and a domain to aim at';

my @listings = ('/', '/compute/', '/storage/', '/network/', '/storagelink/', '/networkinterface/');
sub snapshot {
    return { map { my $res = json_request(GET => $_); ($_ => $res->code . ' ' . $res->content) } @listings };
}
my $before = snapshot();

# [what, collection, entity, status, message]
my @refused;
for my $device ('<vdb/>', 'vdb&', q{vd'b}, 'vd"b', 'vdb]]>', '<!ENTITY x SYSTEM "file:///etc/passwd">',
                'vdb vdc', 'v' x 65, "vd\x{e9}") {
    push @refused, ["device id $device", '/storagelink/', { kind => INFRA . 'storagelink', source => $target,
        target => $disk, attributes => { 'occi.storagelink.deviceid' => $device } }, 400,
        qr/occi\.storagelink\.deviceid .* is not a device name such as vdb/];
}
for my $mac ('<x>&', q{52:54:00:aa:bb:cc'/><x}, '52:54:00:aa:bb', '52:54:00:aa:bb:zz', ']]>') {
    push @refused, ["MAC $mac", '/networkinterface/', { kind => INFRA . 'networkinterface', source => $target,
        target => $net, attributes => { 'occi.networkinterface.mac' => $mac } }, 400,
        qr/occi\.networkinterface\.mac .* is not a MAC/];
}
for my $address (q{10.0.0.0/24'/><x}, '<10.0.0.0/24>', '10.0.0.0/24&', '10.0.0.0/33', '10.0.0.256/24',
                 '10.0.0.0/+24', '10.0.0.0/ 24', '10.0.0.0/24 ', '+10.0.0.0/24', '10.0.0.0/') {
    push @refused, ["network address $address", '/network/', { kind => INFRA . 'network', mixins => [$ipnetwork],
        attributes => { 'occi.network.address' => $address } }, 400, qr/occi\.network\.address .* is not an IPv4 range/];
}
for my $gateway (q{10.0.0.1'/><x}, '10.0.0.1&', ' 10.0.0.1', '10.0.0.+1', '10.0.1.1') {
    push @refused, ["gateway $gateway", '/network/', { kind => INFRA . 'network', mixins => [$ipnetwork],
        attributes => { 'occi.network.address' => '10.0.0.0/24', 'occi.network.gateway' => $gateway } }, 400,
        qr/occi\.network\.gateway .* is not an address in 10\.0\.0\.0\/24/];
}
for my $memory (0, -1, 1e300) {
    push @refused, ["memory $memory", '/compute/', { kind => $compute,
        attributes => { 'occi.compute.memory' => $memory } }, 400, qr/occi\.compute\.memory must be above 0/];
}
push @refused, ['cores 100000', '/compute/', { kind => $compute,
    attributes => { 'occi.compute.cores' => 100000 } }, 400, qr/occi\.compute\.cores must be from 1 to 1024/];
for my $size (-1, 1e300) {
    push @refused, ["storage size $size", '/storage/', { kind => INFRA . 'storage',
        attributes => { 'occi.storage.size' => $size } }, 400, qr/occi\.storage\.size must be above 0/];
}
# U+FFFE and U+FFFF are valid JSON and UTF-8, but no XML at all.
for my $bad (["\x{fffe}", 'U+FFFE'], ["title \x{ffff}", 'U+FFFF']) {
    my ($text, $name) = @$bad;
    push @refused, ["a title with $name", '/compute/', { kind => $compute, title => $text }, 400,
        qr/occi\.core\.title holds U\+FFFE or U\+FFFF/];
    push @refused, ["a hostname with $name", '/compute/', { kind => $compute,
        attributes => { 'occi.compute.hostname' => "h$text" } }, 400, qr/occi\.compute\.hostname holds U\+FFFE/];
}
{
    no warnings;    # JSON::PP encodes noncharacters as asked; perl warns about them
    for my $case (@refused) {
        my ($what, $collection, $entity, $status, $message) = @$case;
        my $res = json_request(POST => $collection, $entity);
        is $res->code, $status, "$what: $status" or diag $res->content;
        like decode_json_body($res)->{message} // '', $message, "$what: says why";
    }
}
note scalar(@refused) . ' hostile requests through the hypervisor';
is_deeply snapshot(), $before, 'nothing refused was stored or defined';

# Device ids that are no disk names of libvirt's, but harmless: GFD.224
# leaves them to the provider, which keeps them as the client's label and
# names the disk itself.
for my $device ('/dev/blk0', 'vd', 'vdb1', 'VDB', '../../dev/sda', 'v' x 40) {
    my ($link, $res) = create_json('/storagelink/', { kind => INFRA . 'storagelink', source => $target,
        target => $disk, attributes => { 'occi.storagelink.deviceid' => $device } });
    is $res->code, 201, "device id $device: accepted as a label" or diag $res->content;
    is decode_json_body(json_request(GET => $link // '/'))->{attributes}{'occi.storagelink.deviceid'}, $device,
        "device id $device: kept as given";
    ok json_request(DELETE => $link // '/')->code =~ /^20[04]$/, "device id $device: detached and deleted";
}
is_deeply snapshot(), $before, 'and gone again';

# Accepted: markup and non-ASCII in the title and hostname go into the
# domain's XML escaped.
my $title = qq{<vm> & 'friends' "quoted" ]]> <![CDATA[x]]> <!ENTITY x SYSTEM "file:///etc/passwd"> &x; &amp; }
    . "caf\x{e9} \x{65e5}\x{672c} \x{1f600}";
my $hostname = q{<h>&'"]]>.example.com};
my ($vm, $res) = create_json('/compute/', { kind => $compute, title => $title,
    attributes => { 'occi.compute.hostname' => $hostname } });
is $res->code, 201, 'a compute titled with markup and non-ASCII is defined: 201' or diag $res->content;
my $entity = decode_json_body(json_request(GET => $vm));
is $entity->{attributes}{'occi.compute.state'}, 'inactive', 'libvirt holds the domain, shut off';
is $entity->{title}, $title, 'the title comes back byte for byte';
is $entity->{attributes}{'occi.compute.hostname'}, $hostname, 'and so does the hostname';

# Adding a disk makes the test driver's domain definition go round through
# libvirt: the module reads libvirt's XML back and defines it again.
my ($link, $link_res) = create_json('/storagelink/', { kind => INFRA . 'storagelink', source => $vm,
    target => $disk, attributes => { 'occi.storagelink.deviceid' => 'vdb' } });
is $link_res->code, 201, 'a disk is attached to it: 201' or diag $link_res->content;
$res = json_request(POST => "$vm?action=start", { action => "${action}start" });
is $res->code, 200, 'it starts' or diag $res->content;
$entity = decode_json_body(json_request(GET => $vm));
is $entity->{attributes}{'occi.compute.state'}, 'active', 'libvirt says it runs';
is $entity->{title}, $title, 'the title is still byte for byte';
my $text = occi_request(GET => $vm)->content;
my ($text_title) = $text =~ /^X-OCCI-Attribute: occi\.core\.title="((?:[^"\\]|\\.)*)"$/m;
(my $bytes = $title) =~ s/(["\\])/\\$1/g;
utf8::encode($bytes);
is $text_title, $bytes, 'and in text/plain, quoted';

# A partial update that makes the definition again (new cores while shut
# off) writes the title again.
json_request(POST => "$vm?action=stop", { action => "${action}stop", attributes => { method => 'poweroff' } });
$res = json_request(POST => $vm, { title => "$title again", attributes => { 'occi.compute.cores' => 2 } });
is $res->code, 200, 'new cores and title while shut off: the domain is defined again' or diag $res->content;
is decode_json_body(json_request(GET => $vm))->{title}, "$title again", 'the new title, byte for byte';

ok json_request(DELETE => $link)->code =~ /^20[04]$/, 'the disk is detached';
ok json_request(DELETE => $vm)->code =~ /^20[04]$/, 'the domain is undefined';

# The server is up, and no child died on the way.
is occi_request(GET => '/-/')->code, 200, 'GET /-/ still succeeds';
open my $log, '<', "$logs/error_log" or die "error_log: $!";
seek $log, $log_start, 0;
my @deaths = grep { /exit signal|Segmentation fault|double free|stack smashing/i } <$log>;
is_deeply \@deaths, [], 'the error log shows no child killed by a signal';

json_request(DELETE => $_) for $target, $disk, $net;
done_testing();
