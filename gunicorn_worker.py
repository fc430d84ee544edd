"""Gunicorn's threaded worker (``gthread``) with an I/O deadline per request.

In ``gthread`` a thread that reads a request blocks until the request is whole,
and one that writes a response until the client has read it: a client that
trickles its headers (or never reads) holds a thread for as long as it likes,
and a few such clients hold them all. Here every request gets a budget of
``GUNICORN_IO_TIMEOUT`` seconds (default 30) to be read and answered; past it
the connection is closed and the thread is free again.

This bounds how long a slow client holds a thread; it does not make threads
unlimited. In production, a buffering reverse proxy (nginx) in front reads whole
requests and responses itself, so slow clients never reach the app (see the
README, « Déploiement »).

A response's status line and headers leave in the same write as the first bytes of its body
(:meth:`DeadlineSocket.sendall`): an instance killed mid-answer has sent all of a small response
or none of it, and nginx can give a request that got nothing to the other instance.

Used by ``gunicorn.conf.py`` (``worker_class = "gunicorn_worker.DeadlineThreadWorker"``).
"""
from __future__ import annotations

import errno
import logging
import socket
import time

from gunicorn.workers.gthread import ThreadWorker

import settings

log = logging.getLogger("gunicorn.error")

DEFAULT_IO_TIMEOUT = settings.BY_NAME["GUNICORN_IO_TIMEOUT"].default


def io_timeout(environ=None) -> float:
    """``GUNICORN_IO_TIMEOUT`` in seconds (default 30; invalid or <= 0: default, with a warning)."""
    return float(settings.get("GUNICORN_IO_TIMEOUT", environ))


class DeadlineSocket(socket.socket):
    """A client socket whose blocking mode has a deadline.

    Gunicorn puts the socket in blocking mode at the start of each request
    (``setblocking(True)``): that starts a budget of ``timeout`` seconds shared
    by every read and write of the request. Past it, reads and writes raise
    ``ConnectionResetError`` (gunicorn then closes the connection quietly).
    Non-blocking mode (the worker's poller, between requests) has no deadline.
    """

    budget = DEFAULT_IO_TIMEOUT

    def setblocking(self, flag: bool) -> None:
        if flag:
            self._deadline = time.monotonic() + self.budget
            self.settimeout(self.budget)
        else:
            self._deadline = None
            super().setblocking(False)

    def _arm(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is None:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._expired()
        self.settimeout(left)

    def _expired(self) -> ConnectionResetError:
        try:
            peer = self.getpeername()
        except OSError:
            peer = "?"
        log.info("Client trop lent (%s) : connexion fermée après %g s.", peer, self.budget)
        return ConnectionResetError(errno.ECONNRESET, "délai d'entrée-sortie dépassé")

    def _io(self, method, *args):
        self._arm()
        try:
            return method(*args)
        except TimeoutError:
            raise self._expired() from None

    def recv(self, *args):
        return self._io(super().recv, *args)

    def recv_into(self, *args):
        return self._io(super().recv_into, *args)

    def send(self, *args):
        return self._io(super().send, *args)

    # A response's status line and headers are held, and leave with the first bytes of its body (or
    # when the request ends, for a response without body): one write instead of two. An instance
    # killed between the two writes had sent headers without a body; nginx, having begun its answer
    # to the client, could not give the request to the other instance, and the client got a
    # truncated response (1 request in ~1,000 while an instance was killed under load). Headers held
    # and never sent, on the contrary, leave nginx free to retry elsewhere.
    _held = b""

    def sendall(self, data, *args):
        if self._held:
            data, self._held = self._held + bytes(data), b""
        elif is_header_block(data):
            self._held = bytes(data)
            return None
        return self._io(super().sendall, data, *args)

    def send_held(self) -> None:
        """Send what :meth:`sendall` holds (headers of a response without body), at the request's end."""
        if self._held:
            data, self._held = self._held, b""
            self._io(super().sendall, data)

    def sendfile(self, file, offset=0, count=None):
        self.send_held()  # the headers before the file's bytes
        return super().sendfile(file, offset, count)


#: The largest header block held back (gunicorn's own limits on a response's headers are lower).
MAX_HELD = 64 * 1024


def is_header_block(data) -> bool:
    """True for the status line and headers of an HTTP/1.x response, whole (as gunicorn writes them)."""
    return len(data) <= MAX_HELD and bytes(data[:5]) == b"HTTP/" and bytes(data[-4:]) == b"\r\n\r\n"


class DeadlineThreadWorker(ThreadWorker):
    """``gthread`` whose client sockets are :class:`DeadlineSocket` (budget: ``GUNICORN_IO_TIMEOUT``)."""

    def init_process(self):
        DeadlineSocket.budget = io_timeout()
        super().init_process()

    def handle_request(self, req, conn):
        keep_alive = super().handle_request(req, conn)
        send_held = getattr(conn.sock, "send_held", None)  # not on a TLS socket
        if send_held is not None:
            send_held()  # a response without body (HEAD, 204, 304): its headers
        return keep_alive

    def enqueue_req(self, conn):
        if type(conn.sock) is socket.socket:  # a new connection: same descriptor, deadline class
            conn.sock = DeadlineSocket(fileno=conn.sock.detach())
        super().enqueue_req(conn)
