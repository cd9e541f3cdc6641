# SPDX-License-Identifier: Apache-2.0
# Two requests that touch the same rows, sent at the same moment, round
# after round, with a random offset of a few milliseconds between them so
# that every interleaving comes up:
#   - a networkinterface created while its target network is deleted;
#   - the same while its source compute is deleted;
#   - an entity added to a user mixin while the mixin is deleted;
#   - links added at once to a resource one short of OCCIMaxLinks.
# Whatever the order, what is left must be whole: no link whose end is
# gone, no entity in a mixin that does not exist (nor one that comes back
# when the mixin is defined again), and no 5xx.
# OCCI_TEST_RACE_ROUNDS sets the rounds of each race (default 150).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/lib";
use OCCITest;
use Time::HiRes qw(time sleep);

my $rounds = $ENV{OCCI_TEST_RACE_ROUNDS} // 150;
my $ni = INFRA . 'networkinterface';
my $tag = 'http://example.com/races#';

# Runs the subs (each returns an HTTP response) from as many processes
# starting together, each but the first after an offset of 0 to 6 ms;
# returns their status codes.
sub at_once {
    my (@work) = @_;
    my $start = time + 0.03;
    my @readers;
    for my $i (0 .. $#work) {
        my $offset = rand(0.006);
        pipe(my $reader, my $writer) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $reader;
            my $wait = $start + ($i ? $offset : 0) - time;
            sleep $wait if $wait > 0;
            my $res = $work[$i]->();
            print $writer $res->code, ' ', ($res->code >= 500 ? $res->content : ''), "\n";
            close $writer;
            require POSIX;
            POSIX::_exit(0);
        }
        close $writer;
        push @readers, [$pid, $reader];
    }
    my @answers;
    for (@readers) {
        my ($pid, $reader) = @$_;
        my $line = <$reader> // "0 the client died\n";
        waitpid $pid, 0;
        chomp $line;
        push @answers, $line;
    }
    return map { (split ' ', $_, 2)[0] } @answers;
}

sub exists_at { json_request(GET => $_[0])->code == 200 }

my %seen;
my @fives;

