"""Gunicorn settings: ``gunicorn app:server`` (this file is read from the current directory).

Environment variables
---------------------
HOST, PORT
    Listening address (default ``127.0.0.1:8050``; ``HOST=0.0.0.0`` in a container).
WEB_CONCURRENCY
    Worker processes (default 2).
GUNICORN_THREADS
    Threads per worker (default 16: a slow client holds one thread, so a handful of
    them must not hold them all).
GUNICORN_IO_TIMEOUT
    Seconds a request has to be read and answered before its connection is closed
    (default 30; see ``gunicorn_worker.py``).
GUNICORN_TIMEOUT
    Seconds before a silent worker is restarted (default 60).
FORWARDED_ALLOW_IPS
    Proxies whose ``X-Forwarded-*`` headers are trusted (default ``127.0.0.1``).
LOG_LEVEL
    Gunicorn's log level (default ``info``).

The data bundle is loaded once in the master (``preload_app``) and shared by
the forked workers; ``app.py`` builds it first when it is missing or stale.
"""
import os

import settings  # the project's settings table (gunicorn puts the current directory on sys.path first)

_host = settings.get("HOST")
if ":" in _host and not _host.startswith("["):  # IPv6 literal
    _host = f"[{_host}]"

wsgi_app = "app:server"
bind = [f"{_host}:{settings.get('PORT')}"]
workers = settings.get("WEB_CONCURRENCY")
worker_class = "gunicorn_worker.DeadlineThreadWorker"  # gthread + an I/O deadline per request
threads = settings.get("GUNICORN_THREADS")
preload_app = True  # the bundle is read once, before fork

timeout = settings.get("GUNICORN_TIMEOUT")
graceful_timeout = 30
keepalive = 2  # an idle kept-alive connection costs no thread (poller), but a file descriptor; nginx's
# upstream keepalive_timeout (deploy/nginx) is shorter, so that nginx never reuses a connection gunicorn is closing
max_requests = 2000  # recycle workers now and then (memory), staggered
max_requests_jitter = 200

# Request limits (the app's own limit on bodies is TI_MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

forwarded_allow_ips = settings.get("FORWARDED_ALLOW_IPS")
proxy_allow_ips = forwarded_allow_ips

accesslog = "-"
errorlog = "-"
loglevel = settings.get("LOG_LEVEL")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat file in memory (containers with a slow /tmp)

control_socket_disable = True  # no runtime control socket (gunicornc) in production
proc_name = "territoires-industrie"
