"""The multi-instance deployment, started for real on loopback by ``deploy/local.py``: Debian's nginx
(deploy/nginx/proxy.conf) in front of two ``gunicorn app:server`` instances sharing one Debian
redis-server and one data bundle.

Skipped when nginx or redis-server is missing, except under ``CI=true`` (then it fails).
Select with ``pytest -m deploy``.
"""
from __future__ import annotations

import os
import pickle
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bench.serve import heavy_export_paths
from dashboard.model.export_formats import EXPORTS
from deploy.local import ROOT, UPSTREAM_HEADER, Topology, missing_programs

from tests.conftest import ARTIFACTS, SHARED

pytestmark = pytest.mark.deploy

WORKERS, THREADS = 1, 4  # per instance: 2 x 1 x 4 = 8 request threads in all
#: The shared cache is tried again 1 s after a failure (production: TI_REDIS_PAUSE, 30 s).
TEST_ENV = {"TI_REDIS_PAUSE": "1"}
#: A heavy export refused for want of a slot (503 + Retry-After, by design) is no server error.
BUSY_LINE = re.compile(r'"GET /(%s)\?[^"]*" 503 ' % "|".join(re.escape(f.path) for f in EXPORTS if f.heavy))


def require_programs() -> None:
    missing = missing_programs()
    if missing:
        msg = (f"programme(s) Debian absent(s) : {', '.join(missing)} — apt-get install nginx redis-server "
               "(test du déploiement nginx + 2 instances + Redis)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def start_topology(bundle_dir, workdir) -> Topology:
    return Topology(bundle_dir, source_dir=SHARED, workers=WORKERS, threads=THREADS, workdir=workdir,
                    extra_env=TEST_ENV).start()


def assert_clean_logs(topo: Topology) -> None:
    for inst in topo.instances:
        text = inst.log.read_text(encoding="utf-8", errors="replace")
        bad = [line for line in text.splitlines()
               if ('" 50' in line and not BUSY_LINE.search(line)) or "Traceback" in line]
        assert not bad, f"{inst.name} : " + "\n".join(bad[:5])


@pytest.fixture(scope="session")
def deploy_programs():
    """Checked before the bundle is built (session fixtures are set up in argument order)."""
    require_programs()


@pytest.fixture(scope="module")
def topo(deploy_programs, demo_bundle_dir, tmp_path_factory):
    t = start_topology(demo_bundle_dir, tmp_path_factory.mktemp("deploy"))
    try:
        yield t
    finally:
        t.stop()
    assert_clean_logs(t)


@pytest.fixture()
def rdb(topo):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(topo.redis_url)
    yield client
    client.close()


def redis_counters(rdb) -> dict:
    stats = rdb.info("stats")
    persistence = rdb.info("persistence")
    return {"hits": stats["keyspace_hits"], "misses": stats["keyspace_misses"],
            "writes": persistence["rdb_changes_since_last_save"]}


# --------------------------------------------------------------------------- slow clients
def slow_upload(url_port: int, path: str) -> socket.socket:
    """A client that announces a 200 kB body and sends 10 bytes of it, then nothing."""
    s = socket.create_connection(("127.0.0.1", url_port), timeout=5)
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{url_port}\r\nContent-Type: application/json\r\n"
               "Content-Length: 200000\r\n\r\n{\"output\":").encode())
    return s


