#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Open consoles, as bench/console-live.sh measures them.

Two ways a page can learn of state changes, each with CONSOLES pages open
at once against one httpd:

  poll     each page asks for its compute (JSON) every INTERVAL seconds on
           its own keep-alive connection, as the console does;
  stream   each page holds one response open that the server writes an
           event to every second (server-sent events), as a page fed by
           pushed events would.

Meanwhile a probe asks for the compute on a new connection every 0.25 s:
what any other client of the API gets while the consoles are open.

Prints one line of key=value pairs.

  console_live.py MODE HOST PORT PATH SECONDS CONSOLES [INTERVAL] [STREAM_PATH]
  console_live.py upstream PORT

"upstream" serves the events the stream mode reads, behind httpd's
mod_proxy: a stand-in for a module that streams them itself. Either way a
worker thread of httpd writes each open response (the event MPM hands
only idle keep-alive connections and the ends of responses back to its
listener), which is what the stream mode measures.
"""
import asyncio
import statistics
import sys
import time

ACCEPT = 'application/occi+json'


def request(host, path):
    return (f'GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {ACCEPT}\r\n'
            'User-Agent: console-live\r\n\r\n').encode()


async def read_response(reader):
    """Reads one response with a Content-Length; returns its status."""
    head = await reader.readuntil(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() == 'content-length':
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def poller(host, port, path, interval, until, latencies, failures, reconnects, offset):
    """Like a browser: a request that finds its idle keep-alive connection
    closed by the server is sent again at once on a new one (the event MPM
    closes idle connections when a child has more than it keeps)."""
    await asyncio.sleep(offset)
    reader = writer = None
    while time.monotonic() < until:
        started = time.monotonic()
        for attempt in (1, 2):
            reused = writer is not None
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), 10)
                writer.write(request(host, path))
                status = await asyncio.wait_for(read_response(reader), 10)
                if status != 200:
                    failures.append(status)
                latencies.append(time.monotonic() - started)
                break
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                if writer is not None:
                    writer.close()
                writer = None
                if reused and attempt == 1:
                    reconnects.append(1)
                    continue
                failures.append('connection')
                latencies.append(time.monotonic() - started)
                break
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
    if writer is not None:
        writer.close()


async def streamer(host, port, path, until, first_events, events):
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        writer.write(request(host, path))
        await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), max(0.1, until - started))
        first = None
        while time.monotonic() < until:
            line = await asyncio.wait_for(reader.readline(), max(0.1, until - time.monotonic()))
            if not line:
                break
            if line.startswith(b'data:') or b'data:' in line:
                events.append(1)
                if first is None:
                    first = time.monotonic() - started
                    first_events.append(first)
        writer.close()
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        pass


async def probe(host, port, path, until, latencies, failures):
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(request(host, path))
            status = await asyncio.wait_for(read_response(reader), 10)
            writer.close()
            latencies.append(time.monotonic() - started)
            if status != 200:
                failures.append(status)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            failures.append('timeout')
            latencies.append(10.0)
        await asyncio.sleep(0.25)


def quantile(values, q):
    if not values:
        return float('nan')
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def serve_events(reader, writer):
    try:
        await reader.readuntil(b'\r\n\r\n')
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n'
                     b'Cache-Control: no-cache\r\nConnection: close\r\n\r\n')
        while True:
            writer.write(b'data: {"state": "active"}\n\n')
            await writer.drain()
            await asyncio.sleep(1)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        writer.close()


async def upstream(port):
    server = await asyncio.start_server(serve_events, '127.0.0.1', port, backlog=1024)
    async with server:
        await server.serve_forever()


async def main():
    if sys.argv[1] == 'upstream':
        await upstream(int(sys.argv[2]))
        return
    mode, host, port, path, seconds, consoles = sys.argv[1:7]
    port, seconds, consoles = int(port), float(seconds), int(consoles)
    interval = float(sys.argv[7]) if len(sys.argv) > 7 else 1.0
    stream_path = sys.argv[8] if len(sys.argv) > 8 else '/events'
    until = time.monotonic() + seconds
    latencies, failures, reconnects, first_events, events = [], [], [], [], []
    probe_latencies, probe_failures = [], []
    tasks = [probe(host, port, path, until, probe_latencies, probe_failures)]
    for i in range(consoles):
        if mode == 'poll':
            tasks.append(poller(host, port, path, interval, until, latencies, failures,
                                reconnects, interval * i / consoles))
        else:
            tasks.append(streamer(host, port, stream_path, until, first_events, events))
    await asyncio.gather(*tasks)
    fields = {'mode': mode, 'consoles': consoles}
    if mode == 'poll':
        fields.update(requests=len(latencies), failures=len(failures),
                      reconnects=len(reconnects),
                      per_second=round(len(latencies) / seconds, 1),
                      p50_ms=round(1000 * quantile(latencies, 0.5), 1),
                      p99_ms=round(1000 * quantile(latencies, 0.99), 1))
    else:
        fields.update(streams_fed=len(first_events), events=len(events),
                      first_event_p50_ms=round(1000 * quantile(first_events, 0.5), 1))
    fields.update(probe_requests=len(probe_latencies), probe_failures=len(probe_failures),
                  probe_p50_ms=round(1000 * quantile(probe_latencies, 0.5), 1),
                  probe_max_ms=round(1000 * max(probe_latencies or [float('nan')]), 1))
    print(' '.join(f'{key}={value}' for key, value in fields.items()))


if __name__ == '__main__':
    asyncio.run(main())
