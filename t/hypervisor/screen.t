# SPDX-License-Identifier: Apache-2.0
# A compute's screen through httpd, against a real QEMU guest on the private
# libvirtd (OCCIScreenListen on the address by which httpd reaches the
# daemon's network namespace): the domain gets a VNC server with a
# WebSocket, locked by a password; a session (POST /-/screen/<uuid>) sets a
# new one and says where the WebSocket is; the WebSocket, opened through
# httpd, reaches the guest's VNC server, which asks for that password. Only
# the compute's tenant gets either: another tenant's session and WebSocket
# are 404s.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Socket::INET;
use MIME::Base64 ();
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;

my $uri = $ENV{OCCI_TEST_LIBVIRT_URI} or die "OCCI_TEST_LIBVIRT_URI is not set\n";

my ($vm_path, $res);
$res = as_tenant('alice', POST => '/compute/', { kind => 'http://schemas.ogf.org/occi/infrastructure#compute', title => 'screen',
    mixins => ['http://localhost/occi/os_tpl#testguest'],
    attributes => { 'occi.compute.memory' => 0.25, 'occi.compute.cores' => 1 } });
is $res->code, 201, 'alice makes a compute from the test guest' or diag $res->content;
$vm_path = tenant_path($res);
my ($id) = $vm_path =~ m{([0-9a-f-]{36})$};
my $domain = "occi-$id";

my $xml = virsh_at($uri, 'dumpxml', '--security-info', $domain);
like $xml, qr{<graphics type='vnc'[^>]* websocket='-1'[^>]* listen='10\.232\.\d+\.2'},
    'its domain has a VNC server with a WebSocket, on the host\'s address for API nodes alone';
like $xml, qr{<graphics type='vnc'[^>]* passwd='[A-Za-z0-9]{8}'},
    'locked from its definition by a password nobody is told';

$res = as_tenant('alice', POST => "/-/screen/$id");
is $res->code, 409, 'a session on a stopped compute: 409';
like +(decode_json_body($res) // {})->{message} // '', qr/not running/, 'saying it does not run'
    or diag $res->content;

$res = as_tenant('alice', POST => "$vm_path?action=start",
    { action => 'http://schemas.ogf.org/occi/infrastructure/compute/action#start' });
is $res->code, 200, 'alice starts it' or diag $res->content;

$res = as_tenant('alice', POST => "/-/screen/$id");
is $res->code, 200, 'alice opens a session on its screen' or diag $res->content;
my $session = decode_json_body($res) // {};
like $session->{password} // '', qr/^[A-Za-z0-9]{8}$/, 'with a password of 8 characters';
is $session->{websocket}, "/tenants/-/screen/$id/websocket", 'and the WebSocket\'s path';
is $res->header('Cache-Control'), 'no-store', 'which no cache keeps';
like virsh_at($uri, 'dumpxml', '--security-info', $domain),
    qr{<graphics type='vnc'[^>]* passwd='\Q$session->{password}\E'},
    'the screen\'s password is now the session\'s';

is as_tenant('bob', POST => "/-/screen/$id")->code, 404, 'bob\'s session on it: 404';
is as_tenant(undef, POST => "/-/screen/$id")->code, 401, 'without credentials: 401';
is as_tenant('alice', GET => "/-/screen/$id")->code, 405, 'a GET of the session: 405';
is as_tenant('alice', POST => '/-/screen/00000000-0000-0000-0000-000000000000')->code, 404,
    'a session on no compute: 404';
is as_tenant('alice', POST => '/-/screen/not-an-id')->code, 404, 'on a malformed id: 404';

# The WebSocket, by hand: the handshake through httpd, then the first
# frame from the guest's VNC server.
my $server = Apache::TestRequest::hostport();
sub websocket {
    my ($user, $path, $to) = @_;
    $to //= $server;
    my $socket = IO::Socket::INET->new(PeerAddr => $to, Timeout => 10) or die "connect $to: $!";
    my $auth = $user ? "Authorization: Basic "
        . MIME::Base64::encode_base64("$user:$user-secret", '') . "\r\n" : '';
    print $socket "GET $path HTTP/1.1\r\nHost: $to\r\nUpgrade: websocket\r\n"
        . "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        . "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n$auth\r\n";
    my $head = '';
    while (defined(my $line = <$socket>)) {
        $head .= $line;
        last if $line eq "\r\n";
    }
    my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})};
    return ($status // 0, $socket, $head);
}

