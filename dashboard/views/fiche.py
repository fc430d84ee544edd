"""Territory fiche, comparison and the ranked table (the map's accessible twin).
Pure builders: ``(ctx, state, selection) -> Dash components``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import dash_table, dcc, html

from geodata.schema import PHASES, ti_id_column, ti_nom_column

from dashboard.model import fmt
from dashboard.model.catalog import KPI_METRICS, METRICS
from dashboard.model.export_formats import EXPORT_BY_KIND
from dashboard.views import ids
from dashboard.views.compare import compare_control
from dashboard.model.data import DataContext, aggregate, filter_laureates, kpis, territories_in_scope, territory_key
from dashboard.model.state import ViewState
from dashboard.model.describe import place

RANKING_ROWS = 50
#: The page's font (assets/style.css, body), given to the DataTable whose own CSS sets a monospace one.
PAGE_FONT = "Marianne, arial, sans-serif"
#: Laureates listed under « Projets autour de ma commune ».
NEARBY_ROWS = 10
EARTH_RADIUS_KM = 6371.0

#: Plain words for the jargon of the fiche (tooltips of ``<abbr>`` and the glossary line).
GLOSSARY = {
    "EPCI": "intercommunalité (établissement public de coopération intercommunale) : communauté de communes, "
            "d'agglomération, urbaine ou métropole",
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "ME": "métropole",
    "SIREN": "numéro d'identification de l'intercommunalité au répertoire des entreprises (INSEE)",
    "n.d.": "non disponible : le fichier des lauréats ne donne pas cette valeur",
    "TI": "Territoire d'industrie, programme de l'État pour l'industrie dans les territoires",
}
FICHE_PDF = EXPORT_BY_KIND["fiche.pdf"]


@dataclass(frozen=True)
class Territory:
    """An EPCI or a TI (of one phase)."""

    kind: str  # "epci" | "ti"
    code: str
    nom: str
    phase: str | None
    population: int
    code_region: str | None


def resolve_territory(ctx: DataContext, code: str | None, phase: str) -> Territory | None:
    """EPCI by SIREN, or TI by id (in ``phase`` if it exists there, else the other phase)."""
    if not code:
        return None
    if code in ctx.epci.index:
        e = ctx.epci.loc[code]
        return Territory("epci", code, e["nom"], None, int(e["population"]), e["code_region"])
    for ph in (phase, *[p for p in PHASES if p != phase]):
        t = ctx.ti_table(ph)
        if code in t.index:
            r = t.loc[code]
            return Territory("ti", code, r["ti_nom"], ph, int(r["population"]), r["code_region"])
    return None


def abbr(term: str, text: str | None = None):
    """``term`` with its plain-words meaning from :data:`GLOSSARY` on hover and for screen readers."""
    meaning = GLOSSARY.get(term)
    return html.Abbr(text or term, title=meaning) if meaning else (text or term)


def card_scope(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Laureates counted by the KPI cards and the words naming them: the selected territory's own
    (as in its fiche) when one is selected, else the view's selection and its place."""
    terr = resolve_territory(ctx, state.territoire, state.phase)
    if terr is None:
        return sel, f"Chiffres clés : {place(ctx, state)}"
    lau = laureates_of(filter_laureates(ctx.laureats, state.with_(region=None, departement=None)), terr)
    kind = "EPCI" if terr.kind == "epci" else f"Territoire d'industrie {terr.phase}"
    return lau, f"Chiffres clés : {terr.nom} ({kind})"


