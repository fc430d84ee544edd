"""The worker's sockets (``gunicorn_worker.py``): a response's headers leave with its body.

An instance killed between gunicorn's two writes (headers, then body) had sent a response without
its body; nginx, its answer to the client begun, could not retry, and the client got a truncated
response (``test_killed_instance_loses_no_idempotent_request``, 1 request in ~1,000)."""
from __future__ import annotations

import re
import select
import socket
import tempfile

import pytest
import requests

import gunicorn_worker
from gunicorn_worker import DeadlineSocket
from tests.conftest import ARTIFACTS, SHARED
from tests.support.browser import serve_gunicorn

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    ours = DeadlineSocket(fileno=a.detach())
    ours.setblocking(True)  # as gunicorn does at the start of a request
    b.settimeout(2)
    yield ours, b
    ours.close()
    b.close()


def pending(peer) -> bytes:
    """What the peer can read now, without waiting."""
    readable, _, _ = select.select([peer], [], [], 0.2)
    return peer.recv(65536) if readable else b""


def test_headers_leave_with_the_body_in_one_write(pair):
    ours, peer = pair
    ours.sendall(HEADERS)
    assert pending(peer) == b"", "les en-têtes sont partis seuls, sans le corps"
    ours.sendall(b"hello")
    assert peer.recv(65536) == HEADERS + b"hello"


def test_headers_of_a_response_without_body_leave_at_the_end_of_the_request(pair):
    ours, peer = pair
    ours.sendall(HEADERS.replace(b"200 OK", b"304 Not Modified"))
    assert pending(peer) == b""
    ours.send_held()
    assert peer.recv(65536).startswith(b"HTTP/1.1 304 Not Modified\r\n")
    ours.send_held()  # nothing held: nothing sent
    assert pending(peer) == b""


def test_a_file_sent_by_sendfile_comes_after_its_headers(pair):
    ours, peer = pair
    with tempfile.TemporaryFile() as f:
        f.write(b"hello")
        f.seek(0)
        ours.sendall(HEADERS)
        ours.sendfile(f, 0, 5)
    got = b""
    while len(got) < len(HEADERS) + 5:
        got += peer.recv(65536)
    assert got == HEADERS + b"hello"


@pytest.mark.parametrize("data", [b"hello", b"HTTP/1.1 200 OK\r\nX: 1\r\n", b"HTTP/" + b"a" * 70_000 + b"\r\n\r\n"],
                         ids=["corps", "en-tetes-incomplets", "trop-long"])
def test_other_writes_are_not_held(pair, data):
    ours, peer = pair
    ours.sendall(data)
    got = b""
    while len(got) < len(data):
        got += peer.recv(1 << 20)
    assert got == data
    assert not gunicorn_worker.is_header_block(data)


@pytest.mark.xdist_group("gunicorn")
def test_gunicorn_answers_whole_responses_with_and_without_body(demo_bundle_dir):
    """Through the real worker: GET, HEAD, 304 and a static file (sendfile) all answered whole, on one
    kept-alive connection (a held header block never sent would hang the next request)."""
    log = ARTIFACTS / "gunicorn_ecritures.log"
    env = {"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED or ""), "WEB_CONCURRENCY": "1",
           "TI_LOG": str(log)}
    with serve_gunicorn(env) as base, requests.Session() as s:
        health = s.get(base + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["statut"]
        head = s.head(base + "/healthz", timeout=10)
        assert head.status_code == 200 and head.content == b""
        page = s.get(base + "/", timeout=30)
        asset = next(u for u in re.findall(r'src="([^"]*/assets/[^"]+\.js[^"]*)"', page.text))
        js = s.get(base + asset, headers={"Accept-Encoding": "identity"}, timeout=10)
        assert js.status_code == 200 and len(js.content) == int(js.headers["Content-Length"]) > 100
        etag = js.headers.get("ETag")
        if etag:
            again = s.get(base + asset, headers={"If-None-Match": etag, "Accept-Encoding": "identity"}, timeout=10)
            assert again.status_code == 304 and again.content == b""
        assert s.get(base + "/healthz", timeout=10).status_code == 200  # the same connection still answers
