# SPDX-License-Identifier: Apache-2.0
# The web console in a real browser against real QEMU guests: the walk of
# t/libvirt/console_browser.t (a network and a compute made through the
# forms, a refusal in the server's words, start, suspend, stop, deletion),
# with this run's OS template and the network brought up first, since a
# real guest's interface needs an active network to start.
use strict;
use warnings FATAL => 'all';
use FindBin;

$ENV{OCCI_CONSOLE_OS_TEMPLATE} = 'Test guest';
$ENV{OCCI_CONSOLE_NETWORK_UP} = 1;
# States changed behind the page's back are changed with virsh.
$ENV{OCCI_CONSOLE_VIRSH_URI} = $ENV{OCCI_TEST_LIBVIRT_URI} // '';
# The guest has a screen (OCCIScreenListen), which the console shows.
$ENV{OCCI_CONSOLE_SCREEN} = 1;
# Its usage is sampled (OCCIUsageInterval), which the console charts.
$ENV{OCCI_CONSOLE_USAGE} = 1;
do "$FindBin::Bin/../libvirt/console_browser.t";
die $@ if $@;
