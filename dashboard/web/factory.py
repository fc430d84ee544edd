"""The Dash app factory. ``create_app(bundle)`` builds the app; it reads no globals."""
from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

import dash
from urllib.parse import urlsplit

from dash import html
from dash._utils import to_json
from flask import Response, request

from geodata.bundle import Bundle

from dashboard.views import page_frame
from dashboard.callbacks.view import register_callbacks
from dashboard.model.data import DataContext
from dashboard.model.urls import AppUrls
from dashboard.views.embed import embed_document, embed_markup, register_embed_callbacks
from dashboard.views.preload import dcc_chunk_urls, map_resource_urls, preload_tags
from dashboard.views.layout import PAGE_MAP_CONFIG, page, page_figure
from dashboard.views.html_render import figure_data_block
from dashboard.views.info_pages import info_page
from dashboard.web.routes import register_routes
from dashboard.web.security import harden
from dashboard.web.static_files import NOT_DASH_ASSETS, register_static_files
from dashboard.model.state import ViewState

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _page_path() -> str:
    """Last segment of the path of the page being laid out ("" for the map)."""
    try:
        path = request.path
        if path.endswith("/_dash-layout"):
            parsed = urlsplit(request.referrer or "")
            if parsed.netloc and parsed.netloc != request.host:
                return ""
            path = parsed.path
    except (RuntimeError, ValueError):  # outside a request; malformed Referer
        return ""
    return path.rstrip("/").rsplit("/", 1)[-1]


def _page_query() -> str:
    """Query string of the page being laid out.

    The browser asks for the layout at ``/_dash-layout``; the page's own query
    is then read from the same-origin Referer. Where it is missing, the
    page's initial callbacks bring the view in line with the URL.
    """
    try:
        if request.path.endswith("/_dash-layout"):
            ref = request.referrer or ""
            try:
                parsed = urlsplit(ref)
            except ValueError:  # malformed Referer
                return ""
            if parsed.netloc and parsed.netloc != request.host:
                return ""
            return parsed.query
        return request.query_string.decode("utf-8", errors="replace")
    except RuntimeError:  # outside a request
        return ""


