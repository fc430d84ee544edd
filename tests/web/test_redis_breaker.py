"""Issue 18, defect 4: a hung Redis (SIGSTOP: connections accepted, nothing answered) must not stall
the exports. Short socket timeouts, then the shared cache is bypassed for a while (the process's
own cache serves), then tried again; one log line per outage. Against a stand-in server on
loopback that can hang or answer like Redis."""
from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from flask import Flask

from dashboard.web.cache import CircuitBreaker, ExportCache, _make_cache


ANSWERS = {b"HELLO": b"%1\r\n$5\r\nproto\r\n:3\r\n", b"GET": b"_\r\n"}


class LoopbackRedis:
    """Answers like Redis (``HELLO``: protocol 3, ``GET``: nil, anything else: ``+OK``) on 127.0.0.1, or, while ``hung`` is
    set, accepts connections and reads commands without ever answering (a stopped redis-server)."""

    def __init__(self):
        self.hung = threading.Event()
        self.commands: list[list[bytes]] = []
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self._sock.getsockname()[1]}/0"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while (parsed := _parse_command(buf)) is not None:
                    command, buf = parsed
                    self.commands.append(command)
                    if not self.hung.is_set():
                        conn.sendall(ANSWERS.get(command[0].upper(), b"+OK\r\n"))

    def close(self):
        self._sock.close()


def _parse_command(buf: bytes):
    """(command words, rest of ``buf``) for the first whole RESP array in ``buf``, else None."""
    if not buf.startswith(b"*") or b"\r\n" not in buf:
        return None
    head, rest = buf.split(b"\r\n", 1)
    words = []
    for _ in range(int(head[1:])):
        if b"\r\n" not in rest:
            return None
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line[1:])
        if len(rest) < size + 2:
            return None
        words.append(rest[:size])
        rest = rest[size + 2:]
    return words, rest


@pytest.fixture()
def fake_redis():
    server = LoopbackRedis()
    yield server
    server.close()


def run_bounded(fn, seconds: float):
    """``fn()`` in a thread; fail when it has not returned after ``seconds`` (a hung call)."""
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    t = time.perf_counter()
    th.start()
    th.join(seconds)
    assert not th.is_alive(), f"appel au cache toujours bloqué après {seconds} s (Redis arrêté)"
    return out.get("value"), time.perf_counter() - t


def test_hung_redis_costs_one_short_timeout_then_is_bypassed_then_retried(fake_redis, monkeypatch, caplog):
    monkeypatch.setenv("TI_REDIS_TIMEOUT", "0.2")
    shared = _make_cache(Flask(__name__), fake_redis.url, 60, "ti:")
    clock = [1000.0]
    cache = ExportCache(shared, max_bytes=1 << 20, breaker=CircuitBreaker(30, clock=lambda: clock[0]))
    made = []

    def make(name):
        return lambda: made.append(name) or f"corps {name}".encode()

    caplog.set_level(logging.INFO, logger="dashboard.web.cache")
    fake_redis.hung.set()
    # twenty exports while Redis is hung: the first waits for the timeout, the others skip Redis
    bodies, elapsed = run_bounded(lambda: [cache.get_or_make("a", make("a")) for _ in range(20)], 5)
    assert bodies == [b"corps a"] * 20
    assert elapsed < 1.5, f"20 exports en {elapsed:.1f} s avec un Redis bloqué"
    assert made == ["a"], "pendant la pause, le cache du processus sert l'export déjà calculé"
    assert fake_redis.connections == 1, "Redis appelé à nouveau pendant la pause"
    outage = [r for r in caplog.records if "indisponible" in r.getMessage()]
    assert len(outage) == 1 and outage[0].levelno == logging.WARNING

    # after the pause Redis is tried again (still hung: still one log line for the outage)
    clock[0] += 31
    _, elapsed = run_bounded(lambda: cache.get_or_make("b", make("b")), 5)
    assert elapsed < 1.0 and fake_redis.connections == 2
    assert len([r for r in caplog.records if "indisponible" in r.getMessage()]) == 1

    # Redis answers again: after the next pause the shared cache is used again, and that is logged
    fake_redis.hung.clear()
    clock[0] += 31
    assert run_bounded(lambda: cache.get_or_make("c", make("c")), 5)[0] == b"corps c"
    last = fake_redis.commands[-1]
    assert last[0].upper() in (b"SET", b"SETEX") and last[1].endswith(b"c"), "export non écrit dans Redis"
    assert any("de nouveau disponible" in r.getMessage() for r in caplog.records)
    assert not cache.breaker.down
