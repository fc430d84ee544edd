"""Regional table, like the annex of the ANCT brochure: pure builders of
``(ctx, state, sel) -> DataFrame | component``.

The published figures (ANCT brochure, 24 September 2021) give the five
overseas regions only as one group "Outre-mer". The five regions keep their
own rows with the computed figures (published columns empty), and a grouped
row ``code_region="OM"``, « Outre-mer (total publié) », carries the computed
sum of the five regions beside the published group figures. That row exists
only when the published figures are shown; the ``niveau`` column ("region",
"groupe", "total") tells rows apart so that no one sums the group twice.
"""
from __future__ import annotations

import pandas as pd
from dash import html

from geodata.read.normalize import strip_accents
from geodata.build.published import AS_OF, OUTRE_MER_REGIONS

from dashboard.model import fmt
from dashboard.model.catalog import SCOPE_COLUMN
from dashboard.model.data import DataContext
from dashboard.model.state import ViewState

#: Laureates dated before this day form "the 2021 set" compared with the brochure.
PUBLISHED_BEFORE = "2021-10-01"
OM_CODE = "OM"
OM_LABEL = "Outre-mer (total publié)"
FRANCE_CODE = "FR"
FRANCE_LABEL = "France"

COMPUTED_COLUMNS = ("laureats", "investissement_eur", "aide_eur", "emplois")
PUBLISHED_COLUMNS = ("laureats_publies", "investissement_publie_eur", "aide_publiee_eur", "emplois_publies")
TABLE_COLUMNS = ("code_region", "region", "niveau", "n_ti", *COMPUTED_COLUMNS, *PUBLISHED_COLUMNS)

def published_applicable(ctx: DataContext, state: ViewState | None = None) -> bool:
    """Should the published regional figures be shown beside the computed ones?

    The published figures describe the TI fund only: with a file of several measures
    (``ctx.scope_restricted``) they are compared with the fund's laureates alone, so a
    view of other measures (``mesure=toutes``, or a measure that is not the fund) has none,
    and the 2021 date test looks at the fund's rows.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState, optional
        The view (its ``mesure``); None: the default view.

    Returns
    -------
    bool
        True for the demonstration set (calibrated on the published figures) or
        when every dated laureate is dated before 1 October 2021 (the set the
        brochure of 24 September 2021 describes); False when the published
        table is empty.
    """
    if ctx.bundle.chiffres_regionaux is None or len(ctx.bundle.chiffres_regionaux) == 0:
        return False
    if ctx.demonstration:
        return True
    chosen = set(state.mesure) if state is not None else set()
    if ctx.scope_restricted and chosen and not chosen <= set(ctx.fund_measures):
        return False
    lau = ctx.laureats[ctx.laureats[SCOPE_COLUMN]] if ctx.scope_restricted else ctx.laureats
    dates = lau["date"].dropna()
    return bool(len(dates)) and bool((dates.astype(str).str.slice(0, 10) < PUBLISHED_BEFORE).all())


def _ti_counts(ctx: DataContext, phase: str) -> pd.Series:
    t = ctx.territoires
    if not len(t):
        return pd.Series(dtype="int64")
    return t[t["phase"] == phase].groupby("code_region").size()


def _published(ctx: DataContext) -> pd.DataFrame:
    """Published figures indexed by code_region ("OM" for the overseas group), in euros."""
    p = ctx.bundle.chiffres_regionaux.set_index("code_region")
    return pd.DataFrame({
        "laureats_publies": p["laureats"].astype(int),
        "investissement_publie_eur": (p["investissement_meur"].astype(float) * 1_000_000).round(),
        "aide_publiee_eur": (p["aide_publique_meur"].astype(float) * 1_000_000).round(),
        "emplois_publies": p["emplois"].astype(int),
    })


def _computed(rows: pd.DataFrame, has_amounts: bool) -> dict:
    def amount(col):
        return float(rows[col].sum()) if has_amounts else None
    return {"laureats": int(len(rows)), "investissement_eur": amount("investissement_eur"),
            "aide_eur": amount("montant_aide_eur"),
            "emplois": int(round(float(rows["emplois"].sum()))) if has_amounts else None}


