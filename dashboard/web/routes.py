"""Server routes beside the Dash page: place search and exports of the view.

``register_routes(app, ctx)`` adds, under the app's ``routes_pathname_prefix``
(``/`` by default):

- ``GET /geo/<epci|ti-2019-2022|ti-2023-2027>.geojson`` -> map geometry (cached by the browser);
- ``GET /api/recherche?q=…&limite=…&phase=…`` -> ``{"q": …, "resultats": […]}``;
- ``GET /export.csv?<query of the page>``, ``GET /export.geojson?<query>`` and ``GET /export.xlsx?<query>``:
  exactly ``filter_laureates(ctx.laureats, ViewState.from_query(query, ctx.choices)[0])``;
  ``GET /export.csv.meta?<query>``: the CSV's metadata (sources, date, filters) as plain text;
- ``GET /export.pptx?<query>``: the committee deck of the view (:mod:`dashboard.exports.deck`);
- ``GET /export.png?<query>``: the 16:9 slide image of the map (:func:`dashboard.exports.static_map.render_map`).

Unknown or malformed parameters never cause an error: they are ignored and
summarised (percent-encoded) in the ``X-Parametres-Ignores`` header.
"""
from __future__ import annotations

import functools
import json
from datetime import date
from urllib.parse import quote

from flask import Response, request

from dashboard.web.cache import ExportCache, get_cache
from dashboard.model.data import filter_laureates, row_state
from dashboard.exports.tables import export_rows, metadata_text, to_csv_text, to_geojson
from dashboard.exports.xlsx import XLSX_MIMETYPE, to_xlsx_bytes
from dashboard.model.search import MAX_QUERY_LENGTH, SearchIndex, clamp_limit
from dashboard.model.state import ViewState

CSV_FILENAME = "laureats-territoires-industrie.csv"
GEOJSON_FILENAME = "laureats-territoires-industrie.geojson"
XLSX_FILENAME = "laureats-territoires-industrie.xlsx"
META_FILENAME = "laureats-territoires-industrie.csv.meta.txt"
PPTX_FILENAME = "dossier-comite-territoires-industrie.pptx"
PPTX_MIMETYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PNG_FILENAME = "carte-territoires-industrie.png"
IGNORED_HEADER = "X-Parametres-Ignores"
MAX_IGNORED_SUMMARY = 400  # characters before percent-encoding
ENDPOINTS = ("ti_api_recherche", "ti_export_csv", "ti_export_geojson", "ti_geo", "ti_export_xlsx",
             "ti_export_csv_meta", "ti_export_pptx", "ti_export_png")
