"""Production hardening of the Flask server behind the Dash app: ``harden(app)``, called
once at the end of :func:`dashboard.create_app`, wires the web layer's modules:

* :mod:`dashboard.web.headers` — CSP (``frame-ancestors`` from ``EMBED_ALLOWED_ORIGINS``),
  security headers, ``Cache-Control``;
* :mod:`dashboard.web.callback_guard` — structural check of callback requests (400 for a forged body);
* :mod:`dashboard.web.compression` — response compression;
* :mod:`dashboard.web.errors` — French error answers; :mod:`dashboard.web.health` — ``/healthz``;
* :mod:`dashboard.web.dash_patches` — dev tools and Dash's MCP endpoint off unless asked;
* :mod:`dashboard.web.cache` — the shared cache (:func:`get_cache`; Redis when ``REDIS_URL`` is set);

plus a request size limit (413 beyond ``TI_MAX_CONTENT_LENGTH``, chunked bodies included), no source
maps and no ``/_reload-hash`` in production (the app's 404). Its settings
(:class:`SecuritySettings`) are read from the environment through :mod:`settings`.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Mapping

from dash.exceptions import DependencyException
from flask import Flask, request
from werkzeug.exceptions import HTTPException

import settings as project_settings

from dashboard.views.page_frame import INFO_PAGES
from dashboard.web import dash_patches
from dashboard.web.cache import SECURITY_EXTENSION_KEY, cache_prefix, get_cache
from dashboard.web.callback_guard import check_callback_body, log_safe
from dashboard.web.compression import enable_compression
from dashboard.web.headers import AppPaths, ResponseHeaders
from dashboard.web.health import healthz_view
from dashboard.web.errors import error_response, http_error, not_found

log = logging.getLogger("dashboard.web.security")

EXTENSION_KEY = SECURITY_EXTENSION_KEY

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN_RE = re.compile(
    rf"^(?P<scheme>https?)://(?P<host>{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{{1,5}}))?/?$")


# --------------------------------------------------------------------------- settings
def parse_origins(value: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split and validate a list of origins.

    Parameters
    ----------
    value : str or None
        Origins separated by spaces and/or commas.

    Returns
    -------
    (valid, invalid) : tuple of tuple of str
        ``valid`` holds normalised origins (lower case, no trailing slash, no
        duplicates, in order); ``invalid`` the entries that were rejected.
    """
    valid: list[str] = []
    invalid: list[str] = []
    for raw in re.split(r"[\s,]+", value or ""):
        if not raw:
            continue
        m = _ORIGIN_RE.match(raw.lower())
        port = m and m.group("port")
        if m is None or len(m.group("host")) > 253 or (port and not 0 < int(port) < 65536):
            invalid.append(raw)
            continue
        origin = f"{m.group('scheme')}://{m.group('host')}" + (f":{int(port)}" if port else "")
        if origin not in valid:
            valid.append(origin)
    return tuple(valid), tuple(invalid)


@dataclass(frozen=True)
class SecuritySettings:
    """What :func:`harden` applies; :meth:`from_env` reads it from the environment.

    Attributes
    ----------
    embed_origins : tuple of str
        Origins (besides the app's own) allowed to frame the app.
    max_content_length : int
        Largest request body in bytes.
    debug : bool
        Allow Dash's dev tools (``TI_DEBUG=1``).
    enable_mcp : bool
        Expose Dash's MCP endpoint (``TI_ENABLE_MCP=1``).
    redis_url : str or None
        Redis server of the shared cache.
    cache_timeout : int
        Default lifetime of cache entries, in seconds.
    """

    embed_origins: tuple = ()
    max_content_length: int = project_settings.BY_NAME["TI_MAX_CONTENT_LENGTH"].default
    debug: bool = False
    enable_mcp: bool = False
    redis_url: str | None = None
    cache_timeout: int = project_settings.BY_NAME["TI_CACHE_TIMEOUT"].default

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SecuritySettings":
        """Read the settings from ``environ`` (default :data:`os.environ`); never raises."""
        get = project_settings.get
        origins, invalid = parse_origins(get("EMBED_ALLOWED_ORIGINS", environ))
        for bad in invalid:
            log.warning("EMBED_ALLOWED_ORIGINS : origine invalide ignorée : %r (attendu http(s)://hôte[:port])",
                        bad[:100])
        return cls(embed_origins=origins, max_content_length=get("TI_MAX_CONTENT_LENGTH", environ),
                   debug=get("TI_DEBUG", environ), enable_mcp=get("TI_ENABLE_MCP", environ),
                   redis_url=get("REDIS_URL", environ), cache_timeout=get("TI_CACHE_TIMEOUT", environ))

    @property
    def frame_ancestors(self) -> tuple[str, ...]:
        """Sources of the ``frame-ancestors`` directive of every response but the embed view."""
        return ("'self'",)

    @property
    def embed_frame_ancestors(self) -> tuple[str, ...]:
        """``frame-ancestors`` of the embed view: the listed origins, or any site when none is listed."""
        return ("'self'", *self.embed_origins) if self.embed_origins else ("*",)


