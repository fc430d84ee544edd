"""The frame around every page: French HTML shell (``lang="fr"``, skip links,
loading text), State design-system header and footer, French texts of the
dropdowns, the phone filter drawer and the "Intégrer" block. No data; the only
callback is the drawer's, client-side (``assets/tiroir.js``).

The header and footer follow the DSFR (Système de design de l'État, vendored
under ``assets/vendor/dsfr/``): brand block "République française", service
name, mandatory footer links.
"""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, dcc, html

SERVICE_NAME = "Territoires d'industrie"
SERVICE_TAGLINE = "Carte des lauréats France Relance et des territoires du programme"
MAIN_ID = "contenu"
EMBED_CODE = "code-integration"
EMBED_BLOCK = "bloc-integration"
EMPTY_MAP = "carte-vide"
EMPTY_MAP_TEXT = ("Aucun lauréat ne correspond à ces filtres. Retirez un filtre ou élargissez la période pour en "
                  "voir.")
DRAWER = "tiroir-filtres"
DRAWER_OPEN = "ouvrir-filtres"
DRAWER_CLOSE = "fermer-filtres"
SEARCH_ANCHOR = "recherche"  # the search dropdown (ids.SEARCH)
FOOTER_ID = "pied-de-page"
#: Route of the data-quality page and its anchors; the routes of its downloads.
QUALITY_PAGE = "qualite-des-donnees"
NEWS_ANCHOR = "nouveautes"
QUARANTINE_EXPORT = "export.quarantaine.csv"
CHANGES_EXPORT = "export.nouveautes.csv"

#: Pages beside the map (route -> title), linked from the footer.
INFO_PAGES = {
    "a-propos": "À propos et méthode",
    "qualite-des-donnees": "Qualité des données",
    "accessibilite": "Accessibilité : partiellement conforme",
    "mentions-legales": "Mentions légales",
    "donnees-personnelles": "Données personnelles",
    "plan-du-site": "Plan du site",
}

#: Texts of Dash 4's dcc.Dropdown (English by default).
DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num_selected} sélectionnés",
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun résultat",
}

LOADING_TEXT = "Chargement de la carte…"

INDEX_STRING = """<!DOCTYPE html>
<html lang="fr">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""

APP_ENTRY = f"""
<div id="react-entry-point">
    <div class="_dash-loading chargement-page" role="status">{LOADING_TEXT}</div>
