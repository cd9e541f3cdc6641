# SPDX-License-Identifier: Apache-2.0
# Whatever a client asks of a kind or mixin, a value the hypervisor cannot
# carry out is the client's mistake: 4xx with a message that names it, and
# nothing made. Only a failure of the server's own is a 5xx. The table goes
# through the attributes of each kind and mixin, with values in range, at
# their limits and beyond them, on creation and on update, against
# libvirt's test driver.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $ipnetwork = 'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork';
my $ipni = 'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface';
my $ssh = 'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key';
my $userdata = 'http://schemas.ogf.org/occi/infrastructure/compute#user_data';

sub made {
    my ($path, $data) = @_;
    my ($location, $res) = create_json($path, $data);
    die "cannot make the fixture at $path: " . $res->code . ' ' . $res->content . "\n"
        unless $res->code == 201;
    return $location;
}
my $vm = made('/compute/', { kind => INFRA . 'compute', title => 'refusals' });
my $plain_net = made('/network/', { kind => INFRA . 'network' });
my $ip_net = made('/network/', { kind => INFRA . 'network', mixins => [$ipnetwork],
    attributes => { 'occi.network.address' => '10.77.0.0/24' } });
my $disk = made('/storage/', { kind => INFRA . 'storage', attributes => { 'occi.storage.size' => 1 } });

sub count_all { scalar uri_paths(occi_request(GET => '/', [Accept => 'text/uri-list'])->content) }

