"""Secondary panels: regional table, laureates per month, France Relance barometer.

Pure builders of ``(data, state) -> DataFrame | component | go.Figure``: no
callbacks, no module-level state. What is expensive and does not depend on the
state (the départements' GeoJSON, the barometer pivot) lives in
:class:`BarometreData`, built once per process by the caller.

Choices
-------
* Regional table: the published figures (ANCT brochure, 24 September 2021)
  give the five overseas regions only as one group "Outre-mer". The five
  regions keep their own rows with the computed figures (published columns
  empty), and a grouped row ``code_region="OM"``, « Outre-mer (total publié) »,
  carries the computed sum of the five regions beside the published group
  figures. That row exists only when the published figures are shown; the
  ``niveau`` column ("region", "groupe", "total") tells rows apart so that no
  one sums the group twice.
* Time chart: the x axis spans every month of the data; bars inside the
  selected period (``state.debut``..``state.fin``) are coloured, the others
  grey (see :func:`time_figure` for where the grey bars come from).
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from dash import html

from geodata.published import AS_OF, OUTRE_MER_REGIONS

from . import fmt
from .data import VIEWS, DataContext, bounds_view, filter_laureates, geojson, outline_lines
from .figures import COLOR_IN_TI, SEPARATORS
from .state import ViewState

#: Laureates dated before this day form "the 2021 set" compared with the brochure.
PUBLISHED_BEFORE = "2021-10-01"
OM_CODE = "OM"
OM_LABEL = "Outre-mer (total publié)"
FRANCE_CODE = "FR"
FRANCE_LABEL = "France"

COMPUTED_COLUMNS = ("laureats", "investissement_eur", "aide_eur", "emplois")
PUBLISHED_COLUMNS = ("laureats_publies", "investissement_publie_eur", "aide_publiee_eur", "emplois_publies")
TABLE_COLUMNS = ("code_region", "region", "niveau", "n_ti", *COMPUTED_COLUMNS, *PUBLISHED_COLUMNS)

COLOR_PERIOD = COLOR_IN_TI
COLOR_OUTSIDE = "#c8c8c8"
#: Sequential blues (light to dark), colour-blind safe, distinct from the main map's purples.
BAROMETRE_SCALE = [[0.0, "#f7fbff"], [0.2, "#c6dbef"], [0.4, "#9ecae1"], [0.6, "#6baed6"],
                   [0.8, "#3182bd"], [1.0, "#08519c"]]
BAROMETRE_UNAVAILABLE = "Baromètre indisponible : source absente (python -m geodata fetch ou TI_SOURCE_DIR)"
BAROMETRE_TITLE = "Entreprises industrielles bénéficiaires des aides à l'investissement de France Relance"
BAROMETRE_NOTE = ("Cumul par département. Une entreprise présente dans plusieurs départements est comptée dans "
                  "chacun : la somme des départements dépasse le chiffre national. "
                  "Source : baromètre des résultats de l'action publique.")
EMPTY_SELECTION = "Aucun lauréat pour ces filtres"

_MONTH_ABBR = {"janvier": "janv.", "février": "févr.", "mars": "mars", "avril": "avr.", "mai": "mai",
               "juin": "juin", "juillet": "juil.", "août": "août", "septembre": "sept.", "octobre": "oct.",
               "novembre": "nov.", "décembre": "déc."}


# =========================================================================== regional table
def published_applicable(ctx: DataContext) -> bool:
    """Should the published regional figures be shown beside the computed ones?

    Parameters
    ----------
    ctx : DataContext

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
    dates = ctx.laureats["date"].dropna()
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
        The already-filtered laureates (:func:`~dashboard.data.filter_laureates`).

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
    show_pub = published_applicable(ctx)
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
    return "".join(ch for ch in unicodedata.normalize("NFD", name) if unicodedata.category(ch) != "Mn").lower()


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
    show_pub = published_applicable(ctx)
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