</div>
"""


def frenchify_dropdowns(tree) -> None:
    """Give every dcc.Dropdown of a layout tree the French texts (in place, where unset)."""
    nodes = [tree, *[c for c in tree._traverse()]] if hasattr(tree, "_traverse") else []
    for node in nodes:
        if isinstance(node, dcc.Dropdown) and getattr(node, "labels", None) is None:
            node.labels = dict(DROPDOWN_LABELS)


def install(app, head: str = "", view_head=None) -> None:
    """French HTML shell for ``app``: ``<html lang="fr">``, French loading text; ``head``: tags put
    first in ``<head>`` (the versioned stylesheet and plotly.js, see ``dashboard.web.static_files``);
    ``view_head()``, asked per page served: the tags of that view, after them (the files its first
    map needs, see ``dashboard.views.preload``)."""
    app.index_string = INDEX_STRING
    original = app.interpolate_index

    def interpolate_index(**kwargs):
        kwargs["app_entry"] = APP_ENTRY
        kwargs["css"] = head + (view_head() if view_head else "") + kwargs.get("css", "")
        return original(**kwargs)

    app.interpolate_index = interpolate_index


def skip_links():
    return html.Div(className="fr-skiplinks", children=html.Nav(
        **{"aria-label": "Accès rapide"}, className="fr-container", children=html.Ul(className="fr-skiplinks__list", children=[
            html.Li(html.A("Aller au contenu", href=f"#{MAIN_ID}", className="fr-link")),
            html.Li(html.A("Aller à la recherche", href=f"#{SEARCH_ANCHOR}", className="fr-link")),
            html.Li(html.A("Aller au pied de page", href=f"#{FOOTER_ID}", className="fr-link")),
        ])))


def brand_header(home: str = "./"):
    """DSFR header: "République française" brand block and the service name."""
    return html.Header(className="fr-header", role="banner", children=html.Div(className="fr-header__body", children=
        html.Div(className="fr-container", children=html.Div(className="fr-header__body-row", children=
            html.Div(className="fr-header__brand fr-enlarge-link", children=[
                html.Div(className="fr-header__brand-top", children=html.Div(className="fr-header__logo", children=
                    html.P(["République", html.Br(), "française"], className="fr-logo"))),
                html.Div(className="fr-header__service", children=[
                    html.A(html.P(SERVICE_NAME, className="fr-header__service-title"), href=home,
                           title=f"Accueil — {SERVICE_NAME}"),
                    html.P(SERVICE_TAGLINE, className="fr-header__service-tagline"),
                ]),
            ])))))


def brand_footer(home: str = "./"):
    """DSFR footer with the links a public site must carry."""
    return html.Footer(className="fr-footer", role="contentinfo", id=FOOTER_ID, children=html.Div(
        className="fr-container", children=[
            html.Div(className="fr-footer__body", children=[
                html.Div(className="fr-footer__brand fr-enlarge-link", children=html.A(
                    html.P(["République", html.Br(), "française"], className="fr-logo"), href=home,
                    title=f"Retour à l’accueil — {SERVICE_NAME}")),
                html.Div(className="fr-footer__content", children=[
                    html.P("Carte du programme Territoires d'industrie (ANCT) et des projets industriels lauréats de "
                           "France Relance. Données publiques sous Licence Ouverte 2.0.",
                           className="fr-footer__content-desc"),
                    html.Ul(className="fr-footer__content-list", children=[
                        html.Li(html.A(name, href=url, className="fr-footer__content-link", target="_blank",
                                       rel="noopener noreferrer", title=f"{name} — nouvelle fenêtre"),
                                className="fr-footer__content-item")
                        for name, url in (("anct.gouv.fr", "https://anct.gouv.fr"),
                                          ("data.gouv.fr", "https://www.data.gouv.fr"),
                                          ("economie.gouv.fr", "https://www.economie.gouv.fr"))]),
                ]),
            ]),
            html.Div(className="fr-footer__bottom", children=[
                html.Ul(className="fr-footer__bottom-list", children=[
                    html.Li(html.A(title, href=route, className="fr-footer__bottom-link"),
                            className="fr-footer__bottom-item") for route, title in INFO_PAGES.items()]),
                html.Div(className="fr-footer__bottom-copy", children=html.P(
                    "Sauf mention contraire, les contenus de ce site sont sous Licence Ouverte 2.0 (Etalab).")),
            ]),
        ]))


def integration_block():
    """The full page's "Intégrer" disclosure: the iframe code of the current view
    (filled client-side from the address, see ``assets/integration.js``)."""
    return html.Details(id=EMBED_BLOCK, className="integration", children=[
        html.Summary("Intégrer", className="btn btn-sm btn-outline-secondary",
                     title="Code pour intégrer cette vue dans un autre site"),
        html.Div(className="integration-corps", children=[
            html.Label("Code à copier dans votre page (la carte suit les filtres choisis) :", htmlFor=EMBED_CODE,
                       className="small"),
            dcc.Textarea(id=EMBED_CODE, readOnly=True, value="", rows=3, className="form-control small"),
        ]),
    ])


def drawer_button():
    """Phone only: opens the filter drawer."""
    return html.Button("Filtres", id=DRAWER_OPEN, type="button", className="btn btn-primary btn-sm bouton-tiroir",
                       **{"aria-controls": DRAWER, "aria-expanded": "false"})


def drawer(panel):
    """The filter panel; on a phone it is a drawer opened by :func:`drawer_button`."""
    return html.Div(id=DRAWER, className="tiroir", role="region", **{"aria-label": "Filtres"}, children=[
        html.Button("Fermer les filtres", id=DRAWER_CLOSE, type="button",
                    className="btn btn-outline-secondary btn-sm fermer-tiroir"),
        panel,
    ])


def register_shell_callbacks(app) -> None:
    """Open/close the filter drawer (phone layout), moving the focus into it and back."""
    app.clientside_callback(
        ClientsideFunction(namespace="ti_tiroir", function_name="toggle"),
        Output(DRAWER, "className"), Output(DRAWER_OPEN, "aria-expanded"),
        Input(DRAWER_OPEN, "n_clicks"), Input(DRAWER_CLOSE, "n_clicks"),
        prevent_initial_call=True)


def empty_map_message(n: int):
    """Text laid over the map when the filters keep no laureate (None otherwise)."""
    return EMPTY_MAP_TEXT if n == 0 else None


def map_box(graph, n: int, class_name: str = "boite-carte"):
    """The map with its empty-state message over it (kept in place: no jump)."""
    return html.Div(className=class_name, children=[
        graph, html.Div(empty_map_message(n), id=EMPTY_MAP, className="carte-vide", role="status")])