def slow_reader(url_port: int, path: str) -> socket.socket:
    """A client that asks for a large response (1 MB, uncompressed) and does not read it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", url_port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{url_port}\r\nAccept-Encoding: identity\r\n\r\n".encode())
    return s


def test_slow_clients_are_held_by_the_proxy(topo):
    """12 slow uploads and 12 slow readers (3 x the 8 request threads of the two instances) through
    nginx: the instances stay free, /healthz and an export answer at once."""
    port = topo.nginx.port
    n_threads = len(topo.instances) * WORKERS * THREADS
    socks = []
    try:
        for _ in range(12):
            socks.append(slow_upload(port, "/_dash-update-component"))
        for _ in range(12):
            socks.append(slow_reader(port, "/geo/epci.geojson"))
        assert len(socks) >= 3 * n_threads
        time.sleep(1.0)  # the proxy has taken them all
        times = []
        for _ in range(10):
            t = time.perf_counter()
            r = requests.get(topo.proxy_url + "/healthz", timeout=5)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.json()["statut"] == "ok"
        r = requests.get(topo.proxy_url + "/export.csv?region=27", timeout=5)
        assert r.status_code == 200 and r.text.count("\n") > 10
        assert max(times) < 2.0, f"/healthz lent derrière 24 clients lents : {max(times):.2f} s"
        # the slow requests never reached an instance: their access logs have no such line
        for inst in topo.instances:
            assert "POST /_dash-update-component" not in inst.log.read_text(encoding="utf-8", errors="replace")
    finally:
        for s in socks:
            s.close()


# --------------------------------------------------------------------------- shared cache, values
def test_export_computed_on_one_instance_is_served_from_redis_by_the_other(topo, rdb):
    a, b = topo.instances[0].url, topo.instances[1].url
    query = "/export.csv?region=53&zone=afr"
    rdb.flushdb()
    before = redis_counters(rdb)
    ra = requests.get(a + query, timeout=30)
    assert ra.status_code == 200
    after_a = redis_counters(rdb)
    assert rdb.dbsize() >= 1
    assert after_a["writes"] > before["writes"], "l'instance A n'a rien écrit dans Redis"

    rb = requests.get(b + query, timeout=30)
    after_b = redis_counters(rdb)
    assert rb.status_code == 200 and rb.content == ra.content
    assert after_b["hits"] > after_a["hits"], "l'instance B n'a pas lu Redis"
    assert after_b["misses"] == after_a["misses"] and after_b["writes"] == after_a["writes"], \
        "l'instance B a recalculé l'export au lieu de le lire dans Redis"

    # the same counters see a computation: another view asked on B is a miss, then a write
    rc = requests.get(b + "/export.csv?region=84&zone=afr", timeout=30)
    after_c = redis_counters(rdb)
    assert rc.status_code == 200
    assert after_c["misses"] > after_b["misses"] and after_c["writes"] > after_b["writes"]


def test_redis_values_are_not_pickles(topo, rdb):
    """A writable Redis must not be a way to run code in the apps: values are bytes or JSON, never
    pickles (protocol 2+ starts with 0x80; Flask-Caching prefixes its pickles with ``!``)."""
    for path in ("/export.csv?region=27", "/export.geojson?region=27", "/export.csv?filiere=Agroalimentaire"):
        assert requests.get(topo.proxy_url + path, timeout=30).status_code == 200
    values = {}
    for key in rdb.scan_iter(count=1000):
        kind = rdb.type(key)
        if kind == b"string":
            values[key] = [rdb.get(key)]
        elif kind == b"hash":
            values[key] = list(rdb.hvals(key))
        elif kind == b"list":
            values[key] = rdb.lrange(key, 0, -1)
        elif kind in (b"set", b"zset"):
            values[key] = list(rdb.smembers(key)) if kind == b"set" else rdb.zrange(key, 0, -1)
    assert values, "aucune valeur dans Redis : le cache partagé n'est pas utilisé"
    pickled = [key for key, vals in values.items()
               if any(v is not None and (v[:1] == b"\x80" or v[:2] == b"!\x80") for v in vals)]
    assert not pickled, f"valeurs pickle dans Redis : {pickled[:3]}"


class _TouchOnLoad:
    """A pickle whose loading creates a file: what an attacker with write access to Redis would plant."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_pickle_planted_in_redis_is_never_loaded(topo, rdb, tmp_path):
    marker = tmp_path / "code-execute"
    query = "/export.csv?region=11&taille=PME"
    rdb.flushdb()
    assert requests.get(topo.instances[0].url + query, timeout=30).status_code == 200
    keys = list(rdb.scan_iter(count=1000))
    assert len(keys) == 1, keys
    ttl = rdb.ttl(keys[0])
    rdb.set(keys[0], b"!" + pickle.dumps(_TouchOnLoad(marker)), ex=ttl if ttl > 0 else None)
    for inst in topo.instances:
        requests.get(inst.url + query, timeout=30)
    assert not marker.exists(), "une valeur pickle écrite dans Redis a été chargée (exécution de code)"
    rdb.flushdb()