# [collection, kind, mixins, attribute, values, other attributes, link ends]
my @table = (
    ['/compute/', 'compute', [], 'occi.compute.cores', [1, 2, 1024, 0, 1025, -1, 'two']],
    ['/compute/', 'compute', [], 'occi.compute.memory', [0.5, 0.001, 1048576, 0, 1048577, -1]],
    ['/compute/', 'compute', [], 'occi.compute.architecture', ['x86', 'x64', 'arm']],
    ['/compute/', 'compute', [], 'occi.compute.hostname', ['vm.example.com', '', 'x' x 300, '<b>&']],
    ['/compute/', 'compute', [], 'occi.compute.share', [1, 0, 100000, -5]],
    ['/compute/', 'compute', [$ssh], 'occi.credentials.ssh.publickey',
        ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB user@host', '', "two\nlines"]],
    ['/compute/', 'compute', [$userdata], 'occi.compute.userdata',
        ['I2Nsb3VkLWNvbmZpZwo=', 'not base64!', '']],
    ['/storage/', 'storage', [], 'occi.storage.size', [1, 0.001, 1048576, 0, 1048577, -1]],
    ['/network/', 'network', [], 'occi.network.vlan', [1, 0, 4095, 4096, -1]],
    ['/network/', 'network', [], 'occi.network.label', ['blue', '', 'x' x 300]],
    ['/network/', 'network', [$ipnetwork], 'occi.network.address',
        ['10.78.0.0/24', '10.78.0.0/31', '10.0.0.0/7', '300.1.1.0/24', '10.78.0.0', 'net']],
    ['/network/', 'network', [$ipnetwork], 'occi.network.gateway', ['10.79.0.1', '10.80.0.1', 'gw'],
        { 'occi.network.address' => '10.79.0.0/24' }],
    ['/network/', 'network', [$ipnetwork], 'occi.network.allocation', ['dynamic', 'static', 'dhcp'],
        { 'occi.network.address' => '10.81.0.0/24' }],
    ['/networkinterface/', 'networkinterface', [], 'occi.networkinterface.mac',
        ['52:54:00:12:34:56', '52:54:00:AB:CD:EF', '52:54:00:12:34', 'zz:54:00:12:34:56', ''],
        {}, [$vm, $plain_net]],
    ['/networkinterface/', 'networkinterface', [$ipni], 'occi.networkinterface.address',
        ['10.77.0.20', '10.77.0.0', '10.77.0.255', '10.99.0.5', 'host'],
        { 'occi.networkinterface.allocation' => 'static' }, [$vm, $ip_net]],
    ['/networkinterface/', 'networkinterface', [$ipni], 'occi.networkinterface.address',
        ['10.77.0.21', '10.99.0.5'],
        { 'occi.networkinterface.allocation' => 'static' }, [$vm, $plain_net]],
    ['/networkinterface/', 'networkinterface', [$ipni], 'occi.networkinterface.allocation',
        ['dynamic', 'static', 'manual'], { 'occi.networkinterface.address' => '10.77.0.22' },
        [$vm, $ip_net]],
    ['/storagelink/', 'storagelink', [], 'occi.storagelink.deviceid',
        ['vdb', 'sdc', '/dev/vdd', 'xvde', 'blk0', '/dev/blk0', 'vd', '', 'vdb1'], {}, [$vm, $disk]],
    ['/storagelink/', 'storagelink', [], 'occi.storagelink.mountpoint', ['/mnt/data', '', 'x' x 300],
        { 'occi.storagelink.deviceid' => 'vdf' }, [$vm, $disk]],
);

my ($cases, @server_errors, @silent) = (0);
for my $row (@table) {
    my ($collection, $term, $mixins, $name, $values, $others, $ends) = @$row;
    for my $value (@$values) {
        my %attributes = (%{ $others || {} }, $name => $value);
        my $what = "$term $name=" . (length($value) > 24 ? substr($value, 0, 24) . '...' : $value);
        my $before = count_all();
        my $res = json_request(POST => $collection, { kind => INFRA . $term, mixins => $mixins,
            attributes => \%attributes,
            ($ends ? (source => $ends->[0], target => $ends->[1]) : ()) });
        $cases++;
        my $message = (decode_json_body($res) || {})->{message} // '';
        if ($res->code >= 500) {
            push @server_errors, "create $what: " . $res->code . " $message";
        }
        elsif ($res->code >= 400) {
            push @silent, "create $what: " . $res->code . " without a message naming it ($message)"
                if $message eq '' || $message =~ /no reason given/;
            push @server_errors, "create $what: refused, yet the collections changed"
                if count_all() != $before;
        }
        else {
            # Made: the same value on an update of what was made, and a
            # return to the entity's first values, must hold too.
            my $made = location_path($res->header('Location'));
            my $update = json_request(POST => $made, { attributes => { $name => $value } });
            $cases++;
            push @server_errors, "update $what: " . $update->code . ' '
                . ((decode_json_body($update) || {})->{message} // '') if $update->code >= 500;
            json_request(DELETE => $made);
        }
    }
}
# Updates of existing entities to each value.
for my $row (@table) {
    my ($collection, $term, $mixins, $name, $values, $others, $ends) = @$row;
    my ($entity, $res) = create_json($collection, { kind => INFRA . $term, mixins => $mixins,
        attributes => { %{ $others || {} }, $name => $values->[0] },
        ($ends ? (source => $ends->[0], target => $ends->[1]) : ()) });
    next unless $res->code == 201;
    for my $value (@$values[1 .. $#$values]) {
        my $update = json_request(POST => $entity, { attributes => { $name => $value } });
        $cases++;
        my $message = (decode_json_body($update) || {})->{message} // '';
        push @server_errors, "update $term $name=$value: " . $update->code . " $message"
            if $update->code >= 500;
        push @silent, "update $term $name=$value: " . $update->code . " ($message)"
            if $update->code >= 400 && ($message eq '' || $message =~ /no reason given/);
    }
    json_request(DELETE => $entity);
}

ok $cases >= 150, "$cases requests over the kinds' and mixins' attributes";
is_deeply \@server_errors, [], 'none answers 5xx, and none that is refused makes anything';
is_deeply \@silent, [], 'every refusal says what was wrong';

json_request(DELETE => $_) for $vm, $plain_net, $ip_net, $disk;
done_testing();
