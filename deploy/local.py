"""The production topology on this machine, on loopback, without root: Debian's nginx in front of
two independent ``gunicorn app:server`` instances sharing one Debian ``redis-server`` and one data
bundle::

    client ── nginx (buffers, gzip, retries) ──┬── gunicorn app:server  (instance 1) ──┐
                                               └── gunicorn app:server  (instance 2) ──┴── redis-server

Every configuration file and log goes to one temporary directory; every port is a free one.
nginx reads ``deploy/nginx/proxy.conf`` (the same file as the production site) and Redis
``deploy/redis.conf``; the instances read ``gunicorn.conf.py``.

Command line::

    python -m geodata build --source-dir ../shared/data --out /tmp/lot --quiet
    python deploy/local.py --bundle /tmp/lot          # Ctrl-C stops everything
    python deploy/local.py --build ../shared/data     # builds the bundle in the temp dir first

The command supervises what it started: a process that stops (Redis that crashes, an instance
killed) is logged and started again on the same port while the others keep serving; only a
process that stops again and again (``MAX_RESTARTS`` times in ``RESTART_WINDOW`` seconds) stops
everything.

From Python (``tests/deploy/test_deploy.py``, ``bench/serve.py``)::

    with Topology(bundle_dir) as topo:
        topo.proxy_url, topo.instances[0].url, topo.redis_url
        topo.kill_instance(0)

Environment: ``NGINX`` and ``REDIS_SERVER`` (programs, default: found on ``PATH`` or in
``/usr/sbin``, ``/usr/bin``).
"""
from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROXY_CONF = DEPLOY / "nginx" / "proxy.conf"
REDIS_CONF = DEPLOY / "redis.conf"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

#: Response header added by the *local* proxy only: which instance(s) answered ("a" or "a, b" after a
#: retry). Tests and the benchmark read it; the production site does not expose its addresses.
UPSTREAM_HEADER = "X-Amont"
#: A process restarted this many times within RESTART_WINDOW seconds is given up (everything stops).
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


class TopologyError(RuntimeError):
    """A program is missing or a process did not start; the message says which and where its log is."""


def find_program(name: str, env_var: str) -> str | None:
    """Path of ``name`` (``$env_var`` first, then ``PATH``, then ``/usr/sbin`` and ``/usr/bin``)."""
    explicit = os.environ.get(env_var)
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which(name)
    if found:
        return found
    for d in ("/usr/sbin", "/usr/bin", "/sbin"):
        if os.access(Path(d) / name, os.X_OK):
            return str(Path(d) / name)
    return None


def missing_programs() -> list[str]:
    """Names of the Debian programs the topology needs and this machine lacks."""
    return [name for name, var in (("nginx", "NGINX"), ("redis-server", "REDIS_SERVER"))
            if find_program(name, var) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (loopback URL built here)
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Process:
    """A process started by the topology, in its own session (so its workers go with it)."""

    name: str
    args: list
    log: Path
    port: int
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict, cwd: Path) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise TopologyError(f"{self.name} s'est arrêté (code {self.proc.returncode}) ; "
                                f"journal {self.log} :\n{_tail(self.log)}")

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to this process and the children it started (its own process group)."""
        if self.alive():
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        if self.proc is None:
            return
        self.signal_group(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.proc.wait(10)
        # workers left behind by a master that died first
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Topology:
    """nginx -> ``instances`` x ``gunicorn app:server`` -> one redis-server, on loopback.

    Parameters
    ----------
    bundle_dir : path
        Prebuilt data bundle, shared by every instance (``TI_BUNDLE_DIR``).
    source_dir : path, optional
        ``TI_SOURCE_DIR`` of the instances (they check the bundle against it).
    instances : int
        Number of app instances (default 2).
    workers, threads : int
        ``WEB_CONCURRENCY`` and ``GUNICORN_THREADS`` of each instance.
    workdir : path, optional
        Where configuration files, temporary files and logs go (default: a new temp dir).
    extra_env : dict, optional
        More environment variables for the instances.
    nginx_workers : int
        nginx ``worker_processes``.
    """

    def __init__(self, bundle_dir, *, source_dir=None, instances: int = 2, workers: int = 1, threads: int = 4,
                 workdir=None, extra_env: dict | None = None, nginx_workers: int = 1, proxy_port: int | None = None):
        missing = missing_programs()
        if missing:
            raise TopologyError(f"programme(s) introuvable(s) : {', '.join(missing)} "
                                f"(Debian : apt-get install nginx redis-server)")
        self.bundle_dir = Path(bundle_dir).resolve()
        if not (self.bundle_dir / "manifest.json").is_file():
            raise TopologyError(f"{self.bundle_dir} n'est pas un lot de données (manifest.json absent) ; "
                                "construisez-le : python -m geodata build --source-dir DOSSIER --out "
                                f"{self.bundle_dir}")
        self.source_dir = Path(source_dir).resolve() if source_dir else None
        self.workers, self.threads = workers, threads
        self.extra_env = dict(extra_env or {})
        self.nginx_workers = nginx_workers
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="ti-deploy-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis = Process("redis-server", [], self.workdir / "redis.log", free_port())
        self.instances = [Process(f"instance {i + 1}", [], self.workdir / f"instance-{i + 1}.log", free_port())
                          for i in range(instances)]
        self.nginx = Process("nginx", [], self.workdir / "nginx" / "error.log", proxy_port or free_port())
        self._restarts: dict[str, list[float]] = {}

    # ------------------------------------------------------------------ addresses
    @property
    def proxy_url(self) -> str:
        return self.nginx.url

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/0"

    @property
    def access_log(self) -> Path:
        return self.workdir / "nginx" / "access.log"

    # ------------------------------------------------------------------ configuration
    def nginx_conf(self) -> str:
        d = self.workdir / "nginx"
        user = ""
        if os.geteuid() == 0:  # nginx's workers drop root: give them the temp dirs
            user = f"user nobody {grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name};"
        servers = "\n".join(f"        server 127.0.0.1:{p.port} max_fails=1 fail_timeout=10s;" for p in self.instances)
        return f"""# Generated by deploy/local.py: the production site (deploy/nginx/territoires-industrie.conf)