# --------------------------------------------------------------------------- compression
@pytest.mark.parametrize("path, mimetype", [("/geo/epci.geojson", "application/geo+json"),
                                            ("/export.csv?region=27", "text/csv"),
                                            ("/export.geojson?region=27", "application/geo+json")])
def test_proxy_compresses_geometry_and_exports(topo, path, mimetype):
    r = requests.get(topo.proxy_url + path, headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(mimetype)
    assert r.headers.get("Content-Encoding") == "gzip"
    plain = requests.get(topo.proxy_url + path, headers={"Accept-Encoding": "identity"}, timeout=30).content
    assert len(raw) < len(plain) / 2


def test_errors_of_the_proxy_itself_are_in_french(topo):
    """What nginx refuses itself (an address over 8 KB, a body over 1 MB, headers too big) it says in
    French, with its own status (was nginx's English page); an error of the app passes as it is."""
    cases = [
        (lambda: requests.get(topo.proxy_url + "/?region=" + "9" * 9000, timeout=10), 414, "Adresse trop longue"),
        (lambda: requests.post(topo.proxy_url + "/_dash-update-component", data=b"0" * 1_100_000, timeout=10,
                               headers={"Content-Type": "application/json"}), 413, "Envoi trop volumineux"),
        (lambda: requests.get(topo.proxy_url + "/", headers={"X-Long": "b" * 20_000}, timeout=10), 400,
         "Requête invalide"),
    ]
    for send, status, title in cases:
        r = send()
        assert r.status_code == status, (status, r.status_code)
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        text = r.content.decode("utf-8")
        assert '<html lang=fr>' in text and f"<h1>{title}</h1>" in text and "nginx" not in text, text[:300]
    app_404 = requests.get(topo.proxy_url + "/geo/inconnu.geojson", timeout=10)
    assert app_404.status_code == 404 and "Géométrie inconnue" in app_404.json()["message"]


# --------------------------------------------------------------------------- an instance dies
IDEMPOTENT = [
    ("/", b"_dash-config"),
    ("/_dash-layout", b"kpi-laureats"),
    ("/export.csv?region=27", b"entreprise"),
    ("/export.geojson?region=84", b"FeatureCollection"),
    ("/api/recherche?q=pithiviers", b"resultats"),
    ("/healthz", b"donnees_arretees_au"),
]


def test_killed_instance_loses_no_idempotent_request(deploy_programs, demo_bundle_dir, tmp_path):
    """One instance is killed (SIGKILL, master and workers) while 8 clients keep asking for pages,
    layouts, exports: every GET is answered, by the other instance after nginx's retry."""
    topo = start_topology(demo_bundle_dir, tmp_path / "deploy")
    killed = topo.instances[0]
    results, stop = [], threading.Event()
    lock = threading.Lock()

    def client(seed: int) -> None:
        s = requests.Session()
        i = seed
        while not stop.is_set():
            path, marker = IDEMPOTENT[i % len(IDEMPOTENT)]
            i += 1
            t = time.monotonic()
            try:
                r = s.get(topo.proxy_url + path, timeout=20)
                ok = r.status_code == 200 and marker in r.content
                entry = (t, path, r.status_code if ok else f"{r.status_code} corps incomplet",
                         r.headers.get(UPSTREAM_HEADER, ""))
            except requests.RequestException as exc:
                entry = (t, path, type(exc).__name__, "")
            with lock:
                results.append(entry)

    try:
        with ThreadPoolExecutor(8) as pool:
            for k in range(8):
                pool.submit(client, k)
            time.sleep(3.0)
            kill_time = time.monotonic()
            topo.kill_instance(0)
            time.sleep(5.0)
            stop.set()
        access = topo.access_log.read_text(encoding="utf-8")
    finally:
        topo.stop()
    (ARTIFACTS / "deploy_kill_access.log").write_text(access, encoding="utf-8")

    failed = [r for r in results if r[2] != 200]
    assert not failed, f"{len(failed)} requêtes perdues sur {len(results)} : {failed[:5]}"
    before = [r for r in results if r[0] < kill_time]
    after = [r for r in results if r[0] > kill_time + 0.5]
    assert any(killed.url.split("//")[1] in r[3] for r in before), "l'instance tuée ne servait rien avant"
    assert len(after) > 20
    assert all(r[3].endswith(topo.instances[1].url.split("//")[1]) for r in after)
    # nginx did retry: some requests went to the killed instance first, then to the other one
    retried = [line for line in access.splitlines() if f"upstream={killed.url.split('//')[1]}, " in line]
    assert retried, "aucune requête reprise par nginx : l'arrêt n'a pas eu lieu pendant la charge"


# --------------------------------------------------------------------------- issue 18: hung Redis (defect 4)
def timed_get(url: str, timeout: float = 20.0) -> tuple[requests.Response | str, float]:
    t = time.perf_counter()
    try:
        r = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return type(exc).__name__, time.perf_counter() - t
    return r, time.perf_counter() - t


def test_hung_redis_leaves_exports_and_healthz_fast(topo, rdb):
    """Redis stopped (SIGSTOP: connections accepted, nothing answered): exports are computed without
    it at once, /healthz stays fast; once it answers again the shared cache is used again. Each
    instance logs the outage once."""
    paths = [f"/export.csv?region={r}&taille={t}" for r in ("11", "24", "27", "28", "32", "44", "52", "53")
             for t in ("PME", "ETI")] + ["/healthz"] * 8
    topo.redis.signal_group(signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda p: (p, *timed_get(topo.proxy_url + p)), paths))
    finally:
        topo.redis.signal_group(signal.SIGCONT)
    failed = [(p, r) for p, r, _ in answers if isinstance(r, str) or r.status_code != 200]
    assert not failed, f"requêtes en échec avec Redis arrêté : {failed[:4]}"
    slow = sorted(((round(dt, 1), p) for p, _, dt in answers), reverse=True)
    assert slow[0][0] < 3.0, f"réponses lentes avec Redis arrêté : {slow[:4]}"

    time.sleep(1.2)  # TEST_ENV: the shared cache is tried again 1 s after the last failure
    writes = redis_counters(rdb)["writes"]
    for inst in topo.instances:
        assert requests.get(inst.url + "/export.csv?region=75&taille=PME", timeout=20).status_code == 200
        requests.get(inst.url + "/export.csv?region=76&taille=ETI", timeout=20)
    assert redis_counters(rdb)["writes"] > writes, "Redis n'est plus utilisé une fois revenu"
    for inst in topo.instances:
        log = inst.log.read_text(encoding="utf-8", errors="replace")
        assert log.count("Cache partagé indisponible") <= WORKERS, f"{inst.name} : panne journalisée plus d'une fois"
    assert sum(inst.log.read_text(encoding="utf-8", errors="replace").count("Cache partagé indisponible")
               for inst in topo.instances) >= 1, "la panne de Redis n'est journalisée nulle part"


