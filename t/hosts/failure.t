# SPDX-License-Identifier: Apache-2.0
# A host that stops answering (the hosts run: three test-driver daemons,
# OCCIHypervisorHost h1, h2, h3). h1's libvirtd is frozen (SIGSTOP), as a
# host that hangs: its computes show the state error with a message that
# names no host, within seconds; listings go on for the others and wait at
# most a second for it; new computes go elsewhere. Thawed,
# its computes show their states again without a restart.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use FindBin;
use lib "$FindBin::Bin/../lib";
use OCCITest;
use Time::HiRes qw(sleep time);

my %uri = map { split /=/, $_, 2 } split ' ', ($ENV{OCCI_TEST_HOST_URIS} // '');
plan skip_all => 'the hosts run sets OCCI_TEST_HOST_URIS' unless keys %uri == 3;
my @hosts = qw(h1 h2 h3);

sub domains_on {
    my ($host) = @_;
    return grep { /^occi-/ } split /\n/, `virsh -q -c '$uri{$host}' list --all --name 2>&1`;
}
sub id_of { ($_[0] =~ m{/([0-9a-f-]{36})$})[0] }
sub host_of {
    my ($path) = @_;
    my $name = 'occi-' . id_of($path);
    return join ',', grep { my $h = $_; grep { $_ eq $name } domains_on($h) } @hosts;
}
sub states {
    my $res = json_request(GET => '/compute/');
    return (undef, $res->code) unless $res->code == 200;
    return ({ map { entity_path($_) => $_->{attributes} } @{ decode_json_body($res)->{resources} || [] } },
            200);
}

# The first host: what is on every host (a provider network) must not
# depend on it.
my $victim = 'h1';
my ($socket) = $uri{$victim} =~ /socket=([^&]+)/;
(my $pidfile = $socket) =~ s{/libvirt-sock$}{/libvirtd.pid};
chomp(my $pid = `cat '$pidfile' 2>/dev/null` // '');
ok $pid && kill(0, $pid), "${victim}'s libvirtd runs (pid $pid)" or BAIL_OUT('no daemon to freeze');

my (@made, $frozen, $provider_net);
END {
    kill 'CONT', $pid if $frozen;
    json_request(DELETE => $_) for @made, $provider_net // ();
}
for my $n (1 .. 3) {
    my $res = json_request(POST => '/compute/', { kind => INFRA . 'compute',
        attributes => { 'occi.compute.memory' => 0.25 } });
    is $res->code, 201, "compute $n made" or diag $res->content;
    push @made, location_path($res->header('Location') // '/compute/none');
}
# A network of a provider network lives on no host: its state must not
# hang on the first host, which the hosts layer asks about what has none.
my $net_res = json_request(POST => '/network/', { kind => INFRA . 'network',
    mixins => ['http://localhost/occi/provider_network#public'] });
is $net_res->code, 201, 'a network on provider network public' or diag $net_res->content;
$provider_net = location_path($net_res->header('Location') // '/network/none');
my %where = map { $_ => host_of($_) } @made;
is join(' ', sort values %where), 'h1 h2 h3', 'one on each host';
my ($on_victim) = grep { $where{$_} eq $victim } @made;
my ($elsewhere) = grep { $where{$_} ne $victim } @made;
states() for 1 .. 6;                     # every child has its connections

kill 'STOP', $pid;
$frozen = 1;
# Until keepalive gives up on it, a child may show what it remembers.
my (@took, $last, $seen);
my $stopped = time;
while (time - $stopped < 12) {
    my $started = time;
    my ($states, $code) = states();
    push @took, time - $started;
    $last = $states if $code == 200;
    $seen = time - $stopped if !$seen && $states
                               && ($states->{$on_victim}{'occi.compute.state'} // '') eq 'error';
    last if $seen && @took >= 5;
    sleep 0.2;
}
ok $seen && $seen < 10, "${victim}'s compute shows error within 10 s"
    or diag sprintf 'listing times: %s s', join ' ', map { sprintf '%.2f', $_ } @took;
diag sprintf 'error shown after %.1f s; listing times: %s s', $seen // -1,
    join ' ', map { sprintf '%.2f', $_ } @took;
# A child asks a host at most a second for states; while that question is
# out, it does not ask again.
cmp_ok((sort { $b <=> $a } @took)[0], '<', 1.5,
    "no listing waited more than a second for $victim");
# Each child's keepalive gives up on its own beat, within about 4 s of the
# freeze (a probe a second, four missed): the first child to show the error
# may be up to a second ahead of the others, which show what they remember
# until then. What every child shows is asked once all have given up.
sleep 5 - (time - $stopped) if time - $stopped < 5;
@took = ();
for my $n (1 .. 5) {
    my $started = time;
    my ($states, $code) = states();
    push @took, time - $started;
    is $code, 200, "listing $n afterwards answers 200";
    $last = $states if $code == 200;
}
cmp_ok((sort { $b <=> $a } @took)[0], '<', 1.5, "and none of the later ones waits for $victim");
is $last->{$on_victim}{'occi.compute.state'}, 'error', "${victim}'s compute shows error";
like $last->{$on_victim}{'occi.compute.state.message'} // '', qr/its host cannot be reached/,
    'saying its host cannot be reached';
unlike join(' ', values %{ $last->{$on_victim} }), qr/\Q$victim\E|libvirt-sock/, 'without naming it';
like $last->{$elsewhere}{'occi.compute.state'} // '', qr/^(?:active|inactive)$/,
    'the other hosts\' computes show their live states';
my @network_states = map {
    my $attributes = decode_json_body(json_request(GET => $provider_net))->{attributes} // {};
    ($attributes->{'occi.network.state'} // 'none') . ($attributes->{'occi.network.state.message'}
        ? " ($attributes->{'occi.network.state.message'})" : '')
} 1 .. 5;
is join(', ', @network_states), join(', ', ('active') x 5),
    "the provider network stays active while $victim does not answer";

my $create_started = time;
my $res = json_request(POST => '/compute/', { kind => INFRA . 'compute',
    attributes => { 'occi.compute.memory' => 0.25 } });
my $create_took = time - $create_started;
is $res->code, 201, "a compute made with $victim frozen" or diag $res->content;
cmp_ok $create_took, '<', 1.5, "without waiting more than a second for $victim";
push @made, location_path($res->header('Location'));
# (virsh would wait for the frozen daemon: only the others are asked.)
my $new = 'occi-' . id_of($made[-1]);
ok scalar(grep { $_ eq $new } map { domains_on($_) } grep { $_ ne $victim } @hosts), 'goes elsewhere';

kill 'CONT', $pid;
$frozen = 0;
my $back;
for (1 .. 60) {
    my ($states) = states();
    $back = $states && ($states->{$on_victim}{'occi.compute.state'} // '') ne 'error';
    last if $back;
    sleep 0.5;
}
ok $back, "thawed, ${victim}'s compute shows its state again within 30 s";

json_request(DELETE => $_) for @made, $provider_net;
@made = ();
$provider_net = undef;
is scalar(map { domains_on($_) } @hosts), 0, 'everything made is gone';
done_testing();
