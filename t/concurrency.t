# SPDX-License-Identifier: Apache-2.0
# Eight clients create and delete at once for several seconds against a
# server with several children and threads: no 5xx, and the collection ends
# with exactly what was created and not deleted.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use Time::HiRes qw(time);

my $clients = 8;
my $seconds = 5;
my $title = 'concurrency-' . $$;
my $dir = Apache::Test::vars('t_logs');

my @pids;
for my $client (1 .. $clients) {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        my ($created, $deleted, $errors, @mine) = (0, 0, 0);
        my $end = time + $seconds;
        while (time < $end) {
            my ($path, $res) = create_json('/storage/', { kind => INFRA . 'storage', title => $title,
                attributes => { 'occi.storage.size' => $client } });
            if ($res->code == 201) { $created++; push @mine, $path } elsif ($res->code >= 500) { $errors++ }
            if (@mine > 2) {
                my $gone = shift @mine;
                my $code = json_request(DELETE => $gone)->code;
                if ($code == 200 || $code == 204) { $deleted++ } elsif ($code >= 500) { $errors++ }
            }
        }
        open my $fh, '>', "$dir/concurrency.$client" or die $!;
        print $fh "$created $deleted $errors\n";
        close $fh;
        exit 0;
    }
    push @pids, $pid;
}
waitpid $_, 0 for @pids;

my ($created, $deleted, $errors) = (0, 0, 0);
for my $client (1 .. $clients) {
    open my $fh, '<', "$dir/concurrency.$client" or die "client $client left no result: $!";
    my ($c, $d, $e) = split ' ', scalar <$fh>;
    close $fh;
    unlink "$dir/concurrency.$client";
    ($created, $deleted, $errors) = ($created + $c, $deleted + $d, $errors + $e);
}
ok $created > $clients * 5, "the clients created $created entities";
is $errors, 0, 'no request got a 5xx';
my $left = grep { ($_->{title} // '') eq $title }
           @{ decode_json_body(json_request(GET => '/storage/'))->{resources} || [] };
is $left, $created - $deleted, "the collection holds created minus deleted ($created - $deleted)";
diag "created $created, deleted $deleted in $seconds s by $clients clients";

json_request(DELETE => entity_path($_))
    for grep { ($_->{title} // '') eq $title } @{ decode_json_body(json_request(GET => '/storage/'))->{resources} || [] };
done_testing();