# --------------------------------------------------------------------------- issue 18: heavy exports (defect 5)
HEAVY_EXPORTS = heavy_export_paths(20)


def test_twenty_heavy_exports_leave_healthz_fast(topo):
    """20 concurrent decks, images and workbooks through the proxy: each instance computes
    TI_EXPORTS_LOURDS of them, refuses the others at once (503, Retry-After, French), and /healthz
    stays fast meanwhile."""
    assert len(HEAVY_EXPORTS) == 20
    stop, health = threading.Event(), []

    def probe():
        while not stop.is_set():
            r, dt = timed_get(topo.proxy_url + "/healthz", timeout=20)
            health.append((dt, getattr(r, "status_code", r)))
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda path: timed_get(topo.proxy_url + path, 120), HEAVY_EXPORTS))
    stop.set()
    prober.join(30)
    codes = [getattr(r, "status_code", r) for r, _ in answers]
    assert set(codes) <= {200, 503}, codes
    assert codes.count(200) >= 1
    busy = [(r, dt) for r, dt in answers if r.status_code == 503]
    for r, _ in busy:
        assert int(r.headers["Retry-After"]) > 0 and "réessayez" in r.json()["message"], r.text
    assert busy and max(dt for _, dt in busy) < 2.0, f"503 lents : {sorted(round(dt, 2) for _, dt in busy)}"
    assert health and all(code == 200 for _, code in health), health
    times = sorted(dt for dt, _ in health)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    assert p95 < 1.0, f"/healthz p95 {p95:.2f} s pendant 20 exports lourds (médiane {statistics.median(times):.2f} s)"


