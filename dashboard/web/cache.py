"""Caches of the app: values are bytes or JSON (never pickles), and what is kept in
the process is bounded in bytes.

* :class:`SafeRedisSerializer` replaces the pickle serializer of Flask-Caching's
  ``RedisCache`` (set by :func:`get_cache`): a writable Redis
  can then hand the app only bytes or JSON, never code to run.
* :class:`BytesLRU`: in-process least-recently-used cache of ``bytes``, bounded
  in bytes (and per entry).
* :class:`ExportCache`: export bodies (CSV, GeoJSON) keyed on the rows they hold.
  With Redis (``REDIS_URL``) they are shared by every process; bound Redis with
  ``maxmemory`` and ``maxmemory-policy allkeys-lru``. Without Redis each process
  keeps a :class:`BytesLRU` of ``TI_EXPORT_CACHE_MO`` megabytes (default 64).
* :class:`CircuitBreaker`: a Redis that fails or hangs (``TI_REDIS_TIMEOUT`` per call at most) is
  left alone for ``TI_REDIS_PAUSE`` seconds, then tried again; meanwhile the process's own
  :class:`BytesLRU` serves. Logged once per outage.
* :func:`get_cache`: the app's shared Flask-Caching cache (Redis when ``REDIS_URL`` is set).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict

import settings

log = logging.getLogger("dashboard.web.cache")

#: Largest export body stored (bigger ones are computed for each request).
MAX_EXPORT_ENTRY_BYTES = 16 * 1024 * 1024
EXPORT_TIMEOUT = 3600

_BYTES, _JSON, _INT = b"B", b"J", b"I"


class SafeRedisSerializer:
    """Serializer for cachelib's ``RedisCache``: ``bytes`` stored as they are (one tag
    byte first), other values as JSON; anything else read back (a pickle planted in
    Redis, for instance) is a cache miss, never unpickled.

    Integers are stored as plain ASCII, as cachelib expects for ``inc``/``dec``.
    """

    def dumps(self, value, protocol=None) -> bytes:  # noqa: ARG002 (cachelib's signature)
        if type(value) is int:
            return str(value).encode("ascii")
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _BYTES + bytes(value)
        return _JSON + json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")

    def loads(self, value):
        if value is None:
            return None
        value = bytes(value)
        tag, body = value[:1], value[1:]
        if tag == _BYTES:
            return body
        if tag == _JSON:
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                log.warning("Valeur illisible dans le cache partagé : ignorée.")
                return None
        if value.isdigit() or (value[:1] == b"-" and value[1:].isdigit()):
            return int(value)
        log.warning("Valeur inattendue dans le cache partagé (préfixe %r) : ignorée, jamais désérialisée.",
                    value[:1])
        return None


class BytesLRU:
    """Thread-safe LRU cache of ``bytes`` values, bounded in bytes.

    Parameters
    ----------
    max_bytes : int
        Total size of the values kept; the least recently used go first.
    max_entry_bytes : int, optional
        Values larger than this are not kept (default: ``max_bytes``).
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max(int(max_bytes), 0)
        self.max_entry_bytes = min(self.max_bytes, max_entry_bytes if max_entry_bytes is not None else self.max_bytes)
        self._data: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            value, expires = item
            if expires and expires < time.monotonic():
                del self._data[key]
                self._size -= len(value)
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, timeout: float = 0) -> bool:
        """Keep ``value`` (``timeout`` seconds, 0: no expiry); False when it is too large."""
        if not isinstance(value, bytes) or len(value) > self.max_entry_bytes:
            return False
        expires = time.monotonic() + timeout if timeout else 0.0
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._data[key] = (value, expires)
            self._size += len(value)
            while self._size > self.max_bytes and self._data:
                _, (gone, _) = self._data.popitem(last=False)
                self._size -= len(gone)
        return True


def _export_cache_bytes(environ=None) -> int:
    return int(settings.get("TI_EXPORT_CACHE_MO", environ) * 1024 * 1024)


class CircuitBreaker:
    """Whether to call the shared cache: not for ``pause`` seconds after a failure, then again.

    The first failure of an outage is logged (a warning), the recovery too; failures of the
    retries in between are not (one line per outage, not one per request).

    Parameters
    ----------
    pause : float
        Seconds the shared cache is bypassed after a failure (``TI_REDIS_PAUSE``).
    clock : callable, optional
        Monotonic clock in seconds (tests).
    """

    def __init__(self, pause: float, clock=time.monotonic):
        self.pause = float(pause)
        self._clock = clock
        self._retry_at = 0.0
        self._down = False
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        """True from a failure to the next success."""
        return self._down

    def allows(self) -> bool:
        """True when the shared cache may be called (no failure in the last ``pause`` seconds)."""
        return self._clock() >= self._retry_at

    def failed(self, exc: BaseException) -> None:
        """Record a failure: the shared cache is bypassed for ``pause`` seconds."""
        with self._lock:
            first = not self._down
            self._down = True
            self._retry_at = self._clock() + self.pause
        if first:
            log.warning("Cache partagé indisponible (%s : %s) : exports servis par le cache du processus, "
                        "nouvel essai toutes les %g s.", type(exc).__name__, exc, self.pause)

    def succeeded(self) -> None:
        """Record a success (ends an outage)."""
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                log.warning("Cache partagé de nouveau disponible.")