def distances_km(lon0: float, lat0: float, lon, lat) -> np.ndarray:
    """Great-circle distances (km) from (lon0, lat0) to each point."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon0, lat0, np.asarray(lon, float), np.asarray(lat, float)))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def nearby_laureates(ctx: DataContext, state: ViewState, lon: float, lat: float,
                     n: int = NEARBY_ROWS) -> pd.DataFrame:
    """The ``n`` laureates of the current filters (the place aside) nearest to (lon, lat), with ``distance_km``."""
    lau = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    lau = lau.dropna(subset=["lat", "lon"])
    out = lau.assign(distance_km=distances_km(lon, lat, lau["lon"], lau["lat"]))
    return out.nsmallest(n, "distance_km")


def nearby_block(ctx: DataContext, state: ViewState, terr: Territory):
    """« Projets autour de ma commune » for the searched commune of this territory (None without one)."""
    commune = ctx.searched_commune(state)
    if commune is None or terr.code != state.territoire:
        return None
    near = nearby_laureates(ctx, state, float(commune["lon"]), float(commune["lat"]))
    title = f"Projets autour de ma commune : {commune['nom']}"
    if near.empty:
        return html.Section([html.H4(title, className="h6"), html.P("Aucun lauréat pour ces filtres.",
                                                                      className="small")])
    rows = [html.Tr([html.Td(f"{fmt.decimal(r.distance_km, 1)}{fmt.NBSP}km", className="text-nowrap"),
                     html.Th(r.entreprise, scope="row"), html.Td(r.nom_commune), html.Td(r.filiere or "—"),
                     html.Td(fmt.date_fr(r.date) if isinstance(r.date, str) and r.date else "—",
                             className="text-nowrap")])
            for r in near.itertuples(index=False)]
    return html.Section(className="autour", children=[
        html.H4(title, className="h6"),
        html.Div(html.Table(className="table table-sm small", children=[
            html.Caption(f"Les {len(near)} lauréats les plus proches de {commune['nom']} (distance à vol "
                         "d'oiseau), pour les filtres actuels"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Distance", "Entreprise", "Commune", "Filière",
                                                                   "Date")])),
            html.Tbody(rows)]), className="table-responsive"),
    ])


def laureates_of(sel: pd.DataFrame, terr: Territory) -> pd.DataFrame:
    if terr.kind == "epci":
        return sel[sel["epci_siren"] == terr.code]
    return sel[sel[ti_id_column(terr.phase)] == terr.code]


def member_communes(ctx: DataContext, terr: Territory) -> pd.DataFrame:
    c = ctx.communes
    if terr.kind == "epci":
        return c[c["epci_siren"] == terr.code]
    m = ctx.bundle.ti_membres
    ids = m[(m["phase"] == terr.phase) & (m["ti_id"] == terr.code)]["insee_com"]
    return c[c["insee_com"].isin(ids)]


def ti_membership(ctx: DataContext, terr: Territory) -> dict:
    """Phase -> list of TI names the territory belongs to (EPCI) or is (TI)."""
    out = {}
    if not ctx.has_ti:
        return out
    if terr.kind == "ti":
        return {terr.phase: [terr.nom]}
    communes = member_communes(ctx, terr)
    for ph in PHASES:
        col = ti_nom_column(ph)
        names = sorted(communes[col].dropna().unique().tolist(), key=fmt.sort_key)
        out[ph] = names
    return out


#: Metrics of the comparison table after the count and the count per inhabitant.
_FICHE_METRICS = tuple(m for m in KPI_METRICS if m.key != "laureats")


def _cell(text: str):
    """A figure of the comparison table; « n.d. » explained."""
    return abbr("n.d.") if text == "n.d." else text


def _figures_column(k: dict, pop) -> list:
    """Texts of one place's column: count, count per 10,000 inhabitants, then each fiche metric."""
    per = (k["laureats"] / pop * 10_000) if pop else None
    return [fmt.integer(k["laureats"]), fmt.decimal(per, 2) if per is not None else "n.d.",
            *[m.format(k.get(m.key)) for m in _FICHE_METRICS]]


def comparison_table(ctx: DataContext, state: ViewState, terr: Territory):
    """Figures for the current filters (other than the place): the territory vs its region vs France,
    one column per place and one row per figure (narrow enough for a phone screen)."""
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    places = [(terr.nom, _figures_column(kpis(laureates_of(wide, terr), ctx.choices), terr.population))]
    if terr.code_region in ctx.regions.index:
        reg_pop = int(ctx.communes.loc[ctx.communes["code_region"] == terr.code_region, "population"].sum())
        places.append((f"Région {ctx.regions.loc[terr.code_region]}",
                       _figures_column(kpis(wide[wide["code_region"] == terr.code_region], ctx.choices), reg_pop)))
    places.append(("France", _figures_column(kpis(wide, ctx.choices), int(ctx.communes["population"].sum()))))
    labels = ("Lauréats", "Lauréats pour 10 000 hab.", *[m.fiche_label for m in _FICHE_METRICS])
    head = html.Thead(html.Tr([html.Td(), *[html.Th(name, scope="col") for name, _ in places]]))
    rows = [html.Tr([html.Th(label, scope="row"), *[html.Td(_cell(col[i]), className="text-nowrap")
                                                    for _, col in places]])
            for i, label in enumerate(labels)]
    return html.Div(html.Table([html.Caption("Chiffres pour les filtres actuels"), head, html.Tbody(rows)],
                               className="table table-sm small comparaison"), className="table-responsive")


def breakdown(sel: pd.DataFrame, col: str, title: str):
    counts = sel[col].fillna("non renseigné").value_counts()
    if counts.empty:
        return html.P(f"{title} : aucun lauréat.", className="small")
    return html.Table([
        html.Caption(title),
        html.Thead(html.Tr([html.Th(title.split(" par ")[-1].capitalize(), scope="col"),
                            html.Th("Lauréats", scope="col")])),
        html.Tbody([html.Tr([html.Td(k), html.Td(fmt.integer(v))]) for k, v in counts.items()]),
    ], className="table table-sm small")


