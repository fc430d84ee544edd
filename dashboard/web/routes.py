"""Server routes beside the Dash page: place search, map geometry and the exports of the view.

``register_routes(app, ctx)`` adds, under the app's ``routes_pathname_prefix``
(``/`` by default):

- ``GET /geo/<epci|ti-2019-2022|ti-2023-2027>[-france|-region-<code>|-departement-<code>].geojson`` -> map
  geometry (cached by the browser; ``-france``: coarser outlines for the whole of France; a scope: its
  outlines only, for the embed view);
- ``GET /geo/complements/<name>.json`` -> constant parts of the map figure (pin hover texts, names,
  region lines: :mod:`dashboard.views.map_complements`), cached by the browser;
- ``GET /geo/lieux.json`` -> place names drawn over the map;
- ``GET /api/recherche?q=…&limite=…&phase=…`` -> ``{"q": …, "resultats": […]}``;
- ``GET /export.<kind>?<query of the page>`` for every format of
  :data:`dashboard.model.export_formats.EXPORTS` (CSV, GeoJSON, XLSX, committee deck with its
  ``comite=AAAA-MM-JJ``, slide image, the CSV's metadata; the printable fiche at ``/fiche.pdf``):
  the rows are exactly ``filter_laureates(ctx.laureats, ViewState.from_query(query)[0])``;
- ``GET /export.quarantaine.csv``: the validation report of the official laureates file (rows in quarantine);
- ``GET /export.nouveautes.csv``: laureates added, removed or modified since the previous file.

Heavy exports (formats with ``heavy=True``: deck, slide image, workbook, printable fiche) are computed at most
``TI_EXPORTS_LOURDS`` at a time per process (:class:`HeavyExportSlots`); beyond that, and unless the
body is cached, the answer is at once a 503 with ``Retry-After`` and a French message, so that they
never hold every request thread.

Unknown or malformed parameters never cause an error: they are ignored and
summarised (percent-encoded) in the ``X-Parametres-Ignores`` header.
"""
from __future__ import annotations

import functools
import importlib
import json
import threading
from contextlib import contextmanager, nullcontext
from datetime import date
from urllib.parse import quote

from flask import Response, request

import settings
from dashboard.web.cache import ExportCache, get_cache
from dashboard.model.data import row_state
from dashboard.model.export_formats import EXPORT_BY_KIND, EXPORTS, ExportFormat, ExportUnavailable
from dashboard.model.urls import AppUrls
from dashboard.views.map_overlays import place_labels_json
from dashboard.model.search import MAX_QUERY_LENGTH, clamp_limit
from dashboard.model.state import ViewState
from dashboard.views.map_complements import complement_body, complement_names
from dashboard.views.page_frame import CHANGES_EXPORT, QUARANTINE_EXPORT
from dashboard.web.errors import error_response
from dashboard.web.headers import LONG_CACHE

IGNORED_HEADER = "X-Parametres-Ignores"
MAX_IGNORED_SUMMARY = 400  # characters before percent-encoding
SEARCH_ENDPOINT = "ti_api_recherche"
GEO_ENDPOINT = "ti_geo"
PLACES_ENDPOINT = "ti_geo_lieux"
COMPLEMENT_ENDPOINT = "ti_geo_complement"
#: Reports of the bundle (not views: no query), downloadable as CSV: endpoint -> (path, file name).
REPORTS = {"ti_rapport_quarantaine": (QUARANTINE_EXPORT, "rapport-validation-laureats.csv"),
           "ti_rapport_nouveautes": (CHANGES_EXPORT, "nouveautes-laureats.csv")}
#: Every endpoint this module registers (the exports' from the registry).
ENDPOINTS = (SEARCH_ENDPOINT, GEO_ENDPOINT, PLACES_ENDPOINT, COMPLEMENT_ENDPOINT, *(f.endpoint for f in EXPORTS), *REPORTS)
EXPORT_CACHE_KEY = "ti_export_cache"
#: Seconds a client is told to wait (``Retry-After``) when every heavy-export slot is taken.
BUSY_RETRY_AFTER = 5
BUSY_MESSAGE = ("Trop d'exports lourds (dossier de comité, image, classeur, fiche PDF) sont en cours sur ce serveur : "
                f"réessayez dans {BUSY_RETRY_AFTER} secondes.")


