"""Production hardening of the Flask server behind the Dash app.

``harden(app)`` is called once, at the end of :func:`dashboard.create_app`.
It adds, for every response:

* a Content-Security-Policy under which Dash 4 and Plotly's MapLibre maps
  work without ``'unsafe-eval'`` and without inline scripts other than
  Dash's own (allowed by hash, from :meth:`dash.Dash.csp_hashes`);
* ``frame-ancestors``: the embed view (``?embed=1``, read-only public data)
  may be framed by any site, or only by ``EMBED_ALLOWED_ORIGINS`` when set;
  every other response keeps ``'self'`` (no ``X-Frame-Options``);
* ``X-Content-Type-Options``, ``Referrer-Policy``, ``Permissions-Policy``,
  ``Cross-Origin-Opener-Policy``;
* ``Cache-Control``: one year, immutable, for fingerprinted static files;
  ``no-store`` for pages, layout, dependencies and callbacks.

and also: a request size limit (413 beyond ``TI_MAX_CONTENT_LENGTH``), a
structural check of callback requests (400 instead of an internal error for
a forged body), ``/healthz``, response compression (Flask-Compress), dev tools
and Dash's MCP endpoint off unless asked, and a shared cache
(:func:`get_cache`; Redis when ``REDIS_URL`` is set).

Environment variables
---------------------
EMBED_ALLOWED_ORIGINS
    Origins allowed to frame the embed view (``?embed=1``), separated by
    spaces or commas, each ``http(s)://host[:port]``. Invalid entries are
    ignored (with a logged warning). Default: any site may frame the embed
    view; the full page is framed by its own origin only, always.
TI_MAX_CONTENT_LENGTH
    Largest accepted request body in bytes (default 1 MiB).
TI_DEBUG
    ``1`` turns Dash's dev tools on in ``app.run`` (never in production).
TI_ENABLE_MCP
    ``1`` exposes Dash's MCP endpoint (``/_mcp``); it is off otherwise, even
    when ``DASH_MCP_ENABLED`` is set.
REDIS_URL
    Redis server for the shared cache; without it each process keeps its own
    in-memory cache.
TI_CACHE_TIMEOUT
    Default lifetime of cache entries in seconds (default 600).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Mapping

from dash import _callback as _dash_callback
from dash.exceptions import DependencyException
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("dashboard.security")

EXTENSION_KEY = "ti_security"
CACHE_EXTENSION_KEY = "ti_cache"

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
DEFAULT_CACHE_TIMEOUT = 600

LONG_CACHE = "public, max-age=31536000, immutable"
NO_STORE = "no-store"
REVALIDATE = "no-cache"

#: Features the map never uses; everything listed is refused to the page and
#: to any frame it would contain. Only features Chromium knows, so the header
#: raises no console error.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=()")

COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                      "application/json", "image/svg+xml"]

# Callback requests: limits of the structural check (far above what the page sends).
MAX_OUTPUT_ID_LENGTH = 4000
MAX_PATTERN_ITEMS = 1000
MAX_CHANGED_PROPS = 1000
MAX_WILDCARD_VALUE_LENGTH = 200
_WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
_MULTI_WILDCARDS = ("ALL", "ALLSMALLER")

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


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "oui", "on")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not str(raw).strip():
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = 0
    if value <= 0:
        log.warning("%s=%r n'est pas un entier positif : valeur par défaut %d utilisée.", name, raw, default)
        return default
    return value


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
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    debug: bool = False
    enable_mcp: bool = False
    redis_url: str | None = None
    cache_timeout: int = DEFAULT_CACHE_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SecuritySettings":
        """Read the settings from ``environ`` (default :data:`os.environ`); never raises."""
        env = os.environ if environ is None else environ
        origins, invalid = parse_origins(env.get("EMBED_ALLOWED_ORIGINS"))
        for bad in invalid:
            log.warning("EMBED_ALLOWED_ORIGINS : origine invalide ignorée : %r (attendu http(s)://hôte[:port])",
                        bad[:100])
        return cls(
            embed_origins=origins,
            max_content_length=_positive_int(env, "TI_MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH),
            debug=_flag(env.get("TI_DEBUG")),
            enable_mcp=_flag(env.get("TI_ENABLE_MCP")),
            redis_url=(env.get("REDIS_URL") or "").strip() or None,
            cache_timeout=_positive_int(env, "TI_CACHE_TIMEOUT", DEFAULT_CACHE_TIMEOUT),
        )

    @property
    def frame_ancestors(self) -> tuple[str, ...]:
        """Sources of the ``frame-ancestors`` directive of every response but the embed view."""
        return ("'self'",)

    @property
    def embed_frame_ancestors(self) -> tuple[str, ...]:
        """``frame-ancestors`` of the embed view: the listed origins, or any site when none is listed."""
        return ("'self'", *self.embed_origins) if self.embed_origins else ("*",)


# --------------------------------------------------------------------------- CSP
def build_csp(script_hashes, frame_ancestors) -> str:
    """The Content-Security-Policy header value.

    Parameters
    ----------
    script_hashes : iterable of str
        Quoted hashes of the inline scripts (``"'sha256-…'"``).
    frame_ancestors : iterable of str
        Sources of ``frame-ancestors``.

    Notes
    -----
    * ``style-src 'unsafe-inline'``: React sets ``style`` attributes and
      Plotly.js injects ``<style>`` elements.
    * ``worker-src blob:`` / ``child-src blob:``: MapLibre runs its workers
      from a ``blob:`` URL built from its own bundle.
    * ``img-src data: blob:``: Plotly's and MapLibre's generated images.
    * No ``'unsafe-eval'``: neither Dash 4 nor Plotly's ``map`` traces need it
      (checked in Chromium, see ``tests/test_security.py``).
    """
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'", *script_hashes]),
        ("style-src", ["'self'", "'unsafe-inline'"]),
        ("img-src", ["'self'", "data:", "blob:"]),
        ("font-src", ["'self'", "data:"]),
        ("connect-src", ["'self'"]),
        ("worker-src", ["blob:"]),
        ("child-src", ["blob:"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", list(frame_ancestors)),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


# --------------------------------------------------------------------------- callback bodies
def _spec_id(raw):
    """Component id of a callback spec (dict ids are stored as JSON strings)."""
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _base_prop(prop):
    """Property name without Dash's ``@<hash>`` suffix (outputs with ``allow_duplicate``)."""
    return prop.split("@", 1)[0] if isinstance(prop, str) else prop