TEXT_COLUMNS = [("entreprise", "Entreprise"), ("nom_commune", "Commune"), ("filiere", "Filière"),
                ("mesure", "Mesure"), ("type_entreprise", "Taille"), ("date", "Date")]
#: Number columns of the list of laureates: the metrics with a ``table_label``.
NUMBER_COLUMNS = [(m.column, m.table_label, m.requires) for m in METRICS if m.table_label]


def laureates_table(ctx: DataContext, lau: pd.DataFrame, table_id: str):
    numbers = [(c, n) for c, n, need in NUMBER_COLUMNS if ctx.choices.has(need) and c in lau.columns]
    cols = [*TEXT_COLUMNS, *numbers]
    data = lau[[c for c, _ in cols]].copy()
    for c, _ in numbers:
        data[c] = data[c].astype("float").round(0)
    number_ids = {c for c, _ in numbers}
    return dash_table.DataTable(
        id=table_id, data=data.astype(object).where(data.notna(), None).to_dict("records"),
        columns=[{"name": n, "id": c, "type": "numeric" if c in number_ids else "text",
                  "format": {"locale": {"group": "\u202f", "decimal": ","}, "specifier": ",.0f"}
                  if c in number_ids else None} for c, n in cols],
        sort_action="native", page_size=10, style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.8rem", "textAlign": "left", "whiteSpace": "normal", "height": "auto",
                    "fontFamily": PAGE_FONT},  # the page's proportional font, not DataTable's monospace
        style_cell_conditional=[{"if": {"column_id": "date"}, "whiteSpace": "nowrap", "minWidth": "6.5rem"}],
        style_header={"fontWeight": "600"}, cell_selectable=False,
    )


def fiche(ctx: DataContext, state: ViewState, terr: Territory, suffix: str = ""):
    """The territory's fiche for the current filters (the region/département filter aside:
    a fiche is about its own territory)."""
    lau = laureates_of(filter_laureates(ctx.laureats, state.with_(region=None, departement=None)), terr)
    communes = member_communes(ctx, terr)
    kind = [f"Territoire d'industrie {terr.phase}"]
    if terr.kind == "epci":
        etype = ctx.epci.loc[terr.code, "type"]
        words = GLOSSARY.get(str(etype))
        kind = [abbr("EPCI", "Intercommunalité"), " : ", words or str(etype), " — n° ", abbr("SIREN"),
                f" {terr.code}"]
    members = sorted(communes["nom"].tolist(), key=fmt.sort_key)
    if terr.kind == "ti":
        m = ctx.bundle.ti_membres
        mm = m[(m["phase"] == terr.phase) & (m["ti_id"] == terr.code)]
        epci_members = sorted(ctx.epci.reindex(mm.loc[mm["member_kind"] == "epci", "member_siren"].unique())
                              ["nom"].dropna().tolist(), key=fmt.sort_key)
        members_text = ", ".join(epci_members) if epci_members else ", ".join(members[:40])
        n_members = len(mm["member_siren"].unique())
        members_label = (f"{n_members} intercommunalité{'s' if n_members > 1 else ''} ou commune"
                         f"{'s' if n_members > 1 else ''} membre{'s' if n_members > 1 else ''} — "
                         f"{len(communes)} communes")
    else:
        members_text = ", ".join(members[:60]) + (" …" if len(members) > 60 else "")
        members_label = f"{len(members)} communes"
    membership = ti_membership(ctx, terr)
    ti_lines = [html.Li(f"{ph} : " + (", ".join(names) if names else "hors Territoire d'industrie"))
                for ph, names in membership.items()] or [html.Li("Listes des Territoires d'industrie absentes.")]
    region = ctx.regions.get(terr.code_region, "") if terr.code_region else ""
    pdf_query = state.with_(territoire=terr.code, comparer=None).to_query(include_embed=False)
    return html.Section(className="fiche", **{"aria-label": f"Fiche {terr.nom}"}, children=[
        html.A("Fiche PDF", id=f"{ids.FICHE_PDF}{suffix}", href=ctx.urls.page(FICHE_PDF.path, pdf_query),
               className="btn btn-sm btn-outline-primary float-end", download="fiche-territoire-industrie.pdf",
               title=f"Fiche imprimable de {terr.nom} (PDF, deux pages A4)"),
        html.H3(terr.nom, className="h5 mb-0"),
        html.Div([*kind, f" · {region} · {fmt.integer(terr.population)} habitants"], className="text-muted small"),
        html.Details([html.Summary(f"Membres : {members_label}", className="small"),
                      html.P(members_text, className="small")]),
        html.Div([html.Strong("Territoire d'industrie : ", className="small"), html.Ul(ti_lines, className="small")]),
        comparison_table(ctx, state, terr),
        html.Div(className="d-flex flex-wrap gap-3", children=[
            breakdown(lau, "filiere", "Lauréats par filière"),
            breakdown(lau, "mesure", "Lauréats par mesure"),
        ]),
        nearby_block(ctx, state, terr),
        html.H4(f"Lauréats ({fmt.integer(len(lau))})", className="h6"),
        laureates_table(ctx, lau, f"table-laureats{suffix}"),
        glossary_line(),
    ])