class ExportsBusy(Exception):
    """Every heavy-export slot of this process is taken (answered 503 with ``Retry-After``)."""


class HeavyExportSlots:
    """At most ``size`` heavy exports computed at a time in this process; never waits for a slot.

    Parameters
    ----------
    size : int
        Number of slots (``TI_EXPORTS_LOURDS``).
    """

    def __init__(self, size: int):
        self.size = int(size)
        self._semaphore = threading.BoundedSemaphore(self.size)

    @contextmanager
    def hold(self):
        """Hold a slot for the block; raise :class:`ExportsBusy` at once when none is free."""
        if not self._semaphore.acquire(blocking=False):
            raise ExportsBusy()
        try:
            yield
        finally:
            self._semaphore.release()


def busy_response(_exc: ExportsBusy):
    """503 in French, ``Retry-After``, never cached: the client may try again shortly."""
    resp = error_response(503, BUSY_MESSAGE)
    resp.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _query_string() -> str:
    """Raw query string of the current request (undecodable bytes replaced)."""
    return request.query_string.decode("utf-8", errors="replace")


def view_state_from_request(ctx) -> tuple[ViewState, list[str]]:
    """The view state of the current request, parsed exactly as the page does."""
    return ViewState.from_query(_query_string(), ctx.choices)


