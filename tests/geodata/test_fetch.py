"""Download mechanics against a local HTTP server serving the mirror (loopback only)."""
from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial

import pytest

from geodata.sources.download import FetchError, download, fetch
from geodata.sources.registry import FETCHABLE, FILE_SOURCES, SOURCES

from tests.conftest import SHARED
from tests.support.browser import free_port

pytestmark = pytest.mark.needs_sources


class _Handler(http.server.SimpleHTTPRequestHandler):
    fail_first = 0          # number of requests answered 503 before serving
    truncate = False        # announce more bytes than sent
    wrong_checksum = False  # announce a wrong X-Checksum-Sha256
    calls = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        cls = type(self)
        cls.calls += 1
        if cls.calls <= cls.fail_first:
            self.send_error(503, "busy")
            return
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) + (100 if cls.truncate else 0)))
        digest = "0" * 64 if cls.wrong_checksum else hashlib.sha256(data).hexdigest()
        self.send_header("X-Checksum-Sha256", digest)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server(shared_dir):
    handler = type("H", (_Handler,), {"fail_first": 0, "truncate": False, "wrong_checksum": False, "calls": 0})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(SHARED)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_all_from_http_mirror(server, tmp_path):
    _, url = server
    sources = [s for s in FILE_SOURCES if s.key != "laureats"]
    sums = fetch(tmp_path, base_url=url, sources=sources, progress=False)
    for s in sources:
        got = (tmp_path / s.path).read_bytes()
        assert got == (SHARED / s.path).read_bytes()
        assert sums[s.path]["sha256"] == hashlib.sha256(got).hexdigest()
    assert (tmp_path / "checksums.json").is_file()
    assert not list(tmp_path.rglob("*.part"))


def test_progress_bar_is_shown(server, tmp_path, capsys):
    _, url = server
    download(f"{url}/{SOURCES['qpv'].path}", tmp_path / "q.csv", progress=True)
    assert "q.csv" in capsys.readouterr().err


def test_retry_after_server_errors(server, tmp_path):
    handler, url = server
    handler.fail_first = 2
    download(f"{url}/{SOURCES['qpv'].path}", tmp_path / "q.csv", retries=3, backoff=0.01, progress=False)
    assert handler.calls == 3
    assert (tmp_path / "q.csv").read_bytes() == (SHARED / SOURCES["qpv"].path).read_bytes()


def test_gives_up_after_retries_and_writes_nothing(server, tmp_path):
    handler, url = server
    handler.fail_first = 10
    with pytest.raises(FetchError, match="3 tentative"):
        download(f"{url}/{SOURCES['qpv'].path}", tmp_path / "q.csv", retries=3, backoff=0.01, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_address_leaves_no_empty_folder(tmp_path):
    """A download that gets no answer (offline: the app's fetch at start) makes no folder: the empty
    data/raw/territoires-industrie it left was taken for a mirror by the tests (13 failures)."""
    port = free_port()  # a loopback port nobody listens on: refused at once, no network
    dest = tmp_path / "raw" / "territoires-industrie" / "liste.csv"
    with pytest.raises(FetchError, match="1 tentative"):
        download(f"http://127.0.0.1:{port}/liste.csv", dest, retries=1, timeout=2, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch_keeps_previous_file(server, tmp_path):
    handler, url = server
    handler.wrong_checksum = True
    dest = tmp_path / "q.csv"
    dest.write_text("previous good content")
    with pytest.raises(FetchError, match="somme de contrôle"):
        download(f"{url}/{SOURCES['qpv'].path}", dest, progress=False)
    assert dest.read_text() == "previous good content"
    assert not list(tmp_path.glob("*.part"))


def test_truncated_download_is_not_kept(server, tmp_path):
    handler, url = server
    handler.truncate = True
    dest = tmp_path / "q.csv"
    with pytest.raises(FetchError):
        download(f"{url}/{SOURCES['qpv'].path}", dest, retries=2, backoff=0.01, timeout=2, progress=False)
    assert not dest.exists() and not list(tmp_path.glob("*.part"))


def test_fetch_from_local_folder(tmp_path):
    sums = fetch(tmp_path / "raw", from_dir=SHARED, progress=False)
    assert (tmp_path / "raw" / SOURCES["ti_2019_2022"].path).read_bytes() == \
        (SHARED / SOURCES["ti_2019_2022"].path).read_bytes()
    assert len(sums) == len([s for s in FETCHABLE if s.key != "laureats"])