def _check_entry(entry, spec: Mapping, where: str) -> str | None:
    """Check one item of ``outputs``/``inputs``/``state`` against its spec; a message or None."""
    sid = _spec_id(spec.get("id"))
    prop = _base_prop(spec.get("property"))
    if not isinstance(sid, dict):
        if not isinstance(entry, dict) or entry.get("id") != sid or _base_prop(entry.get("property")) != prop:
            return f"{where} : composant inattendu"
        return None
    wild = {k for k, v in sid.items() if isinstance(v, list) and len(v) == 1 and v[0] in _WILDCARDS}
    multi = any(sid[k][0] in _MULTI_WILDCARDS for k in wild)
    if multi:
        if not isinstance(entry, list):
            return f"{where} : liste attendue"
        if len(entry) > MAX_PATTERN_ITEMS:
            return f"{where} : trop d'éléments"
        items = entry
    else:
        items = [entry]
    for item in items:
        if not isinstance(item, dict) or _base_prop(item.get("property")) != prop:
            return f"{where} : composant inattendu"
        cid = item.get("id")
        if not isinstance(cid, dict) or set(cid) != set(sid):
            return f"{where} : identifiant inattendu"
        for k, v in cid.items():
            if k in wild:
                if not isinstance(v, (str, int, float, bool)) or (isinstance(v, str)
                                                                 and len(v) > MAX_WILDCARD_VALUE_LENGTH):
                    return f"{where} : identifiant inattendu"
            elif v != sid[k]:
                return f"{where} : identifiant inattendu"
    return None


def check_callback_body(body, callback_map: Mapping) -> str | None:
    """Structural check of a ``/_dash-update-component`` body.

    Dash trusts the shape of the body it receives (a missing key or a wrong
    type is an internal error, 500). The browser always sends the shape given
    by ``/_dash-dependencies``; anything else is refused here (400) before
    Dash reads it. *Values* are not checked: the callbacks validate them.

    Parameters
    ----------
    body : object
        Decoded JSON body.
    callback_map : mapping
        ``app.callback_map``.

    Returns
    -------
    str or None
        A French message explaining the refusal, or None when the body is well formed.
    """
    if not isinstance(body, dict):
        return "corps de requête invalide"
    output = body.get("output")
    if not isinstance(output, str) or len(output) > MAX_OUTPUT_ID_LENGTH or output not in callback_map:
        return "callback inconnu"
    cb = callback_map[output]
    for key, specs in (("inputs", cb.get("inputs", [])), ("state", cb.get("state", []))):
        entries = body.get(key, [])
        if not isinstance(entries, list) or len(entries) != len(specs):
            return f"« {key} » ne correspond pas au callback"
        for entry, spec in zip(entries, specs):
            msg = _check_entry(entry, spec, key)
            if msg:
                return msg
    if not cb.get("no_output"):
        declared = cb.get("output")
        outputs = body.get("outputs")
        if isinstance(declared, (list, tuple)):
            specs = [o.to_dict() for o in declared]
            if not isinstance(outputs, list) or len(outputs) != len(specs):
                return "« outputs » ne correspond pas au callback"
            for entry, spec in zip(outputs, specs):
                msg = _check_entry(entry, spec, "outputs")
                if msg:
                    return msg
        elif declared is not None:
            msg = _check_entry(outputs, declared.to_dict(), "outputs")
            if msg:
                return msg
    changed = body.get("changedPropIds", [])
    if (not isinstance(changed, list) or len(changed) > MAX_CHANGED_PROPS
            or not all(isinstance(c, str) and len(c) <= MAX_OUTPUT_ID_LENGTH for c in changed)):
        return "« changedPropIds » invalide"
    return None