def request_options(fmt: ExportFormat, urls, ignored: list[str]) -> tuple[tuple[str, str], ...]:
    """The builder's options of ``fmt`` from the current request (``site_url``: the page's absolute
    address; ``comite``: an ISO date, a bad one is reported in ``ignored``), as sorted pairs."""
    out = {}
    if "site_url" in fmt.options:
        out["site_url"] = request.host_url.rstrip("/") + urls.requests_prefix
    raw = request.args.get("comite") if "comite" in fmt.options else None
    if raw:
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None:
            ignored.append(f"« comite={raw[:40]} » ignoré (date attendue AAAA-MM-JJ)")
        else:
            out["comite"] = day.isoformat()
    return tuple(sorted(out.items()))


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
    slots = HeavyExportSlots(settings.get("TI_EXPORTS_LOURDS"))
    server.register_error_handler(ExportsBusy, busy_response)

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

        def make(state: ViewState, day: str | None, options: tuple = ()) -> bytes:  # the day: formats printing it
            # a heavy export takes its slot before the import: no request waits for another's import
            with slots.hold() if fmt.heavy else nullcontext():
                builder = getattr(importlib.import_module(module), name)  # heavy libraries load on first use
                return builder(ctx, state, **dict(options))

        if fmt.cache == "process":
            return functools.lru_cache(maxsize=8)(make)
        if fmt.cache == "shared":
            def cached(state: ViewState, day: str | None, options: tuple = ()) -> bytes:
                key = (f"export:{fmt.kind}:{ctx.geo_version}:{day or ''}:{state.to_query(include_embed=False)}"
                       + (f":{options}" if options else ""))
                return shared_cache().get_or_make(key, lambda: make(state, day, options))
            return cached
        return make

    def export_view(fmt: ExportFormat):
        body = body_maker(fmt)

        def view():
            if "comite" in fmt.options:  # a parameter of the file, not of the view
                state, ignored = ViewState.from_query(
                    {k: request.args.getlist(k) for k in request.args if k != "comite"}, ctx.choices)
            else:
                state, ignored = view_state_from_request(ctx)
            state = state.with_(embed=False)
            key_state = row_state(state) if fmt.rows_only else state
            options = request_options(fmt, urls, ignored)
            try:
                made = body(key_state, date.today().isoformat() if fmt.daily else None, options)
            except ExportUnavailable as refusal:
                resp = Response(str(refusal), status=404, mimetype="text/plain")
                resp.headers["Content-Type"] = "text/plain; charset=utf-8"
                return resp
            resp = _attachment(made, fmt.mimetype, fmt.filename, ignored)
            if fmt.described_by:  # where the metadata lives (the CSV itself holds only the header and the rows)
                target = EXPORT_BY_KIND[fmt.described_by].path
                resp.headers["Link"] = f'<{target}{state.to_query(include_embed=False)}>; rel="describedby"'
            return resp
        view.__name__ = fmt.endpoint
        return view

    def versioned(body: bytes, mimetype: str, name: str) -> Response:
        """A body of the bundle: cacheable for good under its versioned URL, 5 minutes otherwise, then
        revalidated by its ETag (``<version>-<name>``: a 304 without the body when unchanged)."""
        resp = Response(body, status=200, mimetype=mimetype)
        if request.args.get("v") == ctx.geo_version:
            resp.headers["Cache-Control"] = LONG_CACHE
        else:
            resp.headers["Cache-Control"] = "public, max-age=300"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.set_etag(f"{ctx.geo_version}-{name}")
        return resp.make_conditional(request)

    def geo(name):
        """Map geometry (GeoJSON), by fixed name only (and known scopes: :meth:`DataContext.geo_bytes`)."""
        body = ctx.geo_bytes(name)
        if body is None:
            return error_response(404, "Géométrie inconnue : attendu epci, ti-2019-2022 ou ti-2023-2027 (suivi de "
                                       "-france, -region-<code> ou -departement-<code>), en .geojson.")
        return versioned(body, "application/geo+json", name)

    places: dict = {}  # encoded once (not ctx.once: place_labels already holds its non-reentrant lock)

    def lieux():
        """Place names drawn over the map (:func:`dashboard.views.map_overlays.place_labels`)."""
        if "body" not in places:
            places["body"] = place_labels_json(ctx)
        return versioned(places["body"], "application/json", "lieux")

    def complement(name):
        """A constant part of the map figure (:mod:`dashboard.views.map_complements`), by fixed name
        only; versioned URL, cacheable for good."""
        if name not in complement_names(ctx):
            return error_response(404, "Complément de carte inconnu.")
        part = complement_body(ctx, name)  # outside ctx.once, which does not nest
        body = ctx.once(("complement", name), lambda: json.dumps(
            part, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return versioned(body, "application/json", "complement-" + name)

    server.add_url_rule(urls.route("geo/<name>.geojson"), GEO_ENDPOINT, geo, methods=["GET"])
    server.add_url_rule(urls.route("geo/complements/<name>.json"), COMPLEMENT_ENDPOINT, complement, methods=["GET"])
    server.add_url_rule(urls.route("geo/lieux.json"), PLACES_ENDPOINT, lieux, methods=["GET"])
    server.add_url_rule(urls.route("api/recherche"), SEARCH_ENDPOINT, recherche, methods=["GET"])
    for fmt in EXPORTS:
        server.add_url_rule(urls.route(fmt.path), fmt.endpoint, export_view(fmt), methods=["GET"])

    def report(endpoint: str, frame, missing: str):
        """A report of the bundle as CSV (``;``, UTF-8 with BOM: opens as is in a spreadsheet)."""
        path, filename = REPORTS[endpoint]

        def view():
            table = frame()
            if table is None:
                return Response(missing, status=404, mimetype="text/plain")
            return _attachment(table.to_csv(index=False, sep=";").encode("utf-8-sig"), "text/csv", filename, [])
        view.__name__ = endpoint
        server.add_url_rule(urls.route(path), endpoint, view, methods=["GET"])

    report("ti_rapport_quarantaine", lambda: ctx.quarantine_report,
           "Pas de rapport de validation : les lauréats ne viennent pas d'un fichier officiel contrôlé.")
    report("ti_rapport_nouveautes", lambda: ctx.changes_report,
           "Pas de nouveautés : aucun fichier officiel précédent dans ce lot de données.")