GEO_NAMES = ("epci", "ti-2019-2022", "ti-2023-2027")
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
    prefix = getattr(getattr(app, "config", None), "routes_pathname_prefix", None) or "/"
    if not prefix.endswith("/"):
        prefix += "/"

    def index() -> SearchIndex:
        return ctx.search_index

    def recherche():
        q = request.args.get("q", "", type=str) or ""
        limit = clamp_limit(request.args.get("limite"))
        phase = request.args.get("phase", "", type=str)  # unknown phase: no preference
        results = index().search(q, limit, phase) if len(q.strip()) <= MAX_QUERY_LENGTH else []
        body = json.dumps({"q": q[:MAX_QUERY_LENGTH], "resultats": results}, ensure_ascii=False, allow_nan=False)
        resp = Response(body, status=200, mimetype="application/json")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    def export_csv():
        state, ignored = view_state_from_request(ctx)
        resp = _attachment(csv_body(state), "text/csv", CSV_FILENAME, ignored)
        # where the metadata lives (the CSV itself holds only the header and the rows)
        resp.headers["Link"] = f'<export.csv.meta{state.to_query(include_embed=False)}>; rel="describedby"'
        return resp

    def export_geojson():
        state, ignored = view_state_from_request(ctx)
        return _attachment(geojson_body(state), "application/geo+json", GEOJSON_FILENAME, ignored)

    def export_xlsx():
        state, ignored = view_state_from_request(ctx)
        # the workbook names the whole view (its address) beside the rows: keyed on the whole state
        body = cached("xlsx", state, lambda: to_xlsx_bytes(ctx, state))
        return _attachment(body, XLSX_MIMETYPE, XLSX_FILENAME, ignored)

    def export_csv_meta():
        state, ignored = view_state_from_request(ctx)
        body = cached("csv.meta", state, lambda: metadata_text(ctx, state, len(export_rows(ctx, state))).encode())
        return _attachment(body, "text/plain", META_FILENAME, ignored)

    # Decks and images (0.3-0.7 MB each) are not put in the shared cache: a few per process, the last ones asked.
    @functools.lru_cache(maxsize=8)
    def deck_body(state: ViewState, day: str) -> bytes:  # the deck prints the day it was made
        from dashboard.exports.deck import deck_bytes  # matplotlib and python-pptx load on the first deck only
        return deck_bytes(ctx, state)

    @functools.lru_cache(maxsize=8)
    def png_body(state: ViewState) -> bytes:
        from dashboard.exports.static_map import render_map  # matplotlib loads on the first image only
        return render_map(ctx, state, filter_laureates(ctx.laureats, state), slide=True)

    def export_pptx():
        state, ignored = view_state_from_request(ctx)
        body = deck_body(state.with_(embed=False), date.today().isoformat())
        return _attachment(body, PPTX_MIMETYPE, PPTX_FILENAME, ignored)

    def export_png():
        state, ignored = view_state_from_request(ctx)
        return _attachment(png_body(state.with_(embed=False)), "image/png", PNG_FILENAME, ignored)

    # Export bodies are pure functions of (data, rows selected): the state is first reduced to
    # what selects rows (row_state), so parameters that do not change the rows (territoire,
    # indicateur…) share one entry. Redis when REDIS_URL is set (every worker and machine),
    # else an in-process cache bounded in bytes.
    def cached(kind: str, state: ViewState, make) -> bytes:
        cache = server.extensions.get(EXPORT_CACHE_KEY)
        if cache is None:
            shared = get_cache(app)
            is_redis = type(server.extensions.get("cache", {}).get(shared)).__name__ == "RedisCache"
            cache = server.extensions.setdefault(EXPORT_CACHE_KEY, ExportCache(shared if is_redis else None))
        key = f"export:{kind}:{ctx.geo_version}:{state.to_query(include_embed=False)}"
        return cache.get_or_make(key, make)

    def csv_body(state: ViewState) -> bytes:
        state = row_state(state)
        return cached("csv", state, lambda: to_csv_text(export_rows(ctx, state), ctx, state).encode("utf-8"))

    def geojson_body(state: ViewState) -> bytes:
        state = row_state(state)
        return cached("geojson", state, lambda: json.dumps(
            to_geojson(export_rows(ctx, state), ctx, state), ensure_ascii=False, allow_nan=False,
            separators=(",", ":")).encode("utf-8"))

    def geo(name):
        """Map geometry (GeoJSON), by fixed name only; versioned URL, cacheable for good."""
        body = ctx.geo_bytes(name) if name in GEO_NAMES else None
        if body is None:
            return Response("Géométrie inconnue.", status=404, mimetype="text/plain")
        resp = Response(body, status=200, mimetype="application/geo+json")
        if request.args.get("v") == ctx.geo_version:
            resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            resp.headers["Cache-Control"] = "public, max-age=300"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    server.add_url_rule(f"{prefix}geo/<name>.geojson", ENDPOINTS[3], geo, methods=["GET"])
    server.add_url_rule(f"{prefix}api/recherche", ENDPOINTS[0], recherche, methods=["GET"])
    server.add_url_rule(f"{prefix}export.csv", ENDPOINTS[1], export_csv, methods=["GET"])
    server.add_url_rule(f"{prefix}export.geojson", ENDPOINTS[2], export_geojson, methods=["GET"])
    server.add_url_rule(f"{prefix}export.xlsx", ENDPOINTS[4], export_xlsx, methods=["GET"])
    server.add_url_rule(f"{prefix}export.csv.meta", ENDPOINTS[5], export_csv_meta, methods=["GET"])
    server.add_url_rule(f"{prefix}export.pptx", ENDPOINTS[6], export_pptx, methods=["GET"])
    server.add_url_rule(f"{prefix}export.png", ENDPOINTS[7], export_png, methods=["GET"])