class ExportCache:
    """Export bodies, in the shared Redis cache when there is one, else in a :class:`BytesLRU`.

    While the shared cache fails (see :class:`CircuitBreaker`), the :class:`BytesLRU` serves.

    Parameters
    ----------
    shared : flask_caching.Cache or None
        The app's shared cache, used only when it is Redis (values stored as bytes).
    max_bytes : int, optional
        Bound of the in-process cache (default: ``TI_EXPORT_CACHE_MO``).
    breaker : CircuitBreaker, optional
        Default: one pausing ``TI_REDIS_PAUSE`` seconds.
    """

    def __init__(self, shared=None, max_bytes: int | None = None, breaker: CircuitBreaker | None = None):
        self.shared = shared
        self.local = BytesLRU(_export_cache_bytes() if max_bytes is None else max_bytes, MAX_EXPORT_ENTRY_BYTES)
        self.breaker = breaker or CircuitBreaker(settings.get("TI_REDIS_PAUSE"))

    def get_or_make(self, key: str, make) -> bytes:
        """The cached body of ``key``, or ``make()`` (then kept when small enough)."""
        body = self._get(key)
        if body is None:
            body = make()
            self._set(key, body)
        return body

    def _get(self, key: str) -> bytes | None:
        if self.shared is None or not self.breaker.allows():
            return self.local.get(key)
        try:
            body = self.shared.get(key)
        except Exception as exc:  # noqa: BLE001 (Redis down or hung: the process's cache, logged once)
            self.breaker.failed(exc)
            return self.local.get(key)
        self.breaker.succeeded()
        return body if isinstance(body, bytes) else None

    def _set(self, key: str, body: bytes) -> None:
        if self.shared is None or not self.breaker.allows():
            self.local.set(key, body, EXPORT_TIMEOUT)
            return
        if len(body) > MAX_EXPORT_ENTRY_BYTES:
            return
        try:
            self.shared.set(key, body, timeout=EXPORT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 (Redis down or hung: the process's cache, logged once)
            self.breaker.failed(exc)
            self.local.set(key, body, EXPORT_TIMEOUT)


# --------------------------------------------------------------------------- shared cache (Flask-Caching)
CACHE_EXTENSION_KEY = "ti_cache"
#: Key of the app's hardening state in ``server.extensions`` (its ``settings`` and ``cache_prefix``).
SECURITY_EXTENSION_KEY = "ti_security"


def cache_prefix(manifest) -> str:
    """Key prefix tied to the data (a bundle's manifest), so that a new bundle never reads old entries."""
    manifest = manifest or {}
    stamp = "|".join(str(manifest.get(k)) for k in ("empreinte_sources", "date_construction", "pipeline_version"))
    return "ti:" + hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:12] + ":"


def redis_options(environ=None) -> dict:
    """Options of the Redis client: each call waits ``TI_REDIS_TIMEOUT`` seconds at most (connection,
    then answer) and is not retried, so a hung Redis (stopped, not dead) costs a request little."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    seconds = settings.get("TI_REDIS_TIMEOUT", environ)
    return {"socket_timeout": seconds, "socket_connect_timeout": seconds, "retry": Retry(NoBackoff(), 0)}


def _make_cache(server, redis_url: str | None, timeout: int, key_prefix: str):
    from flask_caching import Cache
    base = {"CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": key_prefix, "CACHE_THRESHOLD": 2000}
    if redis_url:
        try:
            cache = Cache()
            cache.init_app(server, {**base, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                                    "CACHE_OPTIONS": redis_options()})
            # bytes or JSON in Redis, never pickles (a writable Redis must not mean code execution)
            server.extensions["cache"][cache].serializer = SafeRedisSerializer()
            return cache
        except Exception as exc:  # noqa: BLE001 (missing client, bad URL)
            log.warning("Cache Redis indisponible (%s) : cache en mémoire du processus utilisé.", exc)
    cache = Cache()
    cache.init_app(server, {**base, "CACHE_TYPE": "SimpleCache"})
    return cache


def get_cache(app):
    """The shared cache of ``app`` (a Dash app or its Flask server), created on first use.

    A :class:`flask_caching.Cache`: Redis when ``REDIS_URL`` is set (shared by
    all workers), otherwise an in-memory cache per process. Keys are
    prefixed with a digest of the bundle's manifest (given to
    :func:`dashboard.web.security.harden`). Nothing requires it: callers may
    compute without caching when they prefer.

    Parameters
    ----------
    app : dash.Dash or flask.Flask

    Returns
    -------
    flask_caching.Cache
    """
    server = getattr(app, "server", app)
    cache = server.extensions.get(CACHE_EXTENSION_KEY)
    if cache is None:
        state = server.extensions.get(SECURITY_EXTENSION_KEY)
        if state is not None:
            redis_url, timeout, prefix = state.settings.redis_url, state.settings.cache_timeout, state.cache_prefix
        else:
            redis_url, timeout, prefix = settings.get("REDIS_URL"), settings.get("TI_CACHE_TIMEOUT"), "ti:"
        cache = _make_cache(server, redis_url, timeout, prefix)
        server.extensions[CACHE_EXTENSION_KEY] = cache
    return cache