def glossary_line():
    """The words of the fiche in plain French (one line, under the fiche)."""
    words = ("EPCI", "SIREN", "TI", "n.d.")
    return html.P(className="small text-muted lexique", children=[
        html.Strong("Lexique : "), "; ".join(f"{w} = {GLOSSARY[w]}" for w in words), "."])


def fiche_panel(ctx: DataContext, state: ViewState, sel: pd.DataFrame):
    """Fiche of ``state.territoire``, side by side with ``state.comparer`` if given."""
    terr = resolve_territory(ctx, state.territoire, state.phase)
    if terr is None:
        return html.P("Cliquez sur un EPCI ou un Territoire d'industrie de la carte, ou cherchez une commune, "
                      "pour afficher sa fiche.", className="text-muted small")
    other = resolve_territory(ctx, state.comparer, state.phase)
    close = dcc.Link("Fermer la fiche", href=state.with_(territoire=None, comparer=None, commune=None).to_query()
                     or "?", className="small fermer-fiche")
    control = compare_control(ctx, state, other.nom if other else None)
    if other is None:
        return html.Div([close, control, fiche(ctx, state, terr)])
    return html.Div([close, control, html.Div(className="row", children=[
        html.Div(fiche(ctx, state, terr, "-1"), className="col-12 col-lg-6"),
        html.Div(fiche(ctx, state, other, "-2"), className="col-12 col-lg-6"),
    ])])


def ranking_data(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> pd.DataFrame:
    """Territories in scope ranked by the current metric (highest first)."""
    pop = ctx.population(state.niveau, state.phase)
    values = aggregate(sel, state, pop)
    scope = territories_in_scope(ctx, state)
    names = ctx.territory_names(state.niveau, state.phase)
    counts = sel.groupby(territory_key(state)).size()
    df = pd.DataFrame({"code": scope, "nom": names.reindex(scope).to_numpy(),
                       "valeur": values.reindex(scope).to_numpy(),
                       "laureats": counts.reindex(scope).fillna(0).astype(int).to_numpy(),
                       "population": pop.reindex(scope).to_numpy()})
    df = df.sort_values(["valeur", "laureats", "nom"], ascending=[False, False, True], kind="stable")
    df["rang"] = range(1, len(df) + 1)
    return df.reset_index(drop=True)


def ranking_table(ctx: DataContext, state: ViewState, sel: pd.DataFrame):
    """Keyboard-navigable ranked table; each name is a link selecting the territory."""
    df = ranking_data(ctx, state, sel)
    metric = state.metric.label + (" pour 10 000 habitants" if state.par_hab else "")
    level = "EPCI" if state.niveau == "epci" else f"Territoires d'industrie {state.phase}"
    shown = df.head(RANKING_ROWS)
    value_fmt = (lambda v: fmt.decimal(v, 2)) if state.par_hab else state.metric.format
    count_column = state.indicateur != "laureats" or state.par_hab  # else the metric is the count
    rows = []
    for r in shown.itertuples(index=False):
        current = r.code == state.territoire
        rows.append(html.Tr(className="table-active" if current else None, children=[
            html.Td(str(r.rang)),
            html.Th(dcc.Link(r.nom + (" (sélectionné)" if current else ""),
                             href=state.with_(territoire=r.code).to_query()), scope="row"),
            html.Td(value_fmt(r.valeur)), *([html.Td(fmt.integer(r.laureats))] if count_column else []),
            html.Td(fmt.integer(r.population)),
        ]))
    caption = (f"Classement des {level} ({fmt.integer(len(df))} dans le périmètre, {min(len(df), RANKING_ROWS)} "
               f"premiers affichés) selon : {metric}.")
    return html.Table(className="table table-sm table-hover small classement", children=[
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Rang", "Territoire", metric,
                                                               *(["Lauréats"] if count_column else []),
                                                               "Habitants")])),
        html.Tbody(rows),
    ])
