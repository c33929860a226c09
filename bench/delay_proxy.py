"""`python -m bench.delay_proxy --target HOST:PORT --delay SECONDS`: a TCP proxy that holds every chunk for
`delay` in each direction, standing in for a network between the instances and PostgreSQL. It prints
`listening on HOST:PORT` once ready.

Each direction of each connection has a reader thread and a writer thread: the writer sleeps until a
chunk is due (time.sleep is precise to tens of microseconds here, where an event loop's timers round up to
whole milliseconds) and sends the chunks in the order they arrived."""

import argparse
import collections
import contextlib
import socket
import threading
import time

CHUNK = 65536


class _Direction:
    def __init__(self, source: socket.socket, sink: socket.socket, delay: float) -> None:
        self._source = source
        self._sink = sink
        self._delay = delay
        self._due: collections.deque[tuple[float, bytes]] = collections.deque()
        self._ready = threading.Condition()
        self._closed = False

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

    def _read(self) -> None:
        try:
            while data := self._source.recv(CHUNK):
                with self._ready:
                    self._due.append((time.monotonic() + self._delay, data))
                    self._ready.notify()
        except OSError:
            pass
        with self._ready:
            self._closed = True
            self._ready.notify()

    def _write(self) -> None:
        try:
            while True:
                with self._ready:
                    while not self._due and not self._closed:
                        self._ready.wait()
                    if not self._due:
                        break
                    due, data = self._due.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._sink.sendall(data)
        except OSError:
            pass
        for end in (self._sink, self._source):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def serve(listen: socket.socket, target: tuple[str, int], delay: float) -> None:
    while True:
        client, _address = listen.accept()
        upstream = socket.create_connection(target)
        for end in (client, upstream):
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _Direction(client, upstream, delay).start()
        _Direction(upstream, client, delay).start()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.delay_proxy", description=__doc__)
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--delay", type=float, required=True, help="seconds each chunk is held, each way")
    parser.add_argument("--listen", default="127.0.0.1:0")
    arguments = parser.parse_args()
    host, port = arguments.listen.rsplit(":", 1)
    target_host, target_port = arguments.target.rsplit(":", 1)
    listen = socket.create_server((host, int(port)))
    print(f"listening on {host}:{listen.getsockname()[1]}", flush=True)
    serve(listen, (target_host, int(target_port)), arguments.delay)


if __name__ == "__main__":
    main()
