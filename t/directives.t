# SPDX-License-Identifier: Apache-2.0
# A bad directive value stops httpd at start-up with a message that names
# the directive and what it accepts.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestConfig ();
use File::Temp qw(tempdir);
use IO::Socket::INET;
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $config = Apache::Test::config();
my $httpd = $config->{vars}{httpd};
my $apxs = $config->{vars}{apxs};
chomp(my $modules = `$apxs -q LIBEXECDIR`);
my $module = "$FindBin::Bin/../.libs/mod_occi.so";
my $dir = tempdir(CLEANUP => 1);

# Runs "httpd -t" on a configuration holding $body; returns exit status and output.
sub check_config {
    my ($body) = @_;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
Listen 127.0.0.1:1
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule dbd_module $modules/mod_dbd.so
LoadModule occi_module $module
$body
CONF
    close $fh;
    my $output = `'$httpd' -t -d '$dir' -f '$dir/httpd.conf' 2>&1`;
    return ($? >> 8, $output);
}

my ($status, $output) = check_config(<<'CONF');
OCCIProviderScheme https://cloud.example.com/occi/
OCCIOSTemplate debian12 "Debian 12"
OCCIOSTemplate hostname "A file that exists" kernel=/etc/hostname "cmdline=console=ttyS0 quiet"
OCCIResourceTemplate small "Small" cores=1 memory=0.5
OCCILibvirtURI qemu:///system
OCCILibvirtDomainType kvm
OCCIStoragePool images
OCCIAdministrator root operator
OCCIMaxPageSize 200
OCCIConsole Off
OCCIMaxBodySize 65536
OCCIMaxAttributeLength 1024
OCCIMaxCategories 16
OCCIMaxLinks 8
OCCINodeName api-1.example_com
OCCIUsageInterval 30
OCCIConsoleSignOut /occi/redirect_uri?logout=https%3A%2F%2Fcloud.example.com%2F
OCCIQuota cores=8 memory=0.5 storage=100 computes=4 networks=2
OCCIQuota blue cores=16
<Location /occi/>
    SetHandler occi
    OCCIDefaultRendering application/json
    OCCIQuota cores=4
    OCCIQuota "" computes=1
</Location>
CONF
is $status, 0, 'a valid configuration passes httpd -t' or diag $output;
like $output, qr/Syntax OK/, 'httpd says Syntax OK';

($status, $output) = check_config(<<'CONF');
OCCIHypervisorHost h1 qemu+ssh://h1.example.com/system cpu_ratio=8 memory_ratio=1.5 reserved_memory=2 pool=images
OCCIHypervisorHost h2 qemu+tls://h2.example.com/system disabled
OCCIPlacement pack
<VirtualHost 127.0.0.1:1>
    OCCILibvirtURI none
</VirtualHost>
CONF
is $status, 0, 'two hosts, and a virtual host without a hypervisor, pass httpd -t' or diag $output;