# --------------------------------------------------------------------------- compression cache
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


# --------------------------------------------------------------------------- the state kept per app
class _Hardening:
    """Per-app state and the request/response hooks."""

    def __init__(self, app, settings: SecuritySettings):
        self.app = app
        self.settings = settings
        prefix = app.config.routes_pathname_prefix or "/"
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.suites = self.prefix + "_dash-component-suites/"
        self.assets = self.prefix + (app.config.assets_url_path or "assets").strip("/") + "/"
        self.favicon = self.prefix + "_favicon.ico"
        self.callback_path = self.prefix + "_dash-update-component"
        self.dash_paths = {self.prefix, self.callback_path, self.prefix + "_dash-layout",
                           self.prefix + "_dash-dependencies", self.prefix + "_reload-hash"}
        mcp_path = getattr(app, "_mcp_path", "_mcp") or "_mcp"
        self.mcp_path = self.prefix + str(mcp_path).strip("/")
        self._csp_key: tuple | None = None
        self._csp_value = ""
        self._csp_embed_value = ""

    # ---------------------------------------------------------------- CSP
    def csp(self, embed: bool = False) -> str:
        """The CSP (of the embed view's page when ``embed``), recomputed only when Dash's inline scripts change."""
        # cheap change check: app-level and dash.clientside_callback inline scripts, renderer
        key = (tuple(self.app._inline_scripts), tuple(_dash_callback.GLOBAL_INLINE_SCRIPTS),  # noqa: SLF001
               self.app.renderer)
        if key != self._csp_key:
            hashes = self.app.csp_hashes()
            self._csp_value = build_csp(hashes, self.settings.frame_ancestors)
            self._csp_embed_value = build_csp(hashes, self.settings.embed_frame_ancestors)
            # csp_hashes() moves the global scripts into the app's list
            self._csp_key = (tuple(self.app._inline_scripts), tuple(_dash_callback.GLOBAL_INLINE_SCRIPTS),  # noqa
                             self.app.renderer)
        return self._csp_embed_value if embed else self._csp_value

    def is_embed_page(self, req) -> bool:
        """True for the HTML page of the embed view (the only response another site may frame)."""
        if req.method != "GET" or not req.path.startswith(self.prefix) or req.path in self.dash_paths - {self.prefix}:
            return False
        rest = req.path[len(self.prefix):]
        if rest.startswith(("_", "assets/", "api/", "geo/", "export.")) or rest == "healthz":
            return False
        return req.args.get("embed", "").strip().lower() in ("1", "true")

    # ---------------------------------------------------------------- caching
    def is_fingerprinted(self, path: str, args) -> bool:
        """True for a static URL whose content is tied to the URL (safe to cache forever)."""
        if path.startswith(self.suites):
            rest = path[len(self.suites):]
            return check_fingerprint(rest.split("/", 1)[-1])[1] or "v" in args
        if path.startswith(self.assets) or path == self.favicon:
            return "m" in args or "v" in args
        return False

    def cache_control(self, path: str, args, status: int, current: str | None) -> str:
        """``Cache-Control`` of a response.

        Fingerprinted static files: one year, immutable; other static files:
        revalidate (ETag); Dash's page, layout, dependencies and callbacks:
        ``no-store``; other routes keep the header they set (else ``no-store``).
        """
        if path.startswith(self.suites) or path.startswith(self.assets) or path == self.favicon:
            if status in (200, 304) and self.is_fingerprinted(path, args):
                return LONG_CACHE
            return REVALIDATE if status in (200, 304) else NO_STORE
        if current and status < 400 and path not in self.dash_paths:
            return current
        return NO_STORE

    def compression_key(self, req) -> str:
        if req.method == "GET" and req.path.startswith(self.suites) and self.is_fingerprinted(req.path, req.args):
            return "static:" + req.full_path
        return "nocache:"

    # ---------------------------------------------------------------- hooks
    def before_request(self):
        path = request.path
        if not self.settings.enable_mcp and (path == self.mcp_path or path.startswith(self.mcp_path + "/")):
            return _error(404, "Ressource introuvable.")
        if path == self.callback_path and request.method == "POST":
            try:
                body = request.get_json(silent=False)
            except HTTPException:
                raise  # 400 (invalid JSON), 413 (too large), 415 (not JSON)
            except (RecursionError, ValueError, TypeError):
                return _error(400, "Corps de requête illisible.")
            msg = check_callback_body(body, self.app.callback_map)
            if msg:
                log.warning("Requête de callback refusée (%s) : %s", str(body.get("output") if isinstance(body, dict) else "")[:200], msg)
                return _error(400, f"Requête de callback refusée : {msg}.")
        return None

    def after_request(self, response: Response) -> Response:
        h = response.headers
        try:
            embed = self.is_embed_page(request) and response.mimetype == "text/html"
        except RuntimeError:  # outside a request
            embed = False
        h["Content-Security-Policy"] = self.csp(embed)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "strict-origin-when-cross-origin"
        h["Permissions-Policy"] = PERMISSIONS_POLICY
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h.pop("X-Frame-Options", None)
        try:
            h["Cache-Control"] = self.cache_control(request.path, request.args, response.status_code,
                                                    h.get("Cache-Control"))
        except RuntimeError:  # outside a request
            h.setdefault("Cache-Control", NO_STORE)
        if h["Cache-Control"] == LONG_CACHE:
            h.pop("Expires", None)
        return response

    def healthz(self):
        ctx = getattr(self.app, "_ti_context", None)
        manifest = getattr(ctx, "manifest", None)
        if not isinstance(manifest, Mapping):
            resp = jsonify({"statut": "indisponible", "message": "Données non chargées."})
            resp.status_code = 503
            return resp
        return jsonify({
            "statut": "ok",
            "donnees_arretees_au": manifest.get("donnees_arretees_au"),
            "date_construction": manifest.get("date_construction"),
            "laureats_demonstration": bool(manifest.get("laureats_demonstration")),
            "pipeline_version": manifest.get("pipeline_version"),
        })