# on loopback, non-root paths. The proxy settings are the production ones (include below).
{user}
worker_processes {self.nginx_workers};
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    log_format ti '$msec $remote_addr "$request" $status $body_bytes_sent $request_time '
                  'upstream=$upstream_addr upstream_status=$upstream_status upstream_time=$upstream_response_time';
    access_log {d}/access.log ti;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;

    upstream territoires_industrie {{
        least_conn;
{servers}
        keepalive 16;
        keepalive_timeout 1s;
    }}

    server {{
        listen 127.0.0.1:{self.nginx.port};
        server_name _;
        include {PROXY_CONF};
        add_header {UPSTREAM_HEADER} $upstream_addr always;   # local only: which instance answered
    }}
}}
"""

    def _prepare_nginx(self) -> Path:
        d = self.workdir / "nginx"
        d.mkdir(exist_ok=True)
        temp_dirs = [d / n for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
        for t in temp_dirs:
            t.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for t in temp_dirs:
                os.chown(t, nobody.pw_uid, nobody.pw_gid)
            for p in (self.workdir, d):
                p.chmod(p.stat().st_mode | 0o011)  # traversable by nginx's workers
        conf = d / "nginx.conf"
        conf.write_text(self.nginx_conf(), encoding="utf-8")
        return conf

    def instance_env(self, inst: Process) -> dict:
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(inst.port), "WEB_CONCURRENCY": str(self.workers),
               "GUNICORN_THREADS": str(self.threads), "REDIS_URL": self.redis_url,
               "TI_BUNDLE_DIR": str(self.bundle_dir), "FORWARDED_ALLOW_IPS": "127.0.0.1"}
        env.setdefault("TI_OFFLINE", "1")
        if self.source_dir:
            env["TI_SOURCE_DIR"] = str(self.source_dir)
        env.update(self.extra_env)
        return env

    # ------------------------------------------------------------------ life cycle
    def start(self, timeout: float = 180.0) -> "Topology":
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, proc: Process, ready, timeout: float) -> None:
        t0 = time.monotonic()
        while not ready():
            proc.check()
            if time.monotonic() - t0 > timeout:
                raise TopologyError(f"{proc.name} ne répond pas après {timeout:.0f} s ; journal {proc.log} :\n"
                                    f"{_tail(proc.log)}")
            time.sleep(0.2)

    def _start(self, timeout: float) -> None:
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir(exist_ok=True)
        self.redis.args = [find_program("redis-server", "REDIS_SERVER"), str(REDIS_CONF), "--port",
                           str(self.redis.port), "--bind", "127.0.0.1", "--dir", str(redis_dir)]
        self.redis.start(dict(os.environ), self.workdir)
        self._wait(self.redis, self.redis_ping, 30)

        for inst in self.instances:
            inst.args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "app:server"]
            inst.start(self.instance_env(inst), ROOT)
        for inst in self.instances:
            self._wait(inst, lambda i=inst: _http_ok(i.url + "/healthz"), timeout)
        self.start_proxy()

    def start_proxy(self) -> None:
        """Write the nginx configuration, check it (``nginx -t``), start nginx and wait until
        ``/healthz`` answers through it."""
        conf = self._prepare_nginx()
        nginx = find_program("nginx", "NGINX")
        test = subprocess.run([nginx, "-t", "-q", "-p", str(conf.parent), "-c", str(conf), "-e",
                               str(self.nginx.log)], capture_output=True, text=True)
        if test.returncode != 0:
            raise TopologyError(f"configuration nginx refusée ({conf}) :\n{test.stderr.strip()}")
        self.nginx.args = [nginx, "-p", str(conf.parent), "-c", str(conf), "-e", str(self.nginx.log)]
        self.nginx.start(dict(os.environ), self.workdir)
        self._wait(self.nginx, lambda: _http_ok(self.proxy_url + "/healthz"), 30)

    def redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def processes(self) -> list[Process]:
        return [self.redis, *self.instances, self.nginx]

    def _env_of(self, proc: Process) -> tuple[dict, Path]:
        if proc in self.instances:
            return self.instance_env(proc), ROOT
        return dict(os.environ), self.workdir

    def supervise(self) -> list[str]:
        """Start again, same command and port, every process of the topology that has stopped.

        Redis is only a cache: while it restarts the instances serve without it. A process
        restarted ``MAX_RESTARTS`` times in ``RESTART_WINDOW`` seconds raises :class:`TopologyError`.

        Returns
        -------
        list of str
            One French line per restart (for the console).
        """
        lines = []
        for proc in self.processes():
            if proc.proc is None or proc.alive():
                continue
            code = proc.proc.returncode
            proc.stop(signal.SIGKILL, timeout=5)  # children left behind (an instance's workers) go too
            now = time.monotonic()
            recent = [t for t in self._restarts.get(proc.name, []) if now - t < RESTART_WINDOW] + [now]
            self._restarts[proc.name] = recent
            if len(recent) > MAX_RESTARTS:
                raise TopologyError(f"{proc.name} s'est arrêté {len(recent)} fois en {RESTART_WINDOW:.0f} s "
                                    f"(code {code}) ; journal {proc.log} :\n{_tail(proc.log)}")
            env, cwd = self._env_of(proc)
            proc.start(env, cwd)
            what = " ; les instances servent sans cache partagé en attendant" if proc is self.redis else ""
            lines.append(f"{time.strftime('%H:%M:%S')} {proc.name} s'est arrêté (code {code}) : redémarré sur "
                         f"le port {proc.port}{what} (journal {proc.log}).")
        return lines

    def kill_instance(self, index: int) -> None:
        """Kill instance ``index`` at once (SIGKILL to its master and workers), as a crash would."""
        inst = self.instances[index]
        inst.signal_group(signal.SIGKILL)
        inst.proc.wait(10)

    def stop(self) -> None:
        self.nginx.stop(signal.SIGQUIT)
        for inst in self.instances:  # all at once: each takes a few seconds to finish gracefully
            inst.signal_group(signal.SIGTERM)
        for inst in self.instances:
            inst.stop(signal.SIGTERM)
        self.redis.stop(signal.SIGTERM)

    def remove(self) -> None:
        """Delete the working directory (only when the topology created it)."""
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Topology":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> str:
        lines = [f"proxy nginx      {self.proxy_url}   (journal {self.access_log})"]
        lines += [f"{inst.name:<16} {inst.url}   (journal {inst.log})" for inst in self.instances]
        lines.append(f"redis-server     {self.redis_url}   (journal {self.redis.log})")
        lines.append(f"lot de données   {self.bundle_dir}")
        return "\n".join(lines)


def build_bundle(source_dir, out) -> Path:
    """``python -m geodata build --source-dir source_dir --out out --quiet`` (about 20 s)."""
    out = Path(out)
    subprocess.run([sys.executable, "-m", "geodata", "build", "--source-dir", str(source_dir), "--out", str(out),
                    "--quiet"], cwd=ROOT, check=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Démarre nginx, deux instances gunicorn et Redis sur la boucle locale.")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--bundle", help="lot de données déjà construit (TI_BUNDLE_DIR des instances)")
    g.add_argument("--build", metavar="SOURCES", help="construit d'abord le lot depuis ce dossier de sources")
    p.add_argument("--source-dir", help="TI_SOURCE_DIR des instances")
    p.add_argument("--port", type=int, help="port du proxy (défaut : un port libre)")
    p.add_argument("--instances", type=int, default=2)
    p.add_argument("--workers", type=int, default=1, help="WEB_CONCURRENCY de chaque instance")
    p.add_argument("--threads", type=int, default=4, help="GUNICORN_THREADS de chaque instance")
    p.add_argument("--workdir", help="dossier des configurations et journaux (défaut : dossier temporaire)")
    args = p.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ti-deploy-"))
    if args.build:
        print(f"Construction du lot depuis {args.build} …", flush=True)
        bundle = build_bundle(args.build, workdir / "processed")
    else:
        bundle = Path(args.bundle)
    try:
        topo = Topology(bundle, source_dir=args.source_dir, instances=args.instances, workers=args.workers,
                        threads=args.threads, workdir=workdir, proxy_port=args.port)
        topo.start()
    except TopologyError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    print(topo.describe())
    print(f"\nCarte : {topo.proxy_url}/   (Ctrl-C pour tout arrêter)", flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        while not stop:
            for line in topo.supervise():
                print(line, flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except TopologyError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        topo.stop()
        return 1
    topo.stop()
    print("Arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