my @bad = (
    ['OCCIDefaultRendering text/html',
        qr{OCCIDefaultRendering: 'text/html' is not one of text/plain, text/occi, application/occi\+json, application/json}],
    ['OCCIDefaultRendering text/uri-list', qr{OCCIDefaultRendering: 'text/uri-list' is not one of}],
    ['OCCIConsole maybe', qr{OCCIConsole must be On or Off}],
    ['OCCIResourceTemplate small "Small" cores=0 memory=1',
        qr{OCCIResourceTemplate small: cores must be a whole number from 1 to 1024, not '0'}],
    ['OCCIResourceTemplate small "Small" cores=two memory=1',
        qr{cores must be a whole number from 1 to 1024, not 'two'}],
    ['OCCIResourceTemplate small "Small" cores=1 memory=lots',
        qr{OCCIResourceTemplate small: memory must be a number of GiB above 0}],
    ['OCCIResourceTemplate small "Small" cores=1',
        qr{OCCIResourceTemplate takes a name, a title, cores=<number of cores> and memory=<GiB>}],
    ['OCCIResourceTemplate small "Small" cores=1 disk=3',
        qr{OCCIResourceTemplate small: 'disk=3' is not understood}],
    ['OCCIResourceTemplate small "Small" cores=1 cores=2',
        qr{OCCIResourceTemplate small: memory= is missing}],
    ['OCCIOSTemplate "bad name" "Bad"', qr{OCCIOSTemplate: template name 'bad name' is not valid}],
    ['OCCIOSTemplate debian ""', qr{OCCIOSTemplate (takes a name, a title|debian: the title must not be empty)}],
    ['OCCIOSTemplate debian "Debian" disk=relative.qcow2', qr{OCCIOSTemplate debian: disk= takes an absolute path}],
    ['OCCIOSTemplate debian "Debian" initrd=/etc/hostname', qr{initrd= and cmdline= go with kernel=}],
    ['OCCIOSTemplate debian "Debian" disk=/etc/hostname kernel=/etc/hostname', qr{give disk= or kernel=, not both}],
    ['OCCIOSTemplate debian "Debian" color=blue', qr{OCCIOSTemplate debian: 'color=blue' is not understood}],
    ['OCCIAdministrator', qr{OCCIAdministrator needs user names or expr="\.\.\."}],
    ['OCCIAdministrator expr=', qr{OCCIAdministrator expr= needs an expression}],
    ['OCCIAdministrator expr="%{REMOTE_USER} =~ /unclosed"', qr{OCCIAdministrator expr="%\{REMOTE_USER\} =~ /unclosed": }],
    ['OCCITenant ""', qr{OCCITenant takes one argument}],
    ['OCCITenant "%{nosuchfunction:x}"', qr{OCCITenant "%\{nosuchfunction:x\}": }],
    ['OCCILibvirtURI qemu', qr{OCCILibvirtURI: 'qemu' is neither a libvirt URI .* nor none}],
    ["OCCILibvirtURI qemu:///system\nOCCILibvirtURI test:///default",
        qr{OCCILibvirtURI is given twice for this server \(qemu:///system, then test:///default\); name several hosts with OCCIHypervisorHost}],
    ["OCCIHypervisorHost h1 qemu+ssh://h1/system\nOCCILibvirtURI qemu:///system",
        qr{OCCILibvirtURI qemu:///system: this server's hosts are given by OCCIHypervisorHost}],
    ["OCCILibvirtURI qemu:///system\nOCCIHypervisorHost h1 qemu+ssh://h1/system",
        qr{OCCIHypervisorHost h1: this server's hypervisor is given by OCCILibvirtURI qemu:///system}],
    ['OCCIHypervisorHost h1', qr{OCCIHypervisorHost takes a name, a libvirt URI and optionally cpu_ratio=N}],
    ['OCCIHypervisorHost "h 1" qemu:///system', qr{OCCIHypervisorHost: 'h 1' is not a host name \(1 to 64 letters}],
    ['OCCIHypervisorHost h1 node1', qr{OCCIHypervisorHost h1: 'node1' is not a libvirt URI}],
    ['OCCIHypervisorHost h1 qemu:///system cpu_ratio=0', qr{OCCIHypervisorHost h1: cpu_ratio=0 is not a number from 0.01 to 1000}],
    ['OCCIHypervisorHost h1 qemu:///system memory_ratio=lots', qr{OCCIHypervisorHost h1: memory_ratio=lots is not a number}],
    ['OCCIHypervisorHost h1 qemu:///system reserved_memory=-1', qr{OCCIHypervisorHost h1: reserved_memory=-1 is not a number from 0}],
    ['OCCIHypervisorHost h1 qemu:///system "pool=my pool"', qr{OCCIHypervisorHost h1: pool=my pool is not a storage pool name}],
    ['OCCIHypervisorHost h1 qemu:///system colour=blue', qr{OCCIHypervisorHost h1: 'colour=blue' is not understood}],
    ["OCCIHypervisorHost h1 qemu+ssh://a/system\nOCCIHypervisorHost h1 qemu+ssh://b/system",
        qr{OCCIHypervisorHost h1: this host is named twice}],
    ["OCCIHypervisorHost h1 qemu+ssh://a/system\nOCCIHypervisorHost h2 qemu+ssh://a/system",
        qr{OCCIHypervisorHost h2: qemu\+ssh://a/system is host h1's URI already}],
    ['OCCIPlacement random', qr{OCCIPlacement: 'random' is neither spread .* nor pack}],
    ['OCCILibvirtDomainType vmware', qr{OCCILibvirtDomainType: 'vmware' is not one of qemu, kvm, test, xen, lxc}],
    ['OCCIStoragePool "my pool"', qr{OCCIStoragePool: 'my pool' is not a storage pool name}],
    ["OCCIOSTemplate debian \"A\"\nOCCIOSTemplate debian \"B\"",
        qr{OCCIOSTemplate: template 'debian' is declared twice}],
    ['OCCIProviderScheme not-a-uri', qr{OCCIProviderScheme: 'not-a-uri' is not accepted; give an absolute URI}],
    ['OCCIProviderScheme http://schemas.ogf.org/occi/mine/',
        qr{OCCIProviderScheme: .* are reserved for the OGF}],
    ['OCCIProviderScheme http://example.com/occi#', qr{OCCIProviderScheme: .* holds no '#'}],
    ['OCCIProviderScheme http://example.com/occi', qr{OCCIProviderScheme: .* ends with '/'}],
    ['OCCIProviderScheme HTTP://Schemas.OGF.org/occi', qr{OCCIProviderScheme: .* reserved for the OGF}],
    ['OCCIMaxPageSize 0', qr{OCCIMaxPageSize: '0' is not a whole number from 1 to 100000}],
    ['OCCIMaxLinks 257', qr{OCCIMaxLinks: '257' is not a whole number from 1 to 256}],
    ['OCCILibvirtStateCache 0', qr{OCCILibvirtStateCache: '0' is not a whole number from 1 to 3600, or Off}],
    ['OCCILibvirtStateCache forever', qr{OCCILibvirtStateCache: 'forever' is not a whole number}],
    ['OCCIMaxPageSize lots', qr{OCCIMaxPageSize: 'lots' is not a whole number}],
    ['OCCIMaxAttributeLength 0', qr{OCCIMaxAttributeLength: '0' is not a whole number from 1 to 16777216}],
    ['OCCIMaxCategories many', qr{OCCIMaxCategories: 'many' is not a whole number}],
    ['OCCIMaxLinks -1', qr{OCCIMaxLinks: '-1' is not a whole number}],
    ['OCCIMaxBodySize 2G', qr{OCCIMaxBodySize: '2G' is not a whole number from 1 to 1073741824}],
    ["<Location /x/>\nOCCIOSTemplate debian \"Debian\"\n</Location>",
        qr{OCCIOSTemplate not allowed in <Location> context}],
    ['OCCIQuota ram=4', qr{OCCIQuota: 'ram=4' is not understood; OCCIQuota takes an optional tenant and at least one of cores=N memory=GiB storage=GiB computes=N networks=N}],
    ['OCCIQuota blue cores=4 red', qr{OCCIQuota: 'red' is not understood}],
    ['OCCIQuota cores=many', qr{OCCIQuota: cores=many is not a whole number from 0 to 1000000000}],
    ['OCCIQuota blue computes=-1', qr{OCCIQuota: computes=-1 is not a whole number from 0}],
    ['OCCIQuota storage=-0.5', qr{OCCIQuota: storage=-0.5 is not a number of GiB from 0}],
    ['OCCIQuota memory=lots', qr{OCCIQuota: memory=lots is not a number of GiB}],
    ['OCCIQuota blue', qr{OCCIQuota blue: no limit is given}],
    ['OCCIQuota', qr{OCCIQuota takes an optional tenant and at least one of}],
    ["<Location /occi/>\nOCCIQuota networks=x\n</Location>", qr{OCCIQuota: networks=x is not a whole number}],
    ['OCCINodeName "node a"', qr{OCCINodeName: 'node a' is not a node name \(1 to 64 letters}],
    ['OCCINodeName ' . ('n' x 65), qr{OCCINodeName: 'n{65}' is not a node name}],
    ["<VirtualHost 127.0.0.1:1>\nOCCINodeName b\n</VirtualHost>",
        qr{OCCINodeName cannot occur within <VirtualHost> section}],
    ['OCCIUsageInterval 0', qr{OCCIUsageInterval: '0' is neither Off nor a number of seconds from 1 to 3600}],
    ['OCCIUsageInterval often', qr{OCCIUsageInterval: 'often' is neither Off nor a number}],
    ["<VirtualHost 127.0.0.1:1>\nOCCIUsageInterval 5\n</VirtualHost>",
        qr{OCCIUsageInterval cannot occur within <VirtualHost> section}],
    ['OCCIConsoleSignOut javascript:alert(1)', qr{OCCIConsoleSignOut: 'javascript:alert\(1\)' is not a path of this server or an http\(s\) address}],
    ['OCCIConsoleSignOut "/a b"', qr{OCCIConsoleSignOut: '/a b' is not a path of this server}],
);
for my $case (@bad) {
    my ($body, $message) = @$case;
    my ($status, $output) = check_config($body);
    (my $name = $body) =~ s/\n/ | /g;
    isnt $status, 0, "$name: httpd refuses to start";
    like $output, $message, "$name: the message names the directive and the rule";
}

# A server of its own in $dir, named $name, on a free port, with the MPM,
# authz_core, the lines given and the module; returns the port.
sub write_server_conf {
    my ($name, $lines) = @_;
    my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)->sockport;
    open my $fh, '>', "$dir/$name.conf" or die $!;
    print $fh private_server_conf($dir, $port, $lines, $name);
    close $fh;
    return $port;
}

# Without mod_dbd httpd does not start, and says what to load.
write_server_conf('nodbd', "LoadModule occi_module $module");
# In the foreground httpd fails before it returns (or is stopped by
# timeout if it wrongly starts), so the log is complete when read.
$output = `timeout 20 '$httpd' -d '$dir' -f '$dir/nodbd.conf' -D FOREGROUND 2>&1`;
my $started = ($? >> 8) == 124;
ok !$started, 'without mod_dbd httpd refuses to start';
my $log = file_text("$dir/nodbd_error_log");
like($log . $output, qr/mod_occi keeps its entities through mod_dbd: load it/,
     'and says to load mod_dbd');

# With mod_dbd but no DBDriver, httpd starts and the API says what is
# missing (503 with the reason), instead of mod_dbd's placeholder name.
my $free_port = write_server_conf('nodriver', <<"LINES");
LoadModule dbd_module $modules/mod_dbd.so
LoadModule occi_module $module
OCCILibvirtURI none
<Location />
    SetHandler occi
</Location>
LINES
system("'$httpd' -d '$dir' -f '$dir/nodriver.conf' -k start");
my $answer;
for (1 .. 50) {
    $answer = `curl -s -w '\\n%{http_code}' http://127.0.0.1:$free_port/compute/ 2>/dev/null`;
    last if $answer =~ /\d{3}\z/ && $answer !~ /\n000\z/;
    select(undef, undef, undef, 0.2);
}
system("'$httpd' -d '$dir' -f '$dir/nodriver.conf' -k stop");
like $answer, qr/\n503\z/, 'with mod_dbd but no DBDriver, the API answers 503';
like $answer, qr/no DBDriver is configured/, 'and says the DBDriver is missing';

# An OS template whose image is missing (removed while httpd ran) does not
# keep httpd from starting, restarting or stopping: a warning says which
# file is missing, and computes from it are refused when they are made.
my $image_port = write_server_conf('noimage', <<"LINES");
LoadModule dbd_module $modules/mod_dbd.so
LoadModule occi_module $module
DBDriver sqlite3
DBDParams "$dir/noimage.sqlite"
OCCILibvirtURI qemu:///system
OCCIOSTemplate gone "Gone" disk=$dir/gone.qcow2
OCCIOSTemplate kernelgone "Kernel gone" kernel=$dir/vmlinuz initrd=$dir/initrd.img
<Location />
    SetHandler occi
</Location>
LINES
chmod 0777, $dir;
my $control = sub { system("'$httpd' -d '$dir' -f '$dir/noimage.conf' -k $_[0] 2>&1") >> 8 };
my $running = sub {
    for (1 .. 50) {
        return 1 if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$image_port", Timeout => 1);
        select(undef, undef, undef, 0.1);
    }
    return 0;
};
# The listening socket answers before httpd has finished (re)starting, and
# a stop signal that arrives while httpd still reads its configuration is
# lost: each step waits for httpd to say it resumed normal operations.
my $resumed = sub {
    my ($times) = @_;
    for (1 .. 150) {
        my $log = file_text("$dir/noimage_error_log");
        my $count = () = $log =~ /resuming normal operations/g;
        return 1 if $count >= $times;
        select(undef, undef, undef, 0.1);
    }
    return 0;
};
is $control->('start'), 0, 'an OS template whose image is missing: httpd starts';
ok $running->() && $resumed->(1), 'and serves';
is $control->('restart'), 0, 'apache2ctl restart works';
ok $running->() && $resumed->(2), 'and it serves again';
is $control->('stop'), 0, 'apache2ctl stop works';
# httpd reclaims its children for up to a few seconds before it kills
# them; a loaded machine takes longer.
for (1 .. 150) {
    last unless -e "$dir/noimage.pid";
    select(undef, undef, undef, 0.1);
}
my $image_log = file_text("$dir/noimage_error_log");
ok !-e "$dir/noimage.pid", 'and httpd is gone' or diag $image_log;
if (open my $p, '<', "$dir/noimage.pid") {
    # Not left running after a failure.
    my $pid = <$p> // '';
    kill 'TERM', $1 if $pid =~ /^(\d+)/;
}
like $image_log, qr{OCCI101: OCCIOSTemplate gone: \Q$dir\E/gone\.qcow2 does not exist},
    'the error log names the missing image';
like $image_log, qr{OCCI101: OCCIOSTemplate kernelgone: \Q$dir\E/vmlinuz does not exist},
    'and a missing kernel';

done_testing();
