"""Server routes beside the Dash page: place search, map geometry and the exports of the view.

``register_routes(app, ctx)`` adds, under the app's ``routes_pathname_prefix``
(``/`` by default):

- ``GET /geo/<epci|ti-2019-2022|ti-2023-2027>[-france|-region-<code>|-departement-<code>].geojson`` -> map
  geometry (cached by the browser; ``-france``: coarser outlines for the whole of France; a scope: its
  outlines only, for the embed view);
- ``GET /geo/complements/<name>.json`` -> constant parts of the map figure (pin hover texts, names,
  region lines: :mod:`dashboard.views.map_complements`), cached by the browser;
- ``GET /api/recherche?q=…&limite=…&phase=…`` -> ``{"q": …, "resultats": […]}``;
- ``GET /export.<kind>?<query of the page>`` for every format of
  :data:`dashboard.model.export_formats.EXPORTS` (CSV, GeoJSON, XLSX, committee deck, slide image,
  the CSV's metadata): the rows are exactly ``filter_laureates(ctx.laureats, ViewState.from_query(query)[0])``.

Unknown or malformed parameters never cause an error: they are ignored and
summarised (percent-encoded) in the ``X-Parametres-Ignores`` header.
"""
from __future__ import annotations

import functools
import importlib
import json
from datetime import date
from urllib.parse import quote

from flask import Response, request

from dashboard.web.cache import ExportCache, get_cache
from dashboard.model.data import row_state
from dashboard.model.export_formats import EXPORT_BY_KIND, EXPORTS, ExportFormat
from dashboard.model.urls import AppUrls
from dashboard.model.search import MAX_QUERY_LENGTH, clamp_limit
from dashboard.model.state import ViewState
from dashboard.views.map_complements import complement_body, complement_names

IGNORED_HEADER = "X-Parametres-Ignores"
MAX_IGNORED_SUMMARY = 400  # characters before percent-encoding
SEARCH_ENDPOINT = "ti_api_recherche"
GEO_ENDPOINT = "ti_geo"
COMPLEMENT_ENDPOINT = "ti_geo_complement"
#: Every endpoint this module registers (the exports' from the registry).
ENDPOINTS = (SEARCH_ENDPOINT, GEO_ENDPOINT, COMPLEMENT_ENDPOINT, *(f.endpoint for f in EXPORTS))
EXPORT_CACHE_KEY = "ti_export_cache"


def _query_string() -> str:
    """Raw query string of the current request (undecodable bytes replaced)."""
    return request.query_string.decode("utf-8", errors="replace")


def view_state_from_request(ctx) -> tuple[ViewState, list[str]]:
    """The view state of the current request, parsed exactly as the page does."""
    return ViewState.from_query(_query_string(), ctx.choices)


def ignored_summary(messages: list[str]) -> str:
    """Short ASCII-safe summary of ignored parameters (percent-encoded UTF-8)."""
    text = " ; ".join(messages)
    if len(text) > MAX_IGNORED_SUMMARY:
        text = text[:MAX_IGNORED_SUMMARY - 1] + "…"
    return quote(text, safe=" ;=()")


def _attachment(body, mimetype: str, filename: str, ignored: list[str]) -> Response:
    resp = Response(body, status=200, mimetype=mimetype)
    if mimetype in ("text/csv", "text/plain"):
        resp.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-cache"
    if ignored:
        resp.headers[IGNORED_HEADER] = ignored_summary(ignored)
    return resp