def regional_table_data(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> pd.DataFrame:
    """Computed (and, when applicable, published) figures per region.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        Only ``state.phase`` is read (TI counted per region).
    sel : DataFrame
        The already-filtered laureates (:func:`~dashboard.model.data.filter_laureates`).

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`. Rows: the 18 regions of ``ctx.regions``
        (metropolitan regions by name, then the overseas regions by code,
        ``niveau="region"``); when :func:`published_applicable`, the grouped row
        ``code_region="OM"`` « Outre-mer (total publié) » (``niveau="groupe"``:
        computed sums of the five overseas regions beside the published group);
        last the total ``code_region="FR"`` « France » (``niveau="total"``,
        computed from all of ``sel``, so its ``laureats`` is ``len(sel)`` even
        for laureates without a region).

        ``n_ti``: number of Territoires d'industrie of ``state.phase`` in the
        region. Amount columns (``investissement_eur``, ``aide_eur``,
        ``emplois``) are None when ``not ctx.has_amounts``. Published columns
        (``laureats_publies``, ``emplois_publies`` nullable Int64;
        ``investissement_publie_eur``, ``aide_publiee_eur`` float, in euros,
        not M€) are missing (NA/NaN) when not applicable and on the five
        overseas region rows (published only as a group).
    """
    ti = _ti_counts(ctx, state.phase)
    show_pub = published_applicable(ctx, state)
    pub = _published(ctx) if show_pub else None
    empty_pub = dict.fromkeys(PUBLISHED_COLUMNS)
    groups = dict(tuple(sel.groupby("code_region", sort=False))) if len(sel) else {}
    none = sel.iloc[0:0]

    def pub_values(code):
        if pub is None or code not in pub.index:
            return dict(empty_pub)
        r = pub.loc[code]
        return {"laureats_publies": int(r["laureats_publies"]),
                "investissement_publie_eur": float(r["investissement_publie_eur"]),
                "aide_publiee_eur": float(r["aide_publiee_eur"]),
                "emplois_publies": int(r["emplois_publies"])}

    overseas = [c for c in ctx.regions.index if c in OUTRE_MER_REGIONS]
    metro = sorted((c for c in ctx.regions.index if c not in OUTRE_MER_REGIONS),
                   key=lambda c: _sort_key(ctx.regions[c]))
    records = []
    for code in [*metro, *sorted(overseas)]:
        rows = groups.get(code, none)
        records.append({"code_region": code, "region": ctx.regions[code], "niveau": "region",
                        "n_ti": int(ti.get(code, 0)), **_computed(rows, ctx.has_amounts),
                        **(dict(empty_pub) if code in OUTRE_MER_REGIONS else pub_values(code))})
    if show_pub:
        om_rows = sel[sel["code_region"].isin(OUTRE_MER_REGIONS)] if len(sel) else none
        records.append({"code_region": OM_CODE, "region": OM_LABEL, "niveau": "groupe",
                        "n_ti": int(sum(ti.get(c, 0) for c in overseas)),
                        **_computed(om_rows, ctx.has_amounts), **pub_values(OM_CODE)})
    total_pub = dict(empty_pub)
    if pub is not None:
        total_pub = {"laureats_publies": int(pub["laureats_publies"].sum()),
                     "investissement_publie_eur": float(pub["investissement_publie_eur"].sum()),
                     "aide_publiee_eur": float(pub["aide_publiee_eur"].sum()),
                     "emplois_publies": int(pub["emplois_publies"].sum())}
    records.append({"code_region": FRANCE_CODE, "region": FRANCE_LABEL, "niveau": "total",
                    "n_ti": int(ti.sum()) if len(ti) else 0, **_computed(sel, ctx.has_amounts), **total_pub})
    out = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    for col in ("n_ti", "laureats"):
        out[col] = out[col].astype("int64")
    if ctx.has_amounts:
        out["emplois"] = out["emplois"].astype("int64")
    out["laureats_publies"] = out["laureats_publies"].astype("Int64")
    out["emplois_publies"] = out["emplois_publies"].astype("Int64")
    for col in ("investissement_publie_eur", "aide_publiee_eur"):
        out[col] = out[col].astype(float)
    return out


def _sort_key(name: str) -> str:
    """Accent-insensitive sort key for French names (Île-de-France among the I)."""
    return strip_accents(name).lower()


def _cell(value, kind: str, published: bool = False) -> str:
    """French text of a table cell: "n.d." for a missing computed value, "–" for
    a figure not published (overseas regions)."""
    if value is None or pd.isna(value):
        return "–" if published else "n.d."
    return fmt.euros(value) if kind == "eur" else fmt.integer(value)


def regional_table(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> html.Div:
    """The regional table as an accessible HTML table, formatted in French.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        ``phase`` (TI column) and ``region`` (that row is highlighted).
    sel : DataFrame
        The already-filtered laureates.

    Returns
    -------
    dash.html.Div
        A ``table-responsive`` wrapper holding an ``html.Table`` (class
        ``table table-sm``, a ``<caption>``, ``scope="col"`` / ``"colgroup"``
        headers, one ``scope="row"`` header per row) and notes on the sources:
        the published columns are the ANCT brochure of 24 September 2021; with
        demonstration data the computed figures are fictitious and equal the
        published ones only when no filter is active.
    """
    df = regional_table_data(ctx, state, sel)
    show_pub = published_applicable(ctx, state)
    metrics = [("laureats", "laureats_publies", "Lauréats", "int"),
               ("investissement_eur", "investissement_publie_eur", "Investissement", "eur"),
               ("aide_eur", "aide_publiee_eur", "Aide publique", "eur"),
               ("emplois", "emplois_publies", "Emplois prévus", "int")]
    ti_label = [html.Abbr("TI", title="Territoires d'industrie"), f" {state.phase}"]
    num = "text-end text-nowrap"
    if show_pub:
        head = [
            html.Tr([html.Th("Région", scope="col", rowSpan=2), html.Th(ti_label, scope="col", rowSpan=2,
                                                                        className=num)]
                    + [html.Th(label, scope="colgroup", colSpan=2, className="text-center")
                       for _, _, label, _ in metrics]),
            html.Tr([th for _ in metrics for th in (
                html.Th("calculé", scope="col", className=num),
                html.Th("publié", scope="col", className=num + " text-muted"))]),
        ]
    else:
        head = [html.Tr([html.Th("Région", scope="col"), html.Th(ti_label, scope="col", className=num)]
                        + [html.Th(label, scope="col", className=num) for _, _, label, _ in metrics])]
    body = []
    for r in df.itertuples(index=False):
        cells = [html.Th(r.region, scope="row", className="fw-normal" if r.niveau == "region" else "fw-semibold"),
                 html.Td(fmt.integer(r.n_ti), className=num)]
        for col, pcol, _, kind in metrics:
            cells.append(html.Td(_cell(getattr(r, col), kind), className=num))
            if show_pub:
                cells.append(html.Td(_cell(getattr(r, pcol), kind, published=True), className=num + " text-muted"))
        classes = {"groupe": "fst-italic", "total": "fw-semibold table-group-divider"}.get(r.niveau, "")
        extra = {}
        if state.region and r.code_region == state.region:
            classes += " table-active"
            extra["aria-current"] = "true"
        body.append(html.Tr(cells, className=classes.strip() or None, **extra))
    caption = (f"Lauréats de la sélection par région, et nombre de Territoires d'industrie {state.phase}"
               + (" ; à droite de chaque valeur calculée, le chiffre publié" if show_pub else ""))
    table = html.Table([html.Caption(caption, className="caption-top small"), html.Thead(head), html.Tbody(body)],
                       className="table table-sm align-middle small mb-1")
    notes = []
    if show_pub:
        notes.append(html.P(
            f"Colonnes « publié » : brochure de l'ANCT « Territoires d'industrie — point d'étape à 3 ans », "
            f"chiffres au {fmt.date_fr(AS_OF)} (sources DGE, Bpifrance). Les régions d'outre-mer n'y sont publiées "
            f"qu'ensemble : ligne « {OM_LABEL} ».", className="small text-muted mb-1"))
    if ctx.demonstration:
        notes.append(html.P(
            "Données de démonstration : les lauréats calculés sont fictifs, construits pour égaler les chiffres "
            "publiés par région ; l'égalité ne vaut que lorsqu'aucun filtre n'est actif.",
            className="small text-muted mb-1"))
    if not ctx.has_amounts:
        notes.append(html.P("Le fichier des lauréats ne donne pas les montants ni les emplois : « n.d. ».",
                            className="small text-muted mb-1"))
    return html.Div([html.Div(table, className="table-responsive"), *notes], className="panneau-regions")