# Reads one unmasked server frame; its payload.
sub read_frame {
    my ($socket) = @_;
    my $header = '';
    local $SIG{ALRM} = sub { die "no frame within 10 s\n" };
    alarm 10;
    read($socket, $header, 2) == 2 or return undef;
    my $length = ord(substr($header, 1, 1)) & 0x7f;
    if ($length == 126) {
        read($socket, my $extended, 2);
        $length = unpack 'n', $extended;
    }
    my $payload = '';
    read($socket, $payload, $length) if $length;
    alarm 0;
    return $payload;
}

# Sends a masked client frame (binary).
sub send_frame {
    my ($socket, $payload) = @_;
    my $mask = pack 'N', int(rand(2**32));
    my $masked = $payload ^ substr($mask x (1 + length($payload) / 4), 0, length $payload);
    print $socket chr(0x82) . chr(0x80 | length $payload) . $mask . $masked;
}

my ($status, $socket, $head) = websocket('bob', "/tenants/-/screen/$id/websocket");
is $status, 404, 'bob\'s WebSocket to it: 404' or diag $head;
($status, $socket, $head) = websocket(undef, "/tenants/-/screen/$id/websocket");
is $status, 401, 'a WebSocket without credentials: 401' or diag $head;

($status, $socket, $head) = websocket('alice', "/tenants/-/screen/$id/websocket");
is $status, 101, 'alice\'s WebSocket: 101 Switching Protocols' or diag $head;
is eval { read_frame($socket) }, "RFB 003.008\n", 'the guest\'s VNC server greets through it'
    or diag $@;
send_frame($socket, "RFB 003.008\n");
my $types = eval { read_frame($socket) } // '';
is join(',', map { ord } split //, substr($types, 1)), '2',
    'and offers VNC authentication alone: no way in without the password';
close $socket;

# Straight to the VNC server's WebSocket on the host, past httpd: the same
# password is asked for.
my ($port, $listen) = virsh_at($uri, 'dumpxml', $domain)
    =~ m{<graphics type='vnc'[^>]* websocket='(\d+)'[^>]* listen='([^']+)'};
ok $port, "the WebSocket listens on port " . ($port // '?') . ' of ' . ($listen // '?');
($status, $socket, $head) = websocket(undef, '/', ($listen // '127.0.0.1') . ':' . ($port // 1));
is $status, 101, 'reached directly, it upgrades' or diag $head;
is eval { read_frame($socket) }, "RFB 003.008\n", 'greets' or diag $@;
send_frame($socket, "RFB 003.008\n");
$types = eval { read_frame($socket) } // '';
is join(',', map { ord } split //, substr($types, 1)), '2', 'and asks for the password too';
close $socket;

# The console's page carries where noVNC is, and noVNC is served there.
$res = Apache::TestRequest::GET('/tenants/', Accept => 'text/html',
    Authorization => 'Basic ' . MIME::Base64::encode_base64('alice:alice-secret', ''));
like $res->content, qr{<meta name="occi-novnc" content="/novnc">}, 'the console\'s page names /novnc';
$res = Apache::TestRequest::GET('/novnc/core/rfb.js');
is $res->code, 200, 'where httpd serves noVNC\'s RFB module';

$res = as_tenant('alice', DELETE => $vm_path);
is $res->code, 200, 'alice deletes the compute' or diag $res->content;

done_testing();
