# SPDX-License-Identifier: Apache-2.0
# Objects of the hypervisor that carry mod_occi's names but that the store
# does not know: administrators read them at /-/unmanaged, and a server
# started on another store (as after a switch from SQLite to PostgreSQL)
# reports every one of them in its error log at start-up.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep time);

my $uri = $ENV{OCCI_TEST_LIBVIRT_URI} or die "OCCI_TEST_LIBVIRT_URI is not set\n";
my $pool = $ENV{OCCI_TEST_STORAGE_POOL} // 'occi';

sub virsh {
    my $output = `virsh -q -c '$uri' @_ 2>&1`;
    $output =~ s/\s+$//;
    return $output;
}
sub virsh_ok { system("virsh -q -c '$uri' @_ >/dev/null 2>&1") == 0 }
sub as {
    my ($user, $method, $path, @headers) = @_;
    my @auth = $user ? (Authorization => 'Basic ' . encode_base64("$user:$user-secret", '')) : ();
    return occi_request($method => "/tenants$path", [@auth, @headers]);
}
sub uuid { my $u = lc `cat /proc/sys/kernel/random/uuid`; chomp $u; $u }

# Made through the API: known to the store.
my ($compute, $res) = create_json('/compute/', { kind => INFRA . 'compute', title => 'known',
    mixins => ['http://localhost/occi/os_tpl#diskguest'], attributes => { 'occi.compute.memory' => 0.125 } });
is $res->code, 201, 'a compute made through the API' or diag $res->content;
my ($compute_id) = $compute =~ m{/([0-9a-f-]{36})$};

# Made behind the API's back with the module's names: unknown to the store.
my ($domain_id, $volume_id, $network_id) = (uuid(), uuid(), uuid());
my $dir = tempdir(CLEANUP => 1);
open my $xml, '>', "$dir/domain.xml" or die $!;
print $xml "<domain type='qemu'><name>occi-$domain_id</name><uuid>$domain_id</uuid>"
    . "<memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\n";
close $xml;
open $xml, '>', "$dir/network.xml" or die $!;
print $xml "<network><name>occi-$network_id</name><bridge name='occiu"
    . substr($network_id, 0, 8) . "'/></network>\n";
close $xml;
ok virsh_ok('define', "$dir/domain.xml"), "virsh defines the domain occi-$domain_id";
ok virsh_ok('vol-create-as', $pool, "occi-$volume_id.qcow2", '1M', '--format', 'qcow2'),
    "virsh makes the volume occi-$volume_id.qcow2";
ok virsh_ok('net-define', "$dir/network.xml"), "virsh defines the network occi-$network_id";
# Someone else's objects are none of the module's business.
ok virsh_ok('vol-create-as', $pool, 'backup.qcow2', '1M', '--format', 'qcow2'),
    'and a volume of another name';

my @expected = sort("domain occi-$domain_id compute $domain_id",
                    "volume occi-$volume_id.qcow2 storage $volume_id",
                    "network occi-$network_id network $network_id");

# The administrator's report, in text and in JSON.
$res = as(admin => GET => '/-/unmanaged', Accept => 'text/plain');
is $res->code, 200, 'the administrator reads /-/unmanaged: 200' or diag $res->content;
is_deeply [sort split /\n/, $res->content], \@expected,
    'it lists exactly the three objects made behind the API\'s back';
$res = as(admin => GET => '/-/unmanaged', Accept => 'application/occi+json');
is_deeply [sort map { "$_->{type} $_->{name} $_->{kind} $_->{id}" }
           @{ (decode_json_body($res) || {})->{objects} || [] }], \@expected,
    'and so does its JSON rendering';
is as(alice => GET => '/-/unmanaged')->code, 404, 'another user gets 404';
is occi_request(GET => '/-/unmanaged')->code, 404, 'and so does a client without authentication';
is as(admin => POST => '/-/unmanaged', 'Content-Type' => 'text/plain')->code, 405,
    'the report is read-only: POST 405';

# A server on a new, empty store (the operator switched stores): at start-up
# it reports every object with the module's names, the API's compute too.
my $server_dir = tempdir(CLEANUP => 1);
chmod 0755, $server_dir;
mkdir "$server_dir/data";
chown scalar(getpwnam('nobody')), -1, "$server_dir/data" if $> == 0;
my $config = Apache::Test::config();
my $httpd = $config->{vars}{httpd};
my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)->sockport;
open my $conf, '>', "$server_dir/httpd.conf" or die $!;
print $conf private_server_conf($server_dir, $port, <<"LINES");
LogLevel warn occi:info
LoadModule dbd_module ${\httpd_modules()}/mod_dbd.so
LoadModule occi_module $OCCITest::MODULE
StartServers 2
DBDriver sqlite3
DBDParams "$server_dir/data/occi.sqlite"
DBDInitSQL "PRAGMA journal_mode=WAL"
OCCILibvirtURI $uri
OCCIStoragePool $pool
<Location />
    SetHandler occi
</Location>
LINES
close $conf;
system($httpd, '-d', $server_dir, '-f', "$server_dir/httpd.conf", '-k', 'start');
my ($log, $end) = ('', time + 30);
while (time < $end) {
    if (open my $l, '<', "$server_dir/httpd_error_log") {
        local $/;
        $log = <$l> // '';
    }
    last if $log =~ /OCCI10[24]:/;
    sleep 0.2;
}
system($httpd, '-d', $server_dir, '-f', "$server_dir/httpd.conf", '-k', 'stop');
my ($report) = $log =~ /(OCCI102: .*)/;
$report //= '';
like $report, qr/^OCCI102: \d+ objects of the hypervisor carry mod_occi's names but the store does not know them/,
    'a server on an empty store reports the objects it does not know at start-up'
    or diag $log;
like $report, qr/domain occi-$compute_id\b/, 'the API\'s compute among them';
like $report, qr/domain occi-$domain_id\b/, 'and the domain made with virsh';
unlike $report, qr/backup\.qcow2/, 'but not the volume of another name';
is scalar(() = $log =~ /OCCI102:/g), 1, 'once, though two children started';

# Removed behind the API's back, they leave the report.
virsh('undefine', "occi-$domain_id");
virsh('vol-delete', "occi-$volume_id.qcow2", '--pool', $pool);
virsh('vol-delete', 'backup.qcow2', '--pool', $pool);
virsh('net-undefine', "occi-$network_id");
is as(admin => GET => '/-/unmanaged', Accept => 'text/plain')->content, '',
    'once removed, the report is empty';
ok json_request(DELETE => $compute)->code =~ /^20[04]$/, 'the API\'s compute is deleted';

done_testing();