def create_app(bundle: Bundle, **dash_kwargs) -> dash.Dash:
    """Build the app for a loaded bundle.

    Parameters
    ----------
    bundle : geodata.bundle.Bundle
    **dash_kwargs
        Passed to :class:`dash.Dash` (e.g. ``requests_pathname_prefix``).
    """
    ctx = DataContext(bundle)
    app = dash.Dash(
        __name__,
        title="Territoires d'industrie — carte des lauréats",
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        use_async=False,  # plain WSGI dispatch: no event loop and thread per callback request
        # vendored CSS and style.css are joined in one versioned stylesheet (static_files.py); axe-core is
        # for tests; plotly.js (partial bundle) is served from a versioned URL too
        assets_path_ignore=["vendor"], assets_ignore="^(" + "|".join(re.escape(n) for n in NOT_DASH_ASSETS) + ")$",
        **dash_kwargs,
    )
    app._ti_context = ctx  # for tests and benchmarks only (the app's modules receive ctx); read-only
    # Absolute paths for geometry and exports: right whatever the page's own path.
    ctx.urls = AppUrls.of(app)

    @functools.lru_cache(maxsize=256)
    def cached_page(state: ViewState, ignored: tuple):
        # A pure function of (data, state): memoised per process, bounded, never mutated.
        # (the embed view is a page of its own, without Dash: serve_embed_page)
        tree = html.Div([page_frame.skip_links(), page_frame.brand_header(),
                         html.Main(page(ctx, state.with_(embed=False), list(ignored)), id=page_frame.MAIN_ID,
                                   tabIndex="-1"),
                         page_frame.brand_footer()])
        page_frame.frenchify_dropdowns(tree)
        return tree

    @functools.lru_cache(maxsize=256)
    def page_preloads(state: ViewState, ignored: tuple) -> str:
        # plotly.js, what the view's first map needs and the map itself (its figure, drawn by
        # assets/carte-dessin.js as soon as plotly.js has run, before Dash's layout), in <head>
        tree = cached_page(state, ignored)
        fig = page_figure(ctx, state.with_(embed=False))
        return (preload_tags(map_resource_urls(fig), dcc_chunk_urls(tree, app.config.requests_pathname_prefix or "/"))
                + static.map_head(figure_data_block(fig, PAGE_MAP_CONFIG)))

    def view_head() -> str:
        if _page_path() in page_frame.INFO_PAGES:
            return ""
        state, ignored = ViewState.from_query(_page_query(), ctx.choices)
        return "" if state.embed else page_preloads(state, tuple(ignored))

    @functools.lru_cache(maxsize=len(page_frame.INFO_PAGES))
    def cached_info(name: str):
        return html.Div([page_frame.skip_links(), page_frame.brand_header(), info_page(ctx, name), page_frame.brand_footer()])

    def layout():
        name = _page_path()
        if name in page_frame.INFO_PAGES:
            return cached_info(name)
        query = _page_query()
        state, ignored = ViewState.from_query(query, ctx.choices)
        return cached_page(state, tuple(ignored))

    @functools.lru_cache(maxsize=32)
    def layout_body(state: ViewState, ignored: tuple) -> tuple[bytes, bytes]:
        # The layout response (0.6 MB of JSON, mostly the map figure) serialised and gzipped once
        # per view: doing it per page view was two thirds of the server's CPU under load.
        raw = to_json(app.get_layout()).encode("utf-8")
        return raw, gzip.compress(raw, 6)

    layout_path = ctx.urls.route("_dash-layout")

    def serve_layout_once():
        if request.path != layout_path or request.method not in ("GET", "HEAD") or _page_path() in page_frame.INFO_PAGES:
            return None
        state, ignored = ViewState.from_query(_page_query(), ctx.choices)
        raw, gz = layout_body(state, tuple(ignored))
        resp = Response(gz if request.accept_encodings["gzip"] else raw, mimetype="application/json")
        if request.accept_encodings["gzip"]:
            resp.headers["Content-Encoding"] = "gzip"  # Flask-Compress leaves it as it is
        resp.headers["Vary"] = "Accept-Encoding"
        return resp

    static = register_static_files(app, embed_markup=lambda: embed_markup(ctx))

    @functools.lru_cache(maxsize=64)
    def embed_body(state: ViewState, ignored: tuple) -> tuple[bytes, bytes]:
        # The embed view's whole page (figure included), made and gzipped once per view.
        raw = embed_document(ctx, state, list(ignored), static.embed_head(), static.embed_scripts()).encode("utf-8")
        return raw, gzip.compress(raw, 6)

    def serve_embed_page():
        """``?embed=1``: the light page of the embed view (no Dash renderer, no callback)."""
        if request.method not in ("GET", "HEAD") or request.path != ctx.urls.route(""):
            return None  # HEAD answers as GET (same headers: issue 18, defect 11)
        state, ignored = ViewState.from_query(request.query_string.decode("utf-8", errors="replace"), ctx.choices)
        if not state.embed:
            return None
        raw, gz = embed_body(state, tuple(ignored))
        packed = request.accept_encodings["gzip"] > 0
        resp = Response(gz if packed else raw, mimetype="text/html")
        if packed:
            resp.headers["Content-Encoding"] = "gzip"  # Flask-Compress leaves it as it is
        resp.headers["Vary"] = "Accept-Encoding"
        return resp

    app.layout = layout
    page_frame.install(app, head=static.head_html(), view_head=view_head)
    register_callbacks(app, ctx)
    register_embed_callbacks(app)
    page_frame.register_shell_callbacks(app)
    register_routes(app, ctx)
    harden(app, manifest=ctx.manifest, rebuild_failure=ctx.rebuild_failure)
    app.server.before_request(serve_layout_once)  # after harden's checks
    app.server.before_request(serve_embed_page)
    return app
