"""Response compression (Flask-Compress), with a cache that keeps only the compressed
bodies fixed for the life of the process (fingerprinted files, versioned geometry)."""
from __future__ import annotations

import threading
from collections import OrderedDict

COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                      "application/json", "image/svg+xml", "application/geo+json", "text/csv"]


class _StaticCompressionCache:
    """Flask-Compress cache backend that keeps compressed fingerprinted files only.

    Flask-Compress asks the cache for every response; keys built by
    :func:`_compression_key` start with ``static:`` for fingerprinted Dash
    component-suite files (whose content never changes for a given URL) and
    with ``nocache:`` otherwise, which are never stored. Bounded in bytes.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def _cacheable(key: str) -> bool:
        return key.split(";", 1)[-1].startswith("static:")

    def get(self, key: str) -> bytes | None:
        if not self._cacheable(key):
            return None
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if not self._cacheable(key) or len(value) > self.max_bytes:
            return
        with self._lock:
            if key in self._data:
                return
            self._data[key] = value
            self._size += len(value)
            while self._size > self.max_bytes and self._data:
                _, old = self._data.popitem(last=False)
                self._size -= len(old)


def enable_compression(server, compression_key) -> None:
    """Compress responses of ``server`` (unless Dash already set it up, ``DASH_COMPRESS=true``);
    ``compression_key(request)`` tells which compressed bodies may be kept."""
    if any(type(getattr(f, "__self__", None)).__name__ == "Compress"
           for f in server.after_request_funcs.get(None, [])):
        return
    from flask_compress import Compress
    server.config["COMPRESS_MIMETYPES"] = COMPRESS_MIMETYPES
    server.config.setdefault("COMPRESS_CACHE_BACKEND", _StaticCompressionCache)
    server.config.setdefault("COMPRESS_CACHE_KEY", compression_key)
    Compress(server)
