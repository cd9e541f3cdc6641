# SPDX-License-Identifier: Apache-2.0
# Many httpd children starting together on one fresh SQLite database all
# come up with a working store, whatever order they start in: none fails
# to prepare mod_dbd's statements ("database is locked") while another
# creates the schema or switches the journal to WAL, or while the last
# connection of the children already stopping folds the log back into the
# database. Each round is a server of its own with a new database; the
# rounds repeat the race. Half the rounds serve requests in parallel, the
# other half are stopped as soon as they answer, while later children are
# still starting.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;

# The race is SQLite's (PostgreSQL takes a table lock for its migration):
# the PostgreSQL run of the suite leaves this file out.
my $dbd_conf = "$FindBin::Bin/conf/occi-dbd.conf";
open my $dbd, '<', $dbd_conf or die "$dbd_conf: $!";
my $driver = join('', <$dbd>) =~ /^DBDriver\s+(\S+)/m ? $1 : '';
close $dbd;
plan skip_all => "the store of this run is $driver, not sqlite3" unless $driver eq 'sqlite3';

my $config = Apache::Test::config();
my $httpd = $config->{vars}{httpd};
my $rounds = $ENV{OCCI_TEST_START_ROUNDS} || 20;
my $children = 16;
my $as_root = $> == 0;

# Lines of the error log that say a child started without a store.
my $failure = qr/AH00632|AH00633|AH00636|database is locked|OCCI21:|child init failed|exit signal/;

my (@bad_rounds, @failed_requests);
for my $round (1 .. 2 * $rounds) {
    my $stop_at_once = $round > $rounds;
    my $dir = tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    mkdir "$dir/data";
    # httpd's children (nobody, when the suite runs as root) create the database.
    chown scalar(getpwnam('nobody')), -1, "$dir/data" if $as_root;
    my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)->sockport;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh private_server_conf($dir, $port, <<"LINES");
LogLevel warn
LoadModule dbd_module ${\httpd_modules()}/mod_dbd.so
LoadModule occi_module $OCCITest::MODULE
StartServers $children
ServerLimit $children
MinSpareThreads 2
MaxSpareThreads 256
ThreadsPerChild 2
MaxRequestWorkers @{[2 * $children]}
DBDriver sqlite3
DBDParams "$dir/data/occi.sqlite"
DBDInitSQL "PRAGMA journal_mode=WAL"
OCCILibvirtURI none
<Location />
    SetHandler occi
</Location>
LINES
    close $fh;
    system($httpd, '-d', $dir, '-f', "$dir/httpd.conf", '-k', 'start');
    # Every child is up once the scoreboard says so; until then, wait
    # for the port and then a moment for the children still forking.
    my $up = 0;
    for (1 .. 100) {
        last if ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1));
        select(undef, undef, undef, 0.05);
    }
    # Requests in parallel, so that many children answer.
    my @codes = $stop_at_once ? ()
        : `for i in \$(seq 1 64); do curl -s -o /dev/null -w '%{http_code}\\n' -m 20 http://127.0.0.1:$port/compute/ & done; wait`;
    chomp @codes;
    system($httpd, '-d', $dir, '-f', "$dir/httpd.conf", '-k', 'stop');
    for (1 .. 100) {
        last unless -e "$dir/httpd.pid";
        select(undef, undef, undef, 0.05);
    }
    my $log = file_text("$dir/httpd_error_log");
    my @lines = grep { /$failure/ } split /\n/, $log;
    push @bad_rounds, "round $round: $lines[0]" if @lines;
    my @bad = grep { $_ ne '200' } @codes;
    push @failed_requests, "round $round: " . join(',', @bad)
        if !$stop_at_once && (@bad || @codes != 64);
}

is_deeply \@bad_rounds, [],
    "$rounds rounds of $children children starting on a fresh database, and $rounds stopped "
    . "as soon as they answer: no child fails to set up the store";
is_deeply \@failed_requests, [], "and 64 requests in parallel after each start all answer 200";

done_testing();
