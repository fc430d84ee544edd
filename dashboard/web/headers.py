"""Response headers: Content-Security-Policy, security headers and ``Cache-Control``.

* a CSP under which Dash 4 and Plotly's MapLibre maps work without ``'unsafe-eval'``
  and without inline scripts other than Dash's own (allowed by hash, from
  :meth:`dash.Dash.csp_hashes`); ``frame-ancestors`` from ``EMBED_ALLOWED_ORIGINS``
  (no ``X-Frame-Options``);
* ``X-Content-Type-Options``, ``Referrer-Policy``, ``Permissions-Policy``,
  ``Cross-Origin-Opener-Policy``;
* ``Cache-Control``: one year, immutable, for fingerprinted static files;
  ``no-store`` for pages, layout, dependencies and callbacks.
"""
from __future__ import annotations

from dataclasses import dataclass

from dash import _callback as _dash_callback
from dash.fingerprint import check_fingerprint
from flask import Response, request

from dashboard.model.state import embed_requested

LONG_CACHE = "public, max-age=31536000, immutable"
NO_STORE = "no-store"
REVALIDATE = "no-cache"

#: Features the map never uses; everything listed is refused to the page and
#: to any frame it would contain. Only features Chromium knows, so the header
#: raises no console error.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=()")


@dataclass(frozen=True)
class AppPaths:
    """The paths of a Dash app under its ``routes_pathname_prefix``."""

    prefix: str
    suites: str
    assets: str
    favicon: str
    geo: str
    callback: str
    mcp: str
    dash: frozenset

    @classmethod
    def of(cls, app) -> "AppPaths":
        prefix = app.config.routes_pathname_prefix or "/"
        prefix = prefix if prefix.endswith("/") else prefix + "/"
        callback = prefix + "_dash-update-component"
        mcp_path = getattr(app, "_mcp_path", "_mcp") or "_mcp"
        return cls(prefix=prefix, suites=prefix + "_dash-component-suites/",
                   assets=prefix + (app.config.assets_url_path or "assets").strip("/") + "/",
                   favicon=prefix + "_favicon.ico", geo=prefix + "geo/", callback=callback,
                   mcp=prefix + str(mcp_path).strip("/"),
                   dash=frozenset({prefix, callback, prefix + "_dash-layout", prefix + "_dash-dependencies",
                                   prefix + "_reload-hash"}))


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
      (checked in Chromium, see ``tests/web/test_security.py``).
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


class ResponseHeaders:
    """The headers of every response of one app (CSP recomputed only when Dash's
    inline scripts change)."""

    def __init__(self, app, paths: AppPaths, frame_ancestors, embed_frame_ancestors=None):
        self.app = app
        self.paths = paths
        self.frame_ancestors = tuple(frame_ancestors)
        self.embed_frame_ancestors = tuple(embed_frame_ancestors or frame_ancestors)
        self._csp_key: tuple | None = None
        self._csp_value = ""
        self._csp_embed_value = ""

    def csp(self, embed: bool = False) -> str:
        """The CSP (of the embed view's page when ``embed``), recomputed only when Dash's inline
        scripts change."""
        # cheap change check: app-level and dash.clientside_callback inline scripts, renderer
        key = (tuple(self.app._inline_scripts), tuple(_dash_callback.GLOBAL_INLINE_SCRIPTS),  # noqa: SLF001
               self.app.renderer)
        if key != self._csp_key:
            hashes = self.app.csp_hashes()
            self._csp_value = build_csp(hashes, self.frame_ancestors)
            self._csp_embed_value = build_csp(hashes, self.embed_frame_ancestors)
            # csp_hashes() moves the global scripts into the app's list
            self._csp_key = (tuple(self.app._inline_scripts), tuple(_dash_callback.GLOBAL_INLINE_SCRIPTS),  # noqa
                             self.app.renderer)
        return self._csp_embed_value if embed else self._csp_value

    def is_embed_page(self, req) -> bool:
        """True for the map page when its query asks for the embed view (the only page another site may
        frame), decided by the view's own parser (:func:`dashboard.model.state.embed_requested`), for GET and HEAD."""
        if req.method not in ("GET", "HEAD") or req.path != self.paths.prefix:
            return False
        return embed_requested(req.query_string.decode("utf-8", errors="replace"))

    # ---------------------------------------------------------------- caching
    def is_fingerprinted(self, path: str, args) -> bool:
        """True for a static URL whose content is tied to the URL (safe to cache forever)."""
        if path.startswith(self.paths.suites):
            rest = path[len(self.paths.suites):]
            return check_fingerprint(rest.split("/", 1)[-1])[1] or "v" in args
        if path.startswith(self.paths.assets) or path == self.paths.favicon:
            return "m" in args or "v" in args
        return False

    def cache_control(self, path: str, args, status: int, current: str | None) -> str:
        """``Cache-Control`` of a response.

        Fingerprinted static files: one year, immutable; other static files:
        revalidate (ETag); Dash's page, layout, dependencies and callbacks:
        ``no-store``; other routes keep the header they set (else ``no-store``).
        """
        if path.startswith(self.paths.suites) or path.startswith(self.paths.assets) or path == self.paths.favicon:
            if status in (200, 304) and self.is_fingerprinted(path, args):
                return LONG_CACHE
            return REVALIDATE if status in (200, 304) else NO_STORE
        if current and status < 400 and path not in self.paths.dash:
            return current
        return NO_STORE

    def compression_key(self, req) -> str:
        """``static:`` for responses whose bytes are fixed for the life of the process
        (fingerprinted component files, map geometry), ``nocache:`` otherwise."""
        if req.method != "GET":
            return "nocache:"
        if req.path.startswith(self.paths.suites) and self.is_fingerprinted(req.path, req.args):
            return "static:" + req.full_path
        if req.path.startswith(self.paths.geo):
            # map geometry: fixed bytes per path, whatever the query (a 304 is answered after compression)
            return "static:" + req.path
        return "nocache:"

    def after_request(self, response: Response) -> Response:
        h = response.headers
        try:
            embed = (response.status_code == 200 and response.mimetype == "text/html"
                     and self.is_embed_page(request))
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