# Races 1 and 2: a link and the deletion of one of its ends.
for my $deleted_end ('target', 'source') {
    my $whole = 1;
    for my $round (1 .. $rounds) {
        my ($net) = create_json('/network/', { kind => INFRA . 'network', title => "race $round" });
        my ($vm) = create_json('/compute/', { kind => INFRA . 'compute', title => "race $round" });
        my $link_path;
        my ($link_code, $delete_code) = at_once(
            sub {
                my $res = json_request(POST => '/networkinterface/',
                    { kind => $ni, source => url_of($vm), target => url_of($net),
                      attributes => { 'occi.networkinterface.mac' => '52:54:00:0a:0b:0c' } });
                return $res;
            },
            sub { json_request(DELETE => $deleted_end eq 'target' ? $net : $vm) });
        $seen{"$deleted_end $link_code $delete_code"}++;
        push @fives, "$deleted_end: link $link_code, delete $delete_code"
            if $link_code >= 500 || $delete_code >= 500 || !$link_code || !$delete_code;
        # Every link left must have both ends.
        my $vm_there = exists_at($vm);
        my $net_there = exists_at($net);
        for my $link (@{ decode_json_body(json_request(GET => '/networkinterface/'))->{links} || [] }) {
            my ($source, $target) = ($link->{source}{location} // '', $link->{target}{location} // '');
            next unless index($source, $vm) >= 0 || index($target, $net) >= 0;
            if (!$vm_there || !$net_there) {
                $whole = 0;
                diag "round $round: link $link->{id} stays while its $deleted_end is gone"
                    . " (link $link_code, delete $delete_code)";
            }
        }
        json_request(DELETE => $vm) if $vm_there;
        json_request(DELETE => $net) if $net_there;
    }
    ok $whole, "$rounds rounds of a networkinterface created while its $deleted_end is deleted:"
        . " no link outlives its $deleted_end";
}

# Race 3: membership and the deletion of the mixin.
{
    my ($whole, $back) = (1, 0);
    my ($thing) = create_json('/storage/', { kind => INFRA . 'storage', title => 'race member',
        attributes => { 'occi.storage.size' => 1 } });
    for my $round (1 .. $rounds) {
        my $term = "m$round";
        json_request(POST => '/-/', { mixins => [{ scheme => $tag, term => $term,
            location => "/races/$term/" }] })->code == 200 or die "cannot define mixin $term";
        my ($add_code, $delete_code) = at_once(
            sub { json_request(POST => "/races/$term/", [url_of($thing)]) },
            sub { json_request(DELETE => '/-/', { mixins => [{ scheme => $tag, term => $term }] }) });
        $seen{"mixin $add_code $delete_code"}++;
        push @fives, "mixin: add $add_code, delete $delete_code"
            if $add_code >= 500 || $delete_code >= 500 || !$add_code || !$delete_code;
        my $mixins = decode_json_body(json_request(GET => $thing))->{mixins} || [];
        if (grep { $_ eq "$tag$term" } @$mixins) {
            $whole = 0;
            diag "round $round: the storage keeps deleted mixin $term (add $add_code, delete $delete_code)";
        }
        # Defined again, the mixin starts empty.
        json_request(POST => '/-/', { mixins => [{ scheme => $tag, term => $term,
            location => "/races/$term/" }] });
        my $members = decode_json_body(json_request(GET => "/races/$term/"))->{resources} || [];
        if (@$members) {
            $back++;
            diag "round $round: defined again, mixin $term has its old member back";
        }
        json_request(DELETE => '/-/', { mixins => [{ scheme => $tag, term => $term }] });
        my $res = json_request(POST => $thing, { attributes => { 'occi.core.title' => "after $round" } });
        if ($res->code != 200) {
            $whole = 0;
            diag "round $round: a partial update then answers " . $res->code . ' ' . $res->content;
        }
    }
    ok $whole, "$rounds rounds of an entity added to a mixin while the mixin is deleted:"
        . " it never keeps the deleted mixin";
    is $back, 0, 'and a mixin defined again never has its old members back';
    json_request(DELETE => $thing);
}

# Race 4: four links at once to a compute that has room for one more
# (OCCIMaxLinks 4 in this suite's configuration).
{
    my $over = 0;
    my ($net) = create_json('/network/', { kind => INFRA . 'network', title => 'race links' });
    for my $round (1 .. int($rounds / 5) || 1) {
        my ($vm) = create_json('/compute/', { kind => INFRA . 'compute', title => "race links $round" });
        json_request(POST => '/networkinterface/', { kind => $ni, source => url_of($vm),
            target => url_of($net) })->code == 201 or die 'cannot link' for 1 .. 3;
        my @codes = at_once(map { my $n = $_; sub {
            json_request(POST => '/networkinterface/', { kind => $ni, source => url_of($vm),
                target => url_of($net), title => "racer $n" }) } } 1 .. 4);
        $seen{'links ' . join(' ', sort @codes)}++;
        push @fives, "links: @codes" if grep { $_ >= 500 || !$_ } @codes;
        my $links = decode_json_body(json_request(GET => $vm))->{links} || [];
        if (@$links != 4 || (grep { $_ == 201 } @codes) != 1) {
            $over++;
            diag "round $round: answers @codes, and the compute has " . scalar(@$links) . ' links';
        }
        json_request(DELETE => $vm);
    }
    is $over, 0, 'links added at once never take a resource past OCCIMaxLinks: one gets 201, the others 409';
    json_request(DELETE => $net);
}

is_deeply \@fives, [], 'no request got a 5xx or died';
diag join ', ', map { "$_: $seen{$_}" } sort keys %seen;
done_testing();