# =========================================================================== time chart
def _month_range(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def month_short(ym: str) -> str:
    """``"2020-10" -> "oct. 2020"`` (abbreviation of :func:`dashboard.fmt.month`)."""
    name, year = fmt.month(ym).split()
    return f"{_MONTH_ABBR[name]} {year}"


def monthly_counts(sel: pd.DataFrame) -> pd.DataFrame:
    """Laureates and investment per month.

    Parameters
    ----------
    sel : DataFrame
        Laureates with ``mois`` ('YYYY-MM') and ``investissement_eur``.

    Returns
    -------
    DataFrame
        ``mois, laureats, investissement_eur``: every month from the first to
        the last dated laureate (months without laureates at 0), in order.
        ``investissement_eur`` is NaN for a month whose laureates have no
        amount. Undated laureates are not counted. Empty frame (same columns)
        for an empty or undated selection.
    """
    cols = ["mois", "laureats", "investissement_eur"]
    dated = sel[sel["mois"].notna()] if len(sel) else sel
    if not len(dated):
        return pd.DataFrame({"mois": pd.Series(dtype=str), "laureats": pd.Series(dtype="int64"),
                             "investissement_eur": pd.Series(dtype=float)})[cols]
    g = dated.groupby("mois")
    inv = g["investissement_eur"].sum(min_count=1).astype(float)
    months = _month_range(dated["mois"].min(), dated["mois"].max())
    out = pd.DataFrame({"mois": months})
    out["laureats"] = g.size().reindex(months).fillna(0).astype("int64").to_numpy()
    out["investissement_eur"] = inv.reindex(months).to_numpy(dtype=float)
    out.loc[out["laureats"] == 0, "investissement_eur"] = 0.0
    return out[cols]


def _in_period(months, debut: str | None, fin: str | None) -> np.ndarray:
    m = np.asarray(months, dtype=object)
    ok = np.ones(len(m), dtype=bool)
    if debut:
        ok &= m >= debut
    if fin:
        ok &= m <= fin
    return ok


def period_label(state: ViewState) -> str:
    """« d'octobre 2020 à mars 2021 » (French), "" without a period."""
    if not (state.debut or state.fin):
        return ""
    if state.debut and state.fin:
        if state.debut == state.fin:
            return f"en {fmt.month(state.debut)}"
        return f"de {fmt.month(state.debut)} à {fmt.month(state.fin)}"
    if state.debut:
        return f"depuis {fmt.month(state.debut)}"
    return f"jusqu'à {fmt.month(state.fin)}"


def time_figure(ctx: DataContext, state: ViewState, sel: pd.DataFrame,
                context: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of laureates per month, the selected period highlighted.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        ``debut``/``fin`` give the highlighted period.
    sel : DataFrame
        The filtered laureates (with or without the period filter): their
        months inside the period are drawn in colour.
    context : DataFrame, optional
        Laureates matching every filter except the period, drawn in grey for
        the months outside it. When None and a period is set, it is
        ``filter_laureates(ctx.laureats, state.with_(debut=None, fin=None))``.

    Returns
    -------
    go.Figure
        One bar trace (per-bar colours), x axis over every month of the data
        with French labels (« oct. 2020 »), hover « octobre 2020 · 12 lauréats »;
        the annotation « Aucun lauréat pour ces filtres » when ``sel`` is empty.
    """
    all_months = ctx.laureats["mois"].dropna()
    months = _month_range(all_months.min(), all_months.max()) if len(all_months) else []
    has_period = bool(state.debut or state.fin)
    if has_period and context is None:
        context = filter_laureates(ctx.laureats, state.with_(debut=None, fin=None))
    inside = _in_period(months, state.debut, state.fin)
    mc_sel = monthly_counts(sel).set_index("mois").reindex(months)
    counts = mc_sel["laureats"].fillna(0).astype(int).where(inside, 0)
    invest = mc_sel["investissement_eur"].where(inside, 0.0)
    if has_period and context is not None:
        mc_ctx = monthly_counts(context).set_index("mois").reindex(months)
        counts = counts.where(inside, mc_ctx["laureats"].fillna(0).astype(int))
        invest = invest.where(inside, mc_ctx["investissement_eur"])
    colors = [COLOR_PERIOD if ok else COLOR_OUTSIDE for ok in inside]
    hover = []
    for m, n, inv, ok in zip(months, counts, invest, inside):
        t = f"<b>{fmt.month(m)}</b><br>{fmt.integer(n)} lauréat{'s' if n > 1 else ''}"
        if ctx.has_amounts and n and not pd.isna(inv):
            t += f"<br>Investissement {fmt.euros(inv)}"
        if not ok:
            t += "<br><i>hors de la période choisie</i>"
        hover.append(t)
    fig = go.Figure(go.Bar(x=months, y=counts.tolist(), marker={"color": colors, "line": {"width": 0}},
                           hovertext=hover, hoverinfo="text", name="Lauréats", showlegend=False))
    step = max(1, int(np.ceil(len(months) / 12)))
    title = "Lauréats par mois"
    subtitle = (f"Période choisie {period_label(state)} : {fmt.integer(len(sel))} lauréat"
                f"{'s' if len(sel) > 1 else ''} (en couleur) ; hors période en gris" if has_period
                else f"{fmt.integer(len(sel))} lauréat{'s' if len(sel) > 1 else ''}, selon le mois de leur date "
                     "dans le fichier des lauréats")
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#555"}},
               "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        xaxis={"type": "category", "tickvals": months[::step], "ticktext": [month_short(m) for m in months[::step]],
               "categoryorder": "array", "categoryarray": months, "tickangle": 0 if len(months) <= 12 else -35,
               "showgrid": False},
        yaxis={"title": {"text": "Lauréats"}, "tickformat": ",d", "rangemode": "tozero", "gridcolor": "#e6e6e6",
               # whole counts: no repeated rounded ticks (0, 1, 1, 2, 2) when the bars are small
               "dtick": 1 if int(counts.max() if len(counts) else 0) <= 6 else None},
        separators=SEPARATORS, height=320, margin={"l": 60, "r": 15, "t": 70, "b": 60}, bargap=0.15,
        plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
        hoverlabel={"bgcolor": "white", "font": {"size": 12}},
    )
    if not len(sel):
        fig.add_annotation(text=EMPTY_SELECTION, xref="paper", yref="paper", x=0.5, y=0.6, showarrow=False,
                           font={"size": 15, "color": "#333"}, bgcolor="rgba(255,255,255,0.85)")
        if not counts.any():
            fig.update_yaxes(range=[0, 1], tickvals=[0])
    return fig


# =========================================================================== barometer
class BarometreData:
    """The barometer prepared once per process: GeoJSON of the départements, a
    pivot (département x month) of the cumulative number of beneficiary firms,
    the names and a colour scale fixed over every month.

    Parameters
    ----------
    ctx : DataContext

    Attributes
    ----------
    available : bool
        False when the source was missing (empty table or feature flagged
        unavailable in the manifest).
    months : list of str
        'YYYY-MM', sorted.
    pivot : DataFrame
        Index ``code_departement`` (those present in the data), columns the months.
    zmax : float
        Top of the colour scale: 95th percentile of all values (every month),
        so that the slider shows growth on a constant scale.
    """

    def __init__(self, ctx: DataContext):
        self.ctx = ctx
        b = ctx.bundle
        bar = b.barometre
        self.available = bool(b.has("barometre") and bar is not None and len(bar) > 0)
        if not self.available:
            self.months, self.pivot, self.zmax, self.zmax_data, self.geojson = [], pd.DataFrame(), 1.0, 1.0, None
            self.names = pd.Series(dtype=str)
            return
        pivot = bar.pivot_table(index="code_departement", columns="date", values="valeur", aggfunc="last")
        self.pivot = pivot.sort_index().reindex(columns=sorted(pivot.columns))
        self.months = [str(m) for m in self.pivot.columns]
        values = self.pivot.to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        self.zmax_data = float(values.max()) if values.size else 1.0
        positive = values[values > 0]
        self.zmax = _round_up(float(np.percentile(positive, 95))) if positive.size else 1.0
        deps = b.departements[b.departements["code_departement"].isin(self.pivot.index)].copy()
        deps["geometry"] = fill_gaps(deps.geometry.to_numpy())
        self.geojson = geojson(deps, "code_departement", precision=0.002)
        self.region_lines = outline_lines(fill_gaps(b.regions.geometry.to_numpy()), min_area=2e-4)
        self.names = ctx.departements["nom_departement"].reindex(self.pivot.index).fillna("")

    def values(self, month: str) -> pd.Series:
        """Cumulative count per département at ``month`` (index ``code_departement``).

        Raises
        ------
        ValueError
            For a month absent from the data (French message).
        """
        if month not in self.pivot.columns:
            raise ValueError(f"mois absent du baromètre : « {month} »")
        return self.pivot[month]

    def figure(self, month: str | None = None, region: str | None = None) -> go.Figure:
        """Choropleth of the départements at ``month`` (last month when None),
        zoomed on ``region`` when given (other départements dimmed)."""
        if not self.available:
            return unavailable_figure()
        month = month or self.months[-1]
        z = self.values(month)
        locs = list(z.index)
        def firms(v) -> str:
            if pd.isna(v):
                return "valeur non disponible"
            return f"{fmt.integer(v)} entreprise{'s' if v > 1 else ''} bénéficiaire{'s' if v > 1 else ''}"
        hover = [f"<b>{fmt.hover_escape(self.names.get(d, ''))} ({d})</b><br>{firms(v)}<br>cumul à fin {fmt.month(month)}"
                 for d, v in z.items()]
        ticks = _nice_ticks(self.zmax)
        ticktext = [fmt.integer(t) for t in ticks]
        if self.zmax_data > self.zmax:
            ticks.append(self.zmax)
            ticktext.append(f"≥ {fmt.integer(self.zmax)}")
        region_deps = set()
        if region:
            region_deps = set(self.ctx.departements.index[self.ctx.departements["code_region"] == region])
        opacity = [0.9 if (not region or d in region_deps) else 0.3 for d in locs]
        fig = go.Figure(go.Choroplethmap(
            geojson=self.geojson, locations=locs, z=[None if pd.isna(v) else float(v) for v in z],
            zmin=0, zmax=self.zmax, colorscale=BAROMETRE_SCALE,
            marker={"line": {"width": 0.6, "color": "#ffffff"}, "opacity": opacity},
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            colorbar={"title": {"text": "Entreprises<br>bénéficiaires", "font": {"size": 12}}, "thickness": 12,
                      "len": 0.6, "x": 0.99, "y": 0.45, "tickvals": ticks, "ticktext": ticktext},
            name="départements", showlegend=False,
        ))
        rl_lon, rl_lat = self.region_lines
        fig.add_trace(go.Scattermap(lon=rl_lon, lat=rl_lat, mode="lines", line={"width": 1, "color": "#555555"},
                                    hoverinfo="skip", name="Régions", showlegend=False))
        if region and region in self.ctx.region_bounds:
            lon, lat, zoom = bounds_view(self.ctx.region_bounds[region])
        else:
            lon, lat, zoom = VIEWS["metropole"][1:]
            zoom -= 0.3
        where = f" — {self.ctx.regions.get(region, region)}" if region else ""
        fig.update_layout(
            title={"text": f"{BAROMETRE_TITLE}<br><span style='font-size:13px'>cumul à fin {fmt.month(month)}"
                           f"{fmt.hover_escape(where)}</span>",
                   "subtitle": {"text": _wrap(BAROMETRE_NOTE, 125), "font": {"size": 11, "color": "#555"}},
                   "x": 0.01, "xanchor": "left", "font": {"size": 15}},
            map={"style": "white-bg", "center": {"lon": lon, "lat": lat}, "zoom": zoom},
            margin={"l": 0, "r": 0, "t": 118, "b": 0}, height=640, separators=SEPARATORS,
            uirevision=f"barometre-{region or 'fr'}", paper_bgcolor="#ffffff",
            hoverlabel={"bgcolor": "white", "font": {"size": 12}},
        )
        return fig


def _round_up(x: float) -> float:
    """Round up to a multiple of 5 units of the next-to-leading digit (245 -> 250, 1234 -> 1250)."""
    if x <= 0:
        return 1.0
    unit = 5 * 10 ** max(np.floor(np.log10(x)) - 1, 0)
    return float(np.ceil(x / unit) * unit)


def fill_gaps(geoms, cover: float = 0.5) -> np.ndarray:
    """Polygons without the holes that are gaps of the source (holes that no
    other polygon covers for at least ``cover`` of their area); true enclaves
    (e.g. the Enclave des Papes) are kept.

    Parameters
    ----------
    geoms : array of shapely geometries
    cover : float

    Returns
    -------
    numpy array of geometries, same length
    """
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    out = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or not shapely.get_num_interior_rings(shapely.get_parts(g)).any():
            out.append(g)
            continue
        polys = []
        for part in shapely.get_parts(g):
            keep = []
            for ring in part.interiors:
                hole = shapely.Polygon(ring)
                others = [j for j in tree.query(hole) if j != i]
                covered = sum(shapely.intersection(hole, geoms[j]).area for j in others)
                if hole.area > 0 and covered / hole.area >= cover:
                    keep.append(ring)
            polys.append(shapely.Polygon(part.exterior, keep))
        out.append(shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0])
    return np.asarray(out, dtype=object)


def _wrap(text: str, width: int) -> str:
    """Break a long subtitle into lines of about ``width`` characters (``<br>``)."""
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return "<br>".join(lines)


def _nice_ticks(top: float, n: int = 4) -> list[float]:
    """Round tick values from 0 to below ``top``."""
    raw = top / n
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    ticks = list(np.arange(0, top + 1e-9, step))
    if ticks and top - ticks[-1] < step * 0.4 and len(ticks) > 1:
        ticks.pop()  # leave room for the top label
    return [float(t) for t in ticks]


def unavailable_figure() -> go.Figure:
    """Empty figure with the French annotation saying the barometer source is missing."""
    fig = go.Figure()
    fig.add_annotation(text=BAROMETRE_UNAVAILABLE, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 14, "color": "#333"})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=240, separators=SEPARATORS,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
                      title={"text": BAROMETRE_TITLE, "x": 0.01, "xanchor": "left", "font": {"size": 15}})
    return fig


def _as_barometre(data) -> BarometreData:
    return data if isinstance(data, BarometreData) else BarometreData(data)


def barometre_months(ctx) -> list[str]:
    """Months of the barometer, 'YYYY-MM' sorted ([] when unavailable).

    Parameters
    ----------
    ctx : DataContext or BarometreData
        Pass the :class:`BarometreData` built once per process; a
        DataContext works too but rebuilds it (GeoJSON included).
    """
    return list(_as_barometre(ctx).months)


def barometre_figure(ctx, month: str | None, region: str | None) -> go.Figure:
    """Département choropleth of the barometer at ``month``.

    Parameters
    ----------
    ctx : DataContext or BarometreData
        Prefer the :class:`BarometreData` built once per process (a
        DataContext is accepted and wrapped, at the cost of its GeoJSON).
    month : str or None
        'YYYY-MM' of :func:`barometre_months` (None: the last month).
    region : str or None
        Region code to zoom on (its départements stay opaque, the others dimmed).

    Returns
    -------
    go.Figure
        A ``go.Choroplethmap`` (``white-bg`` style, no tiles) of the cumulative
        number of beneficiary firms, one location per département of the data,
        colour scale fixed over every month, region lines on top; the subtitle
        says département values do not add up to the national figure. When the
        barometer is unavailable, an empty figure with the annotation
        :data:`BAROMETRE_UNAVAILABLE`.

    Raises
    ------
    ValueError
        For a month absent from the barometer.
    """
    return _as_barometre(ctx).figure(month, region)