def register_routes(app, ctx) -> None:
    """Add the search and export routes to ``app.server`` (a Flask app).

    Parameters
    ----------
    app : dash.Dash
        Routes are added under ``app.config.routes_pathname_prefix``. Calling
        this twice on the same app does nothing the second time.
    ctx : dashboard.model.data.DataContext
        The app's data. The search index is built on the
        first search and kept for the life of the process.
    """
    server = app.server
    if all(e in server.view_functions for e in ENDPOINTS):
        return
    urls = AppUrls.of(app)

    def recherche():
        q = request.args.get("q", "", type=str) or ""
        limit = clamp_limit(request.args.get("limite"))
        phase = request.args.get("phase", "", type=str)  # unknown phase: no preference
        results = ctx.search_index.search(q, limit, phase) if len(q.strip()) <= MAX_QUERY_LENGTH else []
        body = json.dumps({"q": q[:MAX_QUERY_LENGTH], "resultats": results}, ensure_ascii=False, allow_nan=False)
        resp = Response(body, status=200, mimetype="application/json")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    # Export bodies are pure functions of (data, state). A ``rows_only`` format's state is first
    # reduced to what selects rows (row_state), so parameters that do not change the rows
    # (territoire, indicateur…) share one entry. ``shared``: Redis when REDIS_URL is set (every worker
    # and machine), else an in-process cache bounded in bytes; ``process``: the last few bodies of
    # each process (decks and images, 0.3-0.7 MB each, are not put in the shared cache).
    def shared_cache() -> ExportCache:
        cache = server.extensions.get(EXPORT_CACHE_KEY)
        if cache is None:
            shared = get_cache(app)
            is_redis = type(server.extensions.get("cache", {}).get(shared)).__name__ == "RedisCache"
            cache = server.extensions.setdefault(EXPORT_CACHE_KEY, ExportCache(shared if is_redis else None))
        return cache

    def body_maker(fmt: ExportFormat):
        module, _, name = fmt.builder.partition(":")

        def make(state: ViewState, day: str | None) -> bytes:  # the day: for formats that print it
            builder = getattr(importlib.import_module(module), name)  # heavy libraries load on first use
            return builder(ctx, state)

        if fmt.cache == "process":
            return functools.lru_cache(maxsize=8)(make)
        if fmt.cache == "shared":
            def cached(state: ViewState, day: str | None) -> bytes:
                key = f"export:{fmt.kind}:{ctx.geo_version}:{day or ''}:{state.to_query(include_embed=False)}"
                return shared_cache().get_or_make(key, lambda: make(state, day))
            return cached
        return make

    def export_view(fmt: ExportFormat):
        body = body_maker(fmt)

        def view():
            state, ignored = view_state_from_request(ctx)
            state = state.with_(embed=False)
            key_state = row_state(state) if fmt.rows_only else state
            resp = _attachment(body(key_state, date.today().isoformat() if fmt.daily else None), fmt.mimetype,
                               fmt.filename, ignored)
            if fmt.described_by:  # where the metadata lives (the CSV itself holds only the header and the rows)
                target = EXPORT_BY_KIND[fmt.described_by].path
                resp.headers["Link"] = f'<{target}{state.to_query(include_embed=False)}>; rel="describedby"'
            return resp
        view.__name__ = fmt.endpoint
        return view

    def geo(name):
        """Map geometry (GeoJSON), by fixed name only; versioned URL, cacheable for good."""
        body = ctx.geo_bytes(name)  # fixed names and known scopes only (None otherwise)
        if body is None:
            return Response("Géométrie inconnue.", status=404, mimetype="text/plain")
        resp = Response(body, status=200, mimetype="application/geo+json")
        if request.args.get("v") == ctx.geo_version:
            resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            resp.headers["Cache-Control"] = "public, max-age=300"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    def complement(name):
        """A constant part of the map figure (:mod:`dashboard.views.map_complements`), by fixed name
        only; versioned URL, cacheable for good."""
        if name not in complement_names(ctx):
            return Response("Complément inconnu.", status=404, mimetype="text/plain")
        part = complement_body(ctx, name)  # outside ctx.once, which does not nest
        body = ctx.once(("complement", name), lambda: json.dumps(
            part, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        resp = Response(body, status=200, mimetype="application/json")
        resp.headers["Cache-Control"] = ("public, max-age=31536000, immutable"
                                         if request.args.get("v") == ctx.geo_version else "public, max-age=300")
        return resp

    server.add_url_rule(urls.route("geo/<name>.geojson"), GEO_ENDPOINT, geo, methods=["GET"])
    server.add_url_rule(urls.route("geo/complements/<name>.json"), COMPLEMENT_ENDPOINT, complement, methods=["GET"])
    server.add_url_rule(urls.route("api/recherche"), SEARCH_ENDPOINT, recherche, methods=["GET"])
    for fmt in EXPORTS:
        server.add_url_rule(urls.route(fmt.path), fmt.endpoint, export_view(fmt), methods=["GET"])