# --------------------------------------------------------------------------- issue 18: hung instance (defect 6)
def both_instances_live(topo, timeout: float = 30.0) -> None:
    """Return once the proxy has sent a request to each instance and had its answer: an instance it
    marked failed in an earlier test of the module (passive check, ``fail_timeout=10s``) is live again.
    Until a request to it has succeeded, nginx lets one request at a time try it and answers the others
    « no live upstreams » (502) when the other instance fails too."""
    addresses = {i.url.split("//")[1] for i in topo.instances}
    seen, end = set(), time.monotonic() + timeout
    while seen != addresses:
        assert time.monotonic() < end, f"instances jamais vues saines par le proxy : {addresses - seen}"
        r = requests.get(topo.proxy_url + "/healthz", timeout=20)
        if r.status_code == 200 and r.headers.get(UPSTREAM_HEADER) in addresses:
            seen.add(r.headers[UPSTREAM_HEADER])
        if seen != addresses:
            time.sleep(0.2)


def test_get_on_a_hung_instance_is_replayed_on_the_other(topo):
    """One instance stopped (SIGSTOP: it accepts connections, answers nothing): every GET is answered
    by the other one after the proxy's read timeout, and the hung one is then left alone. (Both start
    live for the proxy: in a CI run the other one was still marked failed by the heavy-exports test,
    and three of the four GETs were answered 502.)"""
    both_instances_live(topo)
    hung, other = (i.url.split("//")[1] for i in topo.instances)
    paths = ["/_dash-layout", "/healthz", "/export.csv?region=27", "/api/recherche?q=pithiviers"]
    topo.instances[0].signal_group(signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(len(paths)) as pool:
            answers = list(pool.map(lambda p: requests.get(topo.proxy_url + p, timeout=20), paths))
        later = [timed_get(topo.proxy_url + "/healthz", timeout=20) for _ in range(5)]
    finally:
        topo.instances[0].signal_group(signal.SIGCONT)
    assert [r.status_code for r in answers] == [200] * len(paths)
    assert any(r.headers[UPSTREAM_HEADER] == f"{hung}, {other}" for r in answers), \
        "aucune requête envoyée d'abord à l'instance arrêtée"
    # passive health check: the hung instance is out of the upstream for a while
    assert all(r.status_code == 200 and r.headers[UPSTREAM_HEADER] == other and dt < 2.0 for r, dt in later), \
        [(r.headers.get(UPSTREAM_HEADER), round(dt, 2)) for r, dt in later]


def test_proxy_timeouts_let_a_timed_out_get_be_replayed():
    """Every location of proxy.conf: the retry window is longer than connect + read timeouts."""
    text = (ROOT / "deploy" / "nginx" / "proxy.conf").read_text(encoding="utf-8")
    text = re.sub(r"#[^\n]*", "", text)
    top = re.sub(r"location[^{]*\{[^}]*\}", "", text)

    def seconds(block, name, default=None):
        m = re.search(rf"\b{name}\s+(\d+)s\s*;", block)
        return int(m.group(1)) if m else default

    blocks = re.findall(r"location[^{]*\{([^}]*)\}", text)
    assert blocks, "proxy.conf : aucun bloc location"
    connect = seconds(top, "proxy_connect_timeout")
    for block in blocks:
        read = seconds(block, "proxy_read_timeout", seconds(top, "proxy_read_timeout", 60))
        window = seconds(block, "proxy_next_upstream_timeout", seconds(top, "proxy_next_upstream_timeout"))
        assert window > connect + read, (block.strip(), connect, read, window)
    # the long-timeout location is the heavy formats of the export registry, no more, no less
    regexes = re.findall(r"location ~ (\S+) \{", text)
    assert len(regexes) == 1, regexes
    exports = re.compile(regexes[0])
    assert {f.path: bool(exports.match("/" + f.path)) for f in EXPORTS} == {f.path: f.heavy for f in EXPORTS}


def test_proxy_drops_idle_connections_before_gunicorn_does():
    """Every upstream block (the Debian site, the compose site, the local topology) keeps idle connections
    to the instances for less time than gunicorn's ``keepalive``: otherwise nginx may send a request on a
    connection gunicorn is closing (reset: a GET is replayed and the instance marked failed for 10 s, a
    POST is a 502). nginx's default is 60 s, gunicorn's setting 2 s."""
    conf = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    gunicorn = float(re.search(r"^keepalive\s*=\s*(\d+(?:\.\d+)?)", conf, re.M).group(1))
    for path in ("deploy/nginx/territoires-industrie.conf", "deploy/nginx/compose.conf", "deploy/local.py"):
        text = (ROOT / path).read_text(encoding="utf-8").replace("{servers}", "")  # local.py's template
        upstream = re.search(r"upstream territoires_industrie \{+([^}]*)\}", text)
        assert upstream, path
        m = re.search(r"\bkeepalive_timeout\s+(\d+)s\s*;", upstream.group(1))
        idle = int(m.group(1)) if m else 60
        assert idle < gunicorn, (path, idle, gunicorn)


# --------------------------------------------------------------------------- issue 18: truncated bodies (defect 7)
def test_page_retries_failed_callbacks_and_says_so_in_french(topo):
    """The callbacks' POSTs fail (network error, as when an instance dies: nginx never replays a POST):
    the page tries again and the view updates; when the server stays unreachable, a French message
    says so, and goes at the next success."""
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.support.browser import chrome, click_label
    driver = chrome()
    try:
        driver.get(topo.proxy_url + "/?region=27")
        driver.execute_cdp_cmd("Network.enable", {})

        def block(on: bool) -> None:
            driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*_dash-update-component*"] if on else []})

        def choose(label: str) -> None:
            click_label(driver, label)

        def kpi() -> str:
            return driver.find_element("id", "kpi-laureats").text

        before = WebDriverWait(driver, 60, 0.2).until(
            lambda d: d.find_elements("id", "kpi-laureats") and d.find_element("id", "kpi-laureats").text)
        time.sleep(0.5)  # the first view's callbacks are done
        block(True)
        choose("Dans un TI")
        time.sleep(0.8)  # the first tries fail
        block(False)
        WebDriverWait(driver, 10, 0.2).until(lambda d: kpi() != before)
        inside = kpi()
        assert not driver.find_elements("id", "reprise-alerte")

        block(True)
        choose("Hors TI")
        alert = WebDriverWait(driver, 15, 0.2).until(lambda d: d.find_elements("id", "reprise-alerte"))[0]
        assert alert.get_attribute("role") == "alert" and "Le serveur ne répond pas" in alert.text
        assert kpi() == inside
        block(False)
        choose("Dans un TI")
        choose("Hors TI")
        WebDriverWait(driver, 10, 0.2).until(lambda d: not d.find_elements("id", "reprise-alerte") and kpi() != inside)
    finally:
        driver.quit()


class DyingUpstream:
    """An app instance on loopback killed while it answers: ``/healthz`` is whole, any other path gets
    its headers (``Content-Length: 200000``) and half its body, then the connection closes."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                if b" /healthz " in head:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
                                 b"Connection: close\r\n\r\n{\"statut\":\"ok\"}")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n"
                                 b"\r\n[" + b"1," * 50000)


def raw_get(port: int, path: str, version: str, encoding: str) -> tuple[dict, bytes]:
    """(headers, body as received until the connection closed) of one GET, by hand."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(f"GET {path} {version}\r\nHost: 127.0.0.1\r\nAccept-Encoding: {encoding}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return {"status": lines[0].split()[1], **{k.strip().lower(): v.strip() for k, v in
                                              (line.split(":", 1) for line in lines[1:])}}, body


CLIENTS = [("HTTP/1.1", "gzip"), ("HTTP/1.1", "identity"), ("HTTP/1.0", "gzip"), ("HTTP/1.0", "identity")]


def cut_is_visible(headers: dict, body: bytes) -> bool:
    """A client can tell the body is incomplete: shorter than its Content-Length, or chunks without the last."""
    if "content-length" in headers:
        return len(body) < int(headers["content-length"])
    return headers.get("transfer-encoding") == "chunked" and not body.endswith(b"0\r\n\r\n")


def test_a_response_cut_by_a_dying_instance_never_looks_whole(deploy_programs, demo_bundle_dir, tmp_path):
    """A 200 whose instance died mid-body keeps a length the client can check (nginx cannot take the
    status back): through the production proxy settings, for HTTP/1.1 and HTTP/1.0 clients, with and
    without compression. assets/reprise.js then tries the page's own requests again."""
    upstream = DyingUpstream()
    topo = Topology(demo_bundle_dir, instances=1, workdir=tmp_path / "proxy")
    topo.instances[0].port = upstream.port
    try:
        topo.start_proxy()
        for version, encoding in CLIENTS:
            headers, body = raw_get(topo.nginx.port, "/_dash-layout", version, encoding)
            assert headers["status"] == "200"
            assert cut_is_visible(headers, body), (version, encoding, headers, len(body))
    finally:
        topo.nginx.stop(signal.SIGQUIT)
        upstream.sock.close()


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies", "/geo/epci.geojson",
                                  "/export.csv?region=27", "/export.xlsx?region=27", "/healthz"])
