"""The production command (gunicorn app:server, 2 workers × threads) serves the page
fresh — the browser's first parallel requests included — with the security headers."""
from __future__ import annotations


import pytest
import requests

from tests.support.browser import assert_no_server_error, chrome, console_errors, serve_gunicorn, wait_map
from tests.conftest import ARTIFACTS, SHARED

pytestmark = pytest.mark.browser


def test_gunicorn_first_load(demo_bundle_dir):
    log = ARTIFACTS / "gunicorn.log"
    env = {"TI_BUNDLE_DIR": str(demo_bundle_dir), "TI_SOURCE_DIR": str(SHARED or ""), "WEB_CONCURRENCY": "2",
           "TI_LOG": str(log)}
    with serve_gunicorn(env) as base:
        h = requests.get(base + "/healthz", timeout=10)
        assert h.status_code == 200 and h.json()["donnees_arretees_au"] == "2021-09-24"
        r = requests.get(base + "/?embed=1", timeout=10, headers={"Accept-Encoding": "gzip"})
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors *" in csp and "unsafe-eval" not in csp  # the embed view: any site may frame it
        full = requests.get(base + "/", timeout=10).headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in full
        assert "X-Frame-Options" not in r.headers and r.headers["X-Content-Type-Options"] == "nosniff"
        for _ in range(2):  # two fresh browsers: the first requests of each worker
            d = chrome()
            try:
                d.get(base + "/?region=27")
                wait_map(d)
                assert console_errors(d) == []
            finally:
                d.quit()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert '" 404 ' not in text, [line for line in text.splitlines() if '" 404 ' in line][:3]
    assert_no_server_error(log)


def test_warm_up_runs_dash_setup_before_fork(demo_bundle):
    """Dash runs its set-up (registering its script files) on a process's first request and
    marks it done *before* finishing: with threads, a browser's parallel first requests to a
    fresh worker can be answered 404 (seen with gunicorn gthread: React's file). ``warm_up``
    (called by app.py, so before gunicorn forks) runs that set-up once, in the master."""
    import re

    from dashboard import create_app
    from dashboard.runtime import warm_up

    cold = create_app(demo_bundle)
    assert not cold._got_first_request.get("setup_server")
    warm = create_app(demo_bundle)
    warm_up(warm)
    assert warm._got_first_request.get("setup_server")
    html = warm.server.test_client().get("/").get_data(as_text=True)
    scripts = re.findall(r'src="([^"]+)"', html)
    assert any("react-dom" in s for s in scripts)
    for src in scripts:
        assert warm.server.test_client().get(src).status_code == 200, src
