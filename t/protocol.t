# SPDX-License-Identifier: Apache-2.0
# HTTP behaviour common to every response: the Server token, the OCCI
# version check, unknown paths, methods a path does not take.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

my $uuid = '6df690d2-3158-40c4-88fb-d1c41584d6e5';

for my $prefix ('', '/occi') {
    # Server carries OCCI/1.2 on every response, errors included.
    for my $path ("$prefix/-/", "$prefix/no/such/thing", "$prefix/compute/",
                  "$prefix/compute/6df690d2-3158-40c4-88fb-d1c41584d6e5") {
        like occi_request(GET => $path)->header('Server'), qr{\bOCCI/1\.2\b},
            "GET $path: Server names OCCI/1.2";
    }
    like occi_request(PUT => "$prefix/-/")->header('Server'), qr{\bOCCI/1\.2\b},
        "a 405 names OCCI/1.2 too";

    # Unknown paths.
    for my $path ('/nothing', '/nothing/', '/compute', '/-', '/compute/not-a-uuid',
                  "/mixin/os_tpl/$uuid", '/-/extra', '/mixin/os_tpl/nothing/') {
        my $res = occi_request(GET => $prefix . $path);
        is $res->code, 404, "GET $prefix$path: 404";
        like $res->content, qr{nothing in the OCCI namespace is at \Q$prefix$path\E},
            "GET $prefix$path: the message names the path";
    }

    # Methods a path does not take: 405 with the methods it does take.
    my @not_allowed = (
        [PUT => '/-/', 'GET, HEAD, POST, DELETE, OPTIONS'],
        [PUT => '/.well-known/org/ogf/occi/-/', 'GET, HEAD, POST, DELETE, OPTIONS'],
        [PUT => '/compute/', 'GET, HEAD, POST, DELETE, OPTIONS'],
        [PATCH => "/compute/$uuid", 'GET, HEAD, POST, PUT, DELETE, OPTIONS'],
        [POST => '/', 'GET, HEAD, OPTIONS'],
        [DELETE => '/mixin/', 'GET, HEAD, OPTIONS'],
    );
    for my $case (@not_allowed) {
        my ($method, $path, $allow) = @$case;
        my $res = occi_request($method => $prefix . $path);
        is $res->code, 405, "$method $prefix$path: 405";
        is $res->header('Allow'), $allow, "$method $prefix$path: Allow lists $allow";
        like $res->content, qr{\Q$method\E is not allowed}, "$method $prefix$path: says why";
    }
    my $options = occi_request(OPTIONS => "$prefix/-/");
    is $options->code, 200, "OPTIONS $prefix/-/: 200";
    is $options->header('Allow'), 'GET, HEAD, POST, DELETE, OPTIONS', 'OPTIONS gives Allow';
}

# A client announcing a newer OCCI version gets 501 and is told why.
for my $agent ('client/1.0 OCCI/1.3', 'OCCI/2.0', 'x (OCCI/10.1)') {
    my $res = occi_request(GET => '/-/', ['User-Agent' => $agent]);
    is $res->code, 501, "User-Agent '$agent': 501";
    like $res->content, qr{announces OCCI/[\d.]+ but this server implements OCCI/1\.2},
        "User-Agent '$agent': the message names both versions";
}
for my $agent ('client/1.0 OCCI/1.2', 'OCCI/1.1', 'libwww-perl', 'myOCCI/9.9') {
    is occi_request(GET => '/-/', ['User-Agent' => $agent])->code, 200,
        "User-Agent '$agent': served";
}

# Every response says what it varies on and which renderings exist.
my $res = occi_request(GET => '/-/');
like $res->header('Vary'), qr/\bAccept\b/, 'Vary names Accept';
like $res->header('Accept'), qr{application/occi\+json}, 'Accept lists the renderings served';

# A <Location> nested in the API (for access control, say) does not move
# the mount point: /occi/compute/ is still the compute collection.
is occi_request(GET => '/occi/compute/-/')->code, 404,
    'a nested <Location> is not a second mount';
is occi_request(GET => '/occi/compute/')->code, 200, 'and /occi/compute/ is the collection';


done_testing();