# --------------------------------------------------------------------------- chunked bodies
#: Keys of the WSGI environ (request data, not environment variables).
_CONTENT_LENGTH, _TRANSFER_ENCODING = "CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"
_INPUT, _INPUT_TERMINATED = "wsgi.input", "wsgi.input_terminated"


class ChunkedBodyLimit:
    """WSGI middleware: a request body sent without ``Content-Length`` (``Transfer-Encoding: chunked``)
    is read here, up to one byte past the limit, and handed on with its length.

    Werkzeug otherwise cuts such a body silently at ``MAX_CONTENT_LENGTH`` (a cut JSON body was a 400);
    with its length known, a body over the limit is a 413 like a declared one.

    Parameters
    ----------
    wsgi_app : callable
        The Flask server's WSGI application.
    limit : callable
        Returns the largest body in bytes (read at each request: ``MAX_CONTENT_LENGTH``), or None.
    """

    def __init__(self, wsgi_app, limit):
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ, start_response):
        limit = self.limit()
        if (limit is not None and not environ.get(_CONTENT_LENGTH)
                and "chunked" in environ.get(_TRANSFER_ENCODING, "").lower()):
            stream, chunks, size = environ[_INPUT], [], 0
            while size <= limit:
                chunk = stream.read(min(64 * 1024, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            environ[_INPUT] = io.BytesIO(b"".join(chunks))
            environ[_CONTENT_LENGTH] = str(size)  # over the limit: Werkzeug answers 413
            environ.pop(_TRANSFER_ENCODING)  # the body is whole, of known length (Werkzeug reads it so)
            environ.pop(_INPUT_TERMINATED, None)
        return self.wsgi_app(environ, start_response)


# --------------------------------------------------------------------------- the state kept per app
class _Hardening:
    """Per-app state: settings, paths, headers, and the request guard."""

    def __init__(self, app, settings: SecuritySettings, manifest=None):
        self.app = app
        self.settings = settings
        self.paths = AppPaths.of(app)
        self.prefix = self.paths.prefix
        self.headers = ResponseHeaders(app, self.paths, settings.frame_ancestors, settings.embed_frame_ancestors)
        self.cache_prefix = cache_prefix(manifest)

    def compression_key(self, req) -> str:
        return self.headers.compression_key(req)

    def missing_file(self, exc: FileNotFoundError):
        """A component-suite file Dash lists but its package lacks (a source map named in a script…): the
        app's 404, not a 500 with a traceback. Any other missing file stays an internal error."""
        if request.path.startswith(self.paths.suites):
            log.info("Fichier de composant absent : %s", log_safe(request.path))
            return error_response(404, "Ressource introuvable.")
        raise exc

    def before_request(self):
        """Refuse, before Dash: paths that are not the app's, the MCP endpoint when off, and
        callback requests whose body does not match a registered callback."""
        path = request.path
        rule = request.url_rule
        if (rule is not None and rule.rule == self.prefix + "<path:path>"
                and path[len(self.prefix):].strip("/") not in INFO_PAGES):
            # Dash's catch-all answers every path with the page: only the prefix itself (the map) and the
            # information pages (à propos, accessibilité…) are pages.
            return error_response(404, "Page introuvable : la carte est à l'adresse " + self.prefix + ".")
        if not self.settings.enable_mcp and (path == self.paths.mcp or path.startswith(self.paths.mcp + "/")):
            return error_response(404, "Ressource introuvable.")
        if not self.settings.debug and path.startswith(self.paths.suites) and path.endswith(".map"):
            return error_response(404, "Ressource introuvable : pas de carte des sources (source map) en "
                                       "production.")
        if path == self.prefix + "_reload-hash" and not self.app._dev_tools.get("hot_reload"):  # noqa: SLF001
            return error_response(404, "Ressource introuvable.")  # Dash's answer lists the installed packages
        if path == self.paths.callback and request.method == "POST":
            try:
                body = request.get_json(silent=False)
            except HTTPException:
                raise  # 400 (invalid JSON), 413 (too large), 415 (not JSON)
            except (RecursionError, ValueError, TypeError):
                return error_response(400, "Corps de requête illisible.")
            msg = check_callback_body(body, self.app.callback_map)
            if msg:
                output = body.get("output") if isinstance(body, dict) else ""
                log.warning("Requête de callback refusée (%s) : %s", log_safe(output), msg)
                return error_response(400, f"Requête de callback refusée : {msg}.")
        return None


# --------------------------------------------------------------------------- entry point
def harden(app, settings: SecuritySettings | Mapping[str, str] | None = None, manifest=None,
           rebuild_failure: str | None = None):
    """Apply the production settings to a Dash app's Flask server (idempotent).

    Parameters
    ----------
    app : dash.Dash
        The app built by :func:`dashboard.create_app`; call ``harden`` after
        every callback is registered (the CSP allows Dash's inline scripts by hash).
    settings : SecuritySettings or mapping, optional
        Settings, or an environment-like mapping read by
        :meth:`SecuritySettings.from_env`; default: ``os.environ``.
    manifest : mapping, optional
        The bundle's manifest: ``/healthz`` reports it (503 without it) and the shared
        cache's keys are tied to it.
    rebuild_failure : str, optional
        Why the last rebuild failed (the bundle served is the last good one): ``/healthz`` then says
        ``degrade`` with this reason.

    Returns
    -------
    dash.Dash
        ``app``. A second call changes nothing (same headers, same routes).
    """
    server: Flask = app.server
    if EXTENSION_KEY in server.extensions:
        return app
    if settings is None or isinstance(settings, Mapping):
        settings = SecuritySettings.from_env(settings)
    state = _Hardening(app, settings, manifest)
    server.extensions[EXTENSION_KEY] = state

    server.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    if settings.debug:
        dash_patches.allow_dev_tools(app)
    else:
        dash_patches.disable_dev_tools(app)
    dash_patches.configure_mcp(app, settings.enable_mcp, state.paths.mcp)

    enable_compression(server, state.compression_key)
    server.before_request(state.before_request)
    # Dash answers an unknown component-suite file with an internal error (500).
    server.register_error_handler(DependencyException, not_found)
    server.register_error_handler(HTTPException, http_error)
    server.register_error_handler(FileNotFoundError, state.missing_file)
    server.wsgi_app = ChunkedBodyLimit(server.wsgi_app, lambda: server.config.get("MAX_CONTENT_LENGTH"))
    # Registered after Compress: Flask runs after_request hooks in reverse order, so the
    # headers are set before compression (which keeps them).
    server.after_request(state.headers.after_request)

    health = state.prefix + "healthz"
    if not any(rule.rule == health for rule in server.url_map.iter_rules()):
        server.add_url_rule(health, endpoint="ti_healthz", view_func=healthz_view(manifest, rebuild_failure),
                            methods=["GET"])

    try:
        get_cache(app)
    except Exception as exc:  # noqa: BLE001 (the cache is optional)
        log.warning("Cache partagé non créé : %s", exc)
    return app


__all__ = ["SecuritySettings", "harden", "parse_origins"]
