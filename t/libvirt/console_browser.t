# SPDX-License-Identifier: Apache-2.0
# The web console in a real browser: Debian's chromium, headless, driven
# by playwright-core (t/console/browser.mjs) against this run's server and
# the libvirt test driver: a network and a compute made through the forms,
# a refusal shown in the server's words, start, suspend, stop, deletion; no
# request to another origin and no error in the browser's console.
# Screenshots of the main pages land in t/logs/console-screenshots/.
#
# It needs node (18 or later), npm and chromium, and installs playwright-core
# with "npm ci" in t/console/. Missing any of them is a failure, not a skip:
# OCCI_TEST_BROWSER=0 leaves the test out on purpose. OCCI_TEST_CHROMIUM
# names another browser binary.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use FindBin;
use File::Copy ();
use File::Spec;
use JSON::PP ();
use lib "$FindBin::Bin/../lib";
use OCCITest;

if (($ENV{OCCI_TEST_BROWSER} // '1') eq '0') {
    plan skip_all => 'OCCI_TEST_BROWSER=0';
}

my $dir = File::Spec->rel2abs("$FindBin::Bin/../console");
my $shots = File::Spec->rel2abs("$FindBin::Bin/../logs/console-screenshots");
my $chromium = $ENV{OCCI_TEST_CHROMIUM} || '/usr/bin/chromium';

sub in_path {
    my ($name) = @_;
    return grep { -x "$_/$name" } split /:/, $ENV{PATH} // '';
}

# Everything the run needs, each missing one said plainly.
my @missing;
push @missing, 'node (Debian package nodejs, version 18 or later)' unless in_path('node');
push @missing, 'npm' unless in_path('npm');
push @missing, "chromium at $chromium (Debian package chromium; autogen.sh installs it)"
    unless -x $chromium;
if (@missing) {
    fail("the browser test needs: " . join('; ', @missing)
         . " (OCCI_TEST_BROWSER=0 leaves the test out)");
    done_testing();
    exit;
}
my ($major) = `node --version` =~ /^v(\d+)/;
if (!$major || $major < 18) {
    fail("playwright-core needs node 18 or later, not " . (`node --version` || 'unknown'));
    done_testing();
    exit;
}

# playwright-core as package-lock.json pins it; its own browser download
# is never wanted, Debian's chromium is used.
$ENV{PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD} = 1;
if (!-f "$dir/node_modules/.package-lock.json"
    || -M "$dir/node_modules/.package-lock.json" > -M "$dir/package-lock.json") {
    my $output = `cd '$dir' && npm ci --no-audit --no-fund 2>&1`;
    if ($?) {
        fail('npm ci in t/console installs playwright-core');
        diag $output;
        done_testing();
        exit;
    }
}
pass('playwright-core is installed in t/console');

# The mount behind Basic authentication (t/conf/extra.conf.in), opened
# with the credentials in the address.
$ENV{OCCI_CONSOLE_BASIC} = '/tenants/:alice:alice-secret';
my $base = Apache::TestRequest::resolve_url('/');
$base =~ s{/$}{};
my $started = time;
my $output = `timeout 300 node '$dir/browser.mjs' '$base' '$shots' '$chromium' 2>&1`;
my $status = $? >> 8;
my ($done, $steps) = browser_results($output);
ok $done, 'the browser run went to its end' or diag "node exited with $status";
is $status, 0, 'and node exited with 0';
ok $steps >= 25, "every step reported ($steps)";
note sprintf 'the browser run took %d s', time - $started;

# What the browser did, seen through the API.
if ($done) {
    for my $path (grep { defined } @$done{qw(computePath networkPath diskPath)}) {
        is json_request(GET => $path)->code, 404, "$path is gone, as the browser saw";
    }
}
# docs/console.md shows them from docs/images/, which only test runs fill:
# screenshots are made, not kept in the repository.
my $images = File::Spec->rel2abs("$FindBin::Bin/../../docs/images");
mkdir $images;
my @pngs = qw(console-list.png console-create.png console-resource.png console-error.png);
# The screen, where the guest has one (t/hypervisor/console_browser.t).
push @pngs, 'console-screen.png' if ($ENV{OCCI_CONSOLE_SCREEN} // '') eq '1';
# The usage charts, where the server samples a real guest (the same).
push @pngs, 'console-usage.png' if ($ENV{OCCI_CONSOLE_USAGE} // '') eq '1';
for my $png (@pngs) {
    ok -s "$shots/$png", "screenshot $png";
    File::Copy::copy("$shots/$png", "$images/$png") if -s "$shots/$png";
}

done_testing();