def test_every_answer_through_the_proxy_has_a_checkable_length(topo, path):
    """What makes a cut visible: a Content-Length, or chunks (HTTP/1.1 only). An answer delimited
    by the end of the connection would look whole when cut."""
    for version, encoding in CLIENTS:
        headers, body = raw_get(topo.nginx.port, path, version, encoding)
        assert headers["status"] == "200", (path, version)
        if version == "HTTP/1.0" or "content-length" in headers:
            assert int(headers["content-length"]) == len(body), (path, version, encoding, headers)
        else:
            assert headers.get("transfer-encoding") == "chunked" and body.endswith(b"0\r\n\r\n"), (path, headers)


# --------------------------------------------------------------------------- issue 18: Redis dies (defect 8)
def redis_pid(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"INFO server\r\n")
        data = b""
        while b"process_id:" not in data or not data.endswith(b"\r\n\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(re.search(rb"process_id:(\d+)", data).group(1))


def test_local_topology_restarts_redis_and_keeps_serving(deploy_programs, demo_bundle_dir, tmp_path):
    """``python deploy/local.py``: Redis killed (SIGKILL) -> logged, restarted on its port; nginx and
    the instances keep serving all along."""
    out = tmp_path / "local.out"
    with open(out, "wb") as sink:
        proc = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "local.py"), "--bundle", str(demo_bundle_dir),
                                 "--source-dir", str(SHARED), "--instances", "1", "--threads", "2",
                                 "--workdir", str(tmp_path / "w")],
                                cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        t0 = time.monotonic()
        while "Carte :" not in out.read_text(encoding="utf-8"):
            assert proc.poll() is None, out.read_text(encoding="utf-8")
            assert time.monotonic() - t0 < 180, out.read_text(encoding="utf-8")
            time.sleep(0.3)
        text = out.read_text(encoding="utf-8")
        proxy = re.search(r"Carte : (http://127\.0\.0\.1:\d+)/", text).group(1)
        redis_port = int(re.search(r"redis://127\.0\.0\.1:(\d+)/0", text).group(1))
        old_pid = redis_pid(redis_port)
        os.kill(old_pid, signal.SIGKILL)
        codes, new_pid, t0 = [], None, time.monotonic()
        while new_pid is None and time.monotonic() - t0 < 10:
            codes.append(requests.get(proxy + "/export.csv?region=27", timeout=10).status_code)
            try:
                new_pid = redis_pid(redis_port)
            except OSError:
                time.sleep(0.2)
        codes += [requests.get(proxy + "/export.csv?region=53", timeout=10).status_code for _ in range(3)]
        assert proc.poll() is None, "deploy/local.py s'est arrêté quand Redis est mort :\n" + \
            out.read_text(encoding="utf-8")
        assert set(codes) == {200}, codes
        assert new_pid not in (None, old_pid), "Redis n'a pas été redémarré sur son port"
        assert "redis-server s'est arrêté" in out.read_text(encoding="utf-8")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