def _not_found(_exc) -> Response:
    return _error(404, "Ressource introuvable.")


def _error(status: int, message: str) -> Response:
    resp = jsonify({"statut": "erreur", "message": message})
    resp.status_code = status
    return resp


# --------------------------------------------------------------------------- dev tools and MCP
def _disable_dev_tools(app) -> None:
    """Turn every dev tool off, whatever ``DASH_*`` variables say, also in ``app.run``."""
    off = dict(ui=False, props_check=False, serve_dev_bundles=False, hot_reload=False,
               silence_routes_logging=False, prune_errors=False, validate_callbacks=False,
               disable_version_check=True)
    app._setup_dev_tools(debug=False, **off)  # noqa: SLF001 (the constructor read DASH_* variables)
    original = app.enable_dev_tools

    def enable_dev_tools(*_args, **kwargs):
        """Dev tools are refused without ``TI_DEBUG=1``: ``app.run(debug=True)`` serves in production mode."""
        return original(debug=False, dev_tools_ui=False, dev_tools_props_check=False,
                        dev_tools_serve_dev_bundles=False, dev_tools_hot_reload=False,
                        dev_tools_silence_routes_logging=False, dev_tools_disable_version_check=True,
                        dev_tools_prune_errors=False, dev_tools_validate_callbacks=False,
                        first_run=kwargs.get("first_run", True))

    app.enable_dev_tools = enable_dev_tools
    app.server.debug = False


def _allow_dev_tools(app) -> None:
    """``TI_DEBUG=1``: ``app.run()`` turns the dev tools on even when called with ``debug=False``."""
    original = app.enable_dev_tools

    def enable_dev_tools(*args, **kwargs):
        kwargs.pop("debug", None)
        return original(True, *args[1:], **kwargs)

    app.enable_dev_tools = enable_dev_tools


def _configure_mcp(app, state: _Hardening) -> None:
    if not state.settings.enable_mcp:
        # Routes already added by the constructor (DASH_MCP_ENABLED) are blocked in before_request.
        app._enable_mcp = False  # noqa: SLF001
        return
    if state.mcp_path in getattr(app, "routes", []):
        return
    try:
        from dash.mcp import enable_mcp_server
        enable_mcp_server(app, str(app._mcp_path))  # noqa: SLF001
        app._enable_mcp = True  # noqa: SLF001
        log.warning("Point d'accès MCP de Dash activé (%s) : à réserver à un usage interne.", state.mcp_path)
    except Exception as exc:  # noqa: BLE001 (optional feature)
        log.warning("Point d'accès MCP non activé : %s", exc)


