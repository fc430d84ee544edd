"""Server routes beside the Dash page: place search and exports of the view.

``register_routes(app, ctx)`` adds, under the app's ``routes_pathname_prefix``
(``/`` by default):

- ``GET /geo/<epci|ti-2019-2022|ti-2023-2027>.geojson`` -> map geometry (cached by the browser);
- ``GET /api/recherche?q=…&limite=…&phase=…`` -> ``{"q": …, "resultats": […]}``;
- ``GET /export.csv?<query of the page>`` and ``GET /export.geojson?<query of the page>``:
  exactly ``filter_laureates(ctx.laureats, ViewState.from_query(query, ctx.choices)[0])``.

Unknown or malformed parameters never cause an error: they are ignored and
summarised (percent-encoded) in the ``X-Parametres-Ignores`` header.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Response, request

from .export import export_rows, to_csv_text, to_geojson
from .security import get_cache
from .search import MAX_QUERY_LENGTH, SearchIndex, clamp_limit
from .state import ViewState

CSV_FILENAME = "laureats-territoires-industrie.csv"
GEOJSON_FILENAME = "laureats-territoires-industrie.geojson"
IGNORED_HEADER = "X-Parametres-Ignores"
MAX_IGNORED_SUMMARY = 400  # characters before percent-encoding
ENDPOINTS = ("ti_api_recherche", "ti_export_csv", "ti_export_geojson", "ti_geo")
GEO_NAMES = ("epci", "ti-2019-2022", "ti-2023-2027")


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
    if mimetype == "text/csv":
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
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
    ctx : dashboard.data.DataContext
        The app's data (``app._ti_context``). The search index is built on the
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
        return _attachment(csv_body(state), "text/csv", CSV_FILENAME, ignored)

    def export_geojson():
        state, ignored = view_state_from_request(ctx)
        return _attachment(geojson_body(state), "application/geo+json", GEOJSON_FILENAME, ignored)

    # Export bodies are pure functions of (data, state): kept in the shared cache (Redis when
    # REDIS_URL is set, so every worker and machine benefits; in-process otherwise).
    def cached(kind: str, state: ViewState, make) -> bytes:
        cache = get_cache(app)
        key = f"export:{kind}:{ctx.geo_version}:{state.to_query(include_embed=False)}"
        body = cache.get(key)
        if not isinstance(body, bytes):
            body = make()
            cache.set(key, body, timeout=3600)
        return body

    def csv_body(state: ViewState) -> bytes:
        return cached("csv", state, lambda: to_csv_text(export_rows(ctx, state), ctx, state).encode("utf-8"))

    def geojson_body(state: ViewState) -> bytes:
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
