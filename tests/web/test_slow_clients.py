"""Issue 13, defect 4: slow clients against plain gunicorn (no proxy in front).

Eight connections that trickle their request headers used to hold every gunicorn
thread (2 workers × 4), and ``/healthz`` timed out until they closed."""
from __future__ import annotations

import socket
import threading
import time

import requests

from tests.support.browser import serve_gunicorn
from tests.conftest import ARTIFACTS, SHARED

N_SLOW = 8


class Trickler:
    """``n`` connections sending a request one header byte at a time, every ``pause`` seconds."""

    def __init__(self, port: int, n: int, pause: float = 0.5):
        self.port, self.n, self.pause = port, n, pause
        self.stop = threading.Event()
        self.closed_by_server = 0
        self.socks: list[socket.socket] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        for _ in range(self.n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.socks.append(s)
        self.thread.start()
        time.sleep(1.0)  # the server has picked every connection up
        return self

    def run(self):
        k = 0
        while not self.stop.is_set():
            for s in list(self.socks):
                try:
                    s.sendall(b"X-Lent-%d: " % k if k % 20 == 0 else b"a")
                except OSError:
                    self.socks.remove(s)
                    self.closed_by_server += 1
            k += 1
            self.stop.wait(self.pause)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        for s in self.socks:
            s.close()


def test_healthz_answers_while_slow_clients_trickle(demo_bundle_dir):
    log = ARTIFACTS / "gunicorn_lents.log"
    env = {"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED or ""), "WEB_CONCURRENCY": "2",
           "TI_LOG": str(log), "GUNICORN_IO_TIMEOUT": "6"}
    with serve_gunicorn(env) as base:
        port = int(base.rsplit(":", 1)[1])
        with Trickler(port, N_SLOW) as slow:
            times = []
            for _ in range(10):
                t0 = time.monotonic()
                r = requests.get(base + "/healthz", timeout=3)
                times.append(time.monotonic() - t0)
                assert r.status_code == 200
                time.sleep(0.1)
            assert max(times) < 2.0, times
            # past the I/O deadline, the server drops the tricklers: their threads are free again
            # (a close is seen on the second send after it; generous bound for a loaded machine, left early)
            deadline = time.monotonic() + 60
            while slow.closed_by_server < N_SLOW and time.monotonic() < deadline:
                time.sleep(0.5)
            assert slow.closed_by_server == N_SLOW