# --------------------------------------------------------------------------- shared cache
def _make_cache(server: Flask, settings: SecuritySettings, key_prefix: str):
    from flask_caching import Cache
    base = {"CACHE_DEFAULT_TIMEOUT": settings.cache_timeout, "CACHE_KEY_PREFIX": key_prefix,
            "CACHE_THRESHOLD": 2000}
    if settings.redis_url:
        try:
            cache = Cache()
            cache.init_app(server, {**base, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url})
            return cache
        except Exception as exc:  # noqa: BLE001 (missing client, bad URL)
            log.warning("Cache Redis indisponible (%s) : cache en mémoire du processus utilisé.", exc)
    cache = Cache()
    cache.init_app(server, {**base, "CACHE_TYPE": "SimpleCache"})
    return cache


def _cache_prefix(app) -> str:
    """Key prefix tied to the data, so that a new bundle never reads old entries."""
    manifest = getattr(getattr(app, "_ti_context", None), "manifest", None) or {}
    stamp = "|".join(str(manifest.get(k)) for k in ("empreinte_sources", "date_construction", "pipeline_version"))
    return "ti:" + hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:12] + ":"


def get_cache(app):
    """The shared cache of ``app`` (a Dash app or its Flask server), created on first use.

    A :class:`flask_caching.Cache`: Redis when ``REDIS_URL`` is set (shared by
    all workers), otherwise an in-memory cache per process. Keys are
    prefixed with a digest of the bundle's manifest. Nothing requires it:
    callers may compute without caching when they prefer.

    Parameters
    ----------
    app : dash.Dash or flask.Flask

    Returns
    -------
    flask_caching.Cache
    """
    dash_app = app if not isinstance(app, Flask) else None
    server = app if isinstance(app, Flask) else app.server
    cache = server.extensions.get(CACHE_EXTENSION_KEY)
    if cache is None:
        state = server.extensions.get(EXTENSION_KEY)
        settings = state.settings if state is not None else SecuritySettings.from_env()
        cache = _make_cache(server, settings, _cache_prefix(dash_app) if dash_app is not None else "ti:")
        server.extensions[CACHE_EXTENSION_KEY] = cache
    return cache


# --------------------------------------------------------------------------- entry point
def harden(app, settings: SecuritySettings | Mapping[str, str] | None = None):
    """Apply the production settings to a Dash app's Flask server (idempotent).

    Parameters
    ----------
    app : dash.Dash
        The app built by :func:`dashboard.create_app`; call ``harden`` after
        every callback is registered (the CSP allows Dash's inline scripts by hash).
    settings : SecuritySettings or mapping, optional
        Settings, or an environment-like mapping read by
        :meth:`SecuritySettings.from_env`; default: ``os.environ``.

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
    state = _Hardening(app, settings)
    server.extensions[EXTENSION_KEY] = state

    server.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    if settings.debug:
        _allow_dev_tools(app)
    else:
        _disable_dev_tools(app)
    _configure_mcp(app, state)

    # Compression (unless Dash already set it up, DASH_COMPRESS=true).
    if not any(type(getattr(f, "__self__", None)).__name__ == "Compress"
               for f in server.after_request_funcs.get(None, [])):
        from flask_compress import Compress
        server.config["COMPRESS_MIMETYPES"] = COMPRESS_MIMETYPES
        server.config.setdefault("COMPRESS_CACHE_BACKEND", _StaticCompressionCache)
        server.config.setdefault("COMPRESS_CACHE_KEY", state.compression_key)
        Compress(server)

    server.before_request(state.before_request)
    # Dash answers an unknown component-suite file with an internal error (500).
    server.register_error_handler(DependencyException, _not_found)
    # Registered after Compress: Flask runs after_request hooks in reverse order, so the
    # headers are set before compression (which keeps them).
    server.after_request(state.after_request)

    health = state.prefix + "healthz"
    if not any(rule.rule == health for rule in server.url_map.iter_rules()):
        server.add_url_rule(health, endpoint="ti_healthz", view_func=state.healthz, methods=["GET"])

    try:
        get_cache(app)
    except Exception as exc:  # noqa: BLE001 (the cache is optional)
        log.warning("Cache partagé non créé : %s", exc)
    return app


__all__ = ["SecuritySettings", "build_csp", "check_callback_body", "get_cache", "harden", "parse_origins"]
