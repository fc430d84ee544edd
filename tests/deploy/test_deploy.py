"""The multi-instance deployment, started for real on loopback by ``deploy/local.py``: Debian's nginx
(deploy/nginx/proxy.conf) in front of two ``gunicorn app:server`` instances sharing one Debian
redis-server and one data bundle.

Skipped when nginx or redis-server is missing, except under ``CI=true`` (then it fails).
Select with ``pytest -m deploy``.
"""
from __future__ import annotations

import os
import pickle
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from deploy.local import UPSTREAM_HEADER, Topology, missing_programs

from tests.conftest import ARTIFACTS, SHARED

pytestmark = pytest.mark.deploy

WORKERS, THREADS = 1, 4  # per instance: 2 x 1 x 4 = 8 request threads in all


def require_programs() -> None:
    missing = missing_programs()
    if missing:
        msg = (f"programme(s) Debian absent(s) : {', '.join(missing)} — apt-get install nginx redis-server "
               "(test du déploiement nginx + 2 instances + Redis)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def start_topology(bundle_dir, workdir) -> Topology:
    return Topology(bundle_dir, source_dir=SHARED, workers=WORKERS, threads=THREADS, workdir=workdir).start()


def assert_clean_logs(topo: Topology) -> None:
    for inst in topo.instances:
        text = inst.log.read_text(encoding="utf-8", errors="replace")
        bad = [line for line in text.splitlines() if '" 50' in line or "Traceback" in line]
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
