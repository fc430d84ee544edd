"""The printable fiche of a territory (``/fiche.pdf?<query of the page>``): two A4 pages,
drawn on the server with matplotlib (its PDF backend).

Page 1: the « République française » block, the territory's name and kind, its
membership of the Territoires d'industrie per phase, its map (the deck's renderer,
:func:`dashboard.exports.static_map.render_map` framed on the territory, place names included),
its figures beside its region's and France's. Page 2: the laureates by sector, the
list of laureates (largest investment first, or most recent when the file has no
amounts; at most :data:`LIST_ROWS`, the spreadsheet export has them all), sources,
licences and dates. The demonstration flag heads both pages when the data is
demonstration data.

Why matplotlib rather than an HTML-to-PDF engine (WeasyPrint): it is already a
dependency (the deck's maps), needs no system library (WeasyPrint needs Debian's Pango),
draws the map as the deck does, and a fiche of fixed layout does not need text flow.
Text is embedded as TrueType (Liberation Sans), so it can be searched and copied.
"""
from __future__ import annotations

import io
import textwrap
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from PIL import Image

from dashboard.model import fmt
from dashboard.model.catalog import KPI_METRICS
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.describe import filters_sentence
from dashboard.model.export_formats import ExportUnavailable
from dashboard.model.state import ViewState
from dashboard.exports.tables import DEMONSTRATION_MARK, as_of_text, sources_text
from dashboard.exports.static_map import drawing, render_map
from dashboard.views.fiche import Territory, laureates_of, member_communes, resolve_territory, ti_membership

A4 = (8.27, 11.69)  # inches, portrait
LEFT, RIGHT = 0.075, 0.925  # text column, in page fractions
BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
TEXT = "#161616"
MUTED = "#666666"
RULE = "#DDDDDD"
LIST_ROWS = 25
MAP_WIDTH_IN = 12.0  # the map is drawn 12 inches wide (text 1.3 times larger than on a slide), shown 6.4 wide
SECTOR_ROWS = 10
NO_TERRITORY = ("Fiche PDF : aucun territoire choisi. Ajoutez à l'adresse le paramètre « territoire » "
                "(SIREN d'un EPCI ou identifiant d'un Territoire d'industrie), par exemple en ouvrant la fiche "
                "d'un territoire sur la carte.")
TITLE = "Fiche territoire — Territoires d'industrie et lauréats France Relance"


def fiche_state(terr: Territory, state: ViewState) -> ViewState:
    """The view of the fiche's map: the territory's level (and phase, for a TI), no place filter."""
    if terr.kind == "ti":
        return state.with_(niveau="ti", phase=terr.phase, territoire=terr.code, comparer=None, region=None,
                           departement=None)
    return state.with_(niveau="epci", territoire=terr.code, comparer=None, region=None, departement=None)


def _kind_line(ctx: DataContext, terr: Territory) -> str:
    if terr.kind == "epci":
        kind = f"Intercommunalité (EPCI, {ctx.epci.loc[terr.code, 'type']}) — SIREN {terr.code}"
    else:
        kind = f"Territoire d'industrie {terr.phase}"
    region = ctx.regions.get(terr.code_region, "") if terr.code_region else ""
    return " · ".join(x for x in (kind, f"région {region}" if region else "",
                                  f"{fmt.integer(terr.population)} habitants") if x)


def _membership_lines(ctx: DataContext, terr: Territory) -> list[str]:
    membership = ti_membership(ctx, terr)
    if not membership:
        return ["Listes des Territoires d'industrie absentes des données."]
    return [f"{ph} : " + (", ".join(names) if names else "hors Territoire d'industrie")
            for ph, names in membership.items()]


def _header(fig, ctx: DataContext, page: int, pages: int) -> float:
    """The « République française » block, the document's title, the demonstration flag; returns the
    top of the page's content (figure fraction)."""
    _text(fig, LEFT, 0.965, "RÉPUBLIQUE\nFRANÇAISE", fontsize=11, fontweight="bold", va="top", linespacing=1.1,
             color="black")
    _text(fig, LEFT, 0.928, "Liberté\nÉgalité\nFraternité", fontsize=7, style="italic", va="top", linespacing=0.95,
             color="black")
    _text(fig, RIGHT, 0.965, TITLE, fontsize=8.5, ha="right", va="top", color=MUTED)
    _text(fig, RIGHT, 0.948, f"Page {page}/{pages}", fontsize=8.5, ha="right", va="top", color=MUTED)
    fig.add_artist(_hline(0.895, BLEU_FRANCE, 1.6))
    top = 0.88
    if ctx.demonstration:
        fig.patches.append(_box(LEFT, top - 0.03, RIGHT - LEFT, 0.027, ROUGE_MARIANNE, fig))
        _text(fig, LEFT + 0.01, top - 0.0165, f"{DEMONSTRATION_MARK} : aucun nom, montant ou lieu de projet "
                 "n'est réel.", fontsize=8,
                 fontweight="bold", color="white", va="center")
        top -= 0.045
    return top


def _text(fig, x: float, y: float, s: str, **kw):
    """``fig.text`` with French number spacing the font can draw (Liberation Sans has no U+202F:
    the narrow no-break space becomes a no-break space)."""
    return fig.text(x, y, s.replace("\u202f", "\u00a0"), **kw)


def _hline(y: float, color: str, width: float = 0.6, x0: float = LEFT, x1: float = RIGHT):
    from matplotlib.lines import Line2D
    return Line2D([x0, x1], [y, y], color=color, linewidth=width)


def _box(x, y, w, h, color, fig):
    from matplotlib.patches import Rectangle
    return Rectangle((x, y), w, h, facecolor=color, edgecolor="none", transform=fig.transFigure, figure=fig)


def _footer(fig, ctx: DataContext, view_url: str) -> None:
    fig.add_artist(_hline(0.045, RULE))
    demo = f" · {DEMONSTRATION_MARK}" if ctx.demonstration else ""
    _text(fig, LEFT, 0.035, f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · fiche générée le "
             f"{fmt.date_fr(date.today().isoformat())}{demo}", fontsize=7, va="top",
             color=ROUGE_MARIANNE if ctx.demonstration else MUTED)
    _text(fig, LEFT, 0.022, f"Vue en ligne : {textwrap.shorten(view_url, 150, placeholder='…')}", fontsize=7,
             va="top", color=MUTED)


def _section(fig, y: float, title: str) -> float:
    _text(fig, LEFT, y, title, fontsize=11.5, fontweight="bold", color=BLEU_FRANCE, va="top")
    return y - 0.024


def _table(fig, y: float, header: list[str], rows: list[list[str]], widths: list[float], size: float = 8,
           right_from: int = 1, row_h: float = 0.0165, bold_first_column: bool = False) -> float:
    """A plain table of text (header in bleu France, light rules); returns the y below it."""
    total = sum(widths)
    xs = [LEFT]
    for w in widths[:-1]:
        xs.append(xs[-1] + (RIGHT - LEFT) * w / total)
    chars = [max(4, int((RIGHT - LEFT) * w / total * A4[0] * 72 / (size * 0.5))) for w in widths]

    def cells(values, yy, weight, color, lines=1):
        for j, v in enumerate(values):
            if lines == 1:
                text = _clip(str(v), chars[j]) if v else ""
            else:
                pieces = textwrap.wrap(str(v), chars[j], break_long_words=False)[:lines]
                text = "\n".join(_clip(piece, chars[j]) for piece in pieces) if v else ""
            right = j >= right_from
            x = (xs[j + 1] if j + 1 < len(xs) else RIGHT) - 0.006 if right else xs[j] + 0.004
            _text(fig, x, yy, text, fontsize=size, ha="right" if right else "left", va="center", color=color,
                     fontweight="bold" if weight or (bold_first_column and j == 0) else "normal", linespacing=1.05)

    head_lines = max(min(2, len(textwrap.wrap(h, chars[j], break_long_words=False))) for j, h in enumerate(header) if h)
    head_h = row_h * (1 + 0.75 * (head_lines - 1))
    fig.patches.append(_box(LEFT, y - head_h, RIGHT - LEFT, head_h, BLEU_FRANCE, fig))
    cells(header, y - head_h / 2, True, "white", lines=2)
    y -= head_h
    for i, row in enumerate(rows):
        if i % 2:
            fig.patches.append(_box(LEFT, y - row_h, RIGHT - LEFT, row_h, "#F6F6F6", fig))
        cells(row, y - row_h / 2, False, TEXT)
        y -= row_h
    fig.add_artist(_hline(y, RULE))
    return y - 0.012


def _clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def _filters_words(ctx: DataContext, state: ViewState) -> str:
    """The view's filters other than the place, in words (``aucun`` when none)."""
    bits = filters_sentence(ctx, state.with_(region=None, departement=None), 0).split(" · ")[2:]
    return " · ".join(bits) if bits else "aucun (tous les lauréats)"


def _figures_rows(ctx: DataContext, state: ViewState, terr: Territory):
    """The territory, its region and France for the current filters (as the page's fiche)."""
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    metrics = [m for m in KPI_METRICS if m.key != "laureats" and ctx.choices.has(m.requires)]
    header = ["", "Lauréats", "pour 10 000 hab.", *[m.fiche_label for m in metrics], "Habitants"]

    def row(label, k, pop):
        per = k["laureats"] / pop * 10_000 if pop else None
        return [label, fmt.integer(k["laureats"]), fmt.decimal(per, 2) if per is not None else "n.d.",
                *[m.format(k.get(m.key)) for m in metrics], fmt.integer(pop)]

    rows = [row(terr.nom, kpis(laureates_of(wide, terr), ctx.choices), terr.population)]
    if terr.code_region in ctx.regions.index:
        pop = int(ctx.communes.loc[ctx.communes["code_region"] == terr.code_region, "population"].sum())
        rows.append(row(f"Région {ctx.regions.loc[terr.code_region]}",
                        kpis(wide[wide["code_region"] == terr.code_region], ctx.choices), pop))
    rows.append(row("France", kpis(wide, ctx.choices), int(ctx.communes["population"].sum())))
    return header, rows, [2.5, 1.05, 1.35, *[1.5] * len(metrics), 1.35]


def _map_image(ctx: DataContext, state: ViewState, terr: Territory, wide: pd.DataFrame) -> np.ndarray:
    png = render_map(ctx, fiche_state(terr, state), wide, focus=True, width_in=MAP_WIDTH_IN)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _page_one(fig, ctx, state, terr, view_url):
    y = _header(fig, ctx, 1, 2)
    _text(fig, LEFT, y, "\n".join(textwrap.wrap(terr.nom, 52)), fontsize=19, fontweight="bold", color=BLEU_FRANCE,
             va="top", linespacing=1.1)
    y -= 0.03 * len(textwrap.wrap(terr.nom, 52)) + 0.015
    _text(fig, LEFT, y, _kind_line(ctx, terr), fontsize=9.5, color=TEXT, va="top")
    y -= 0.022
    communes = member_communes(ctx, terr)
    _text(fig, LEFT, y, f"{fmt.integer(len(communes))} communes membres", fontsize=9.5, color=MUTED, va="top")
    y -= 0.035
    y = _section(fig, y, "Territoires d'industrie, par phase")
    for line in _membership_lines(ctx, terr):
        wrapped = textwrap.wrap(line, 110)
        _text(fig, LEFT + 0.01, y, "• " + "\n  ".join(wrapped), fontsize=9.5, color=TEXT, va="top", linespacing=1.25)
        y -= 0.017 * len(wrapped) + 0.004
    y -= 0.012
    y = _section(fig, y, "Carte du territoire")
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    img = _map_image(ctx, state, terr, wide)
    width = RIGHT - LEFT
    height = width * img.shape[0] / img.shape[1] * A4[0] / A4[1]
    ax = fig.add_axes((LEFT, y - height, width, height))
    ax.imshow(img, interpolation="lanczos")
    ax.set_axis_off()
    ax.set_gid("carte")
    y -= height + 0.01
    _text(fig, LEFT, y, "Territoires colorés selon le nombre de lauréats (filtres actuels) ; contour rouge : le "
             "territoire ; en italique bleu : les Territoires d'industrie.", fontsize=7.5, color=MUTED, va="top")
    y -= 0.03
    y = _section(fig, y, "Chiffres comparés (filtres actuels, hors filtre de lieu)")
    header, rows, widths = _figures_rows(ctx, state, terr)
    y = _table(fig, y, header, rows, widths, size=7.5, bold_first_column=True)
    _text(fig, LEFT, y, "\n".join(textwrap.wrap(f"Filtres : {_filters_words(ctx, state)}.", 140)), fontsize=7.5,
             color=MUTED, va="top")
    _footer(fig, ctx, view_url)


def _list_rows(ctx: DataContext, lau: pd.DataFrame) -> pd.DataFrame:
    if ctx.has_amounts:
        return lau.sort_values(["investissement_eur", "entreprise"], ascending=[False, True], kind="stable")
    return lau.sort_values(["date", "entreprise"], ascending=[False, True], kind="stable", na_position="last")


def _sources_lines(ctx: DataContext) -> list[tuple[str, list[str]]]:
    """The sources block of page 2: each line and its wrapped form."""
    lines = ["Lauréats : jeu de DÉMONSTRATION fictif, calibré sur les chiffres régionaux publiés (brochure ANCT) — "
             "aucun projet n'est réel." if ctx.demonstration else
             "Lauréats : fichier officiel DGE « Plan de relance — projets industriels ».",
             *sources_text(ctx),
             f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · lot construit le "
             f"{fmt.date_fr(ctx.manifest['date_construction'])}."]
    return [(line, textwrap.wrap(line, 150)) for line in lines]


def _page_two(fig, ctx, state, terr, view_url):
    y = _header(fig, ctx, 2, 2)
    _text(fig, LEFT, y, terr.nom, fontsize=13, fontweight="bold", color=BLEU_FRANCE, va="top")
    y -= 0.04
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    lau = laureates_of(wide, terr)
    y = _section(fig, y, f"Lauréats par filière ({fmt.integer(len(lau))} lauréats)")
    counts = lau["filiere"].fillna("non renseignée").value_counts()
    if counts.empty:
        _text(fig, LEFT, y, "Aucun lauréat pour ces filtres.", fontsize=9, color=TEXT, va="top")
        y -= 0.03
    else:
        shown = counts.head(SECTOR_ROWS)[::-1]
        height = 0.0155 * len(shown) + 0.01
        ax = fig.add_axes((LEFT + 0.27, y - height, RIGHT - LEFT - 0.33, height))
        ax.barh(range(len(shown)), shown.to_numpy(), color=BLEU_FRANCE, height=0.7)
        ax.set_yticks(range(len(shown)), [textwrap.shorten(str(k), 45, placeholder="…") for k in shown.index],
                      fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        for i, v in enumerate(shown.to_numpy()):
            ax.text(v, i, f" {fmt.integer(v)}", va="center", fontsize=7.5, color=TEXT)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlim(0, shown.max() * 1.12)
        y -= height + 0.02
        if len(counts) > SECTOR_ROWS:
            _text(fig, LEFT, y, f"… et {len(counts) - SECTOR_ROWS} autres filières.", fontsize=7.5, color=MUTED,
                  va="top")
            y -= 0.018
    sources = _sources_lines(ctx)
    sources_top = 0.06 + sum(0.0115 * len(w) + 0.002 for _, w in sources) + 0.03
    order = "les plus gros investissements" if ctx.has_amounts else "les plus récents"
    row_h = 0.0148
    room = int((y - 0.03 - 0.028 - 0.025 - sources_top) / row_h)  # title, header, the « rest » line
    rows = _list_rows(ctx, lau).head(max(0, min(LIST_ROWS, room)))
    y = _section(fig, y - 0.005, f"Lauréats — {order}" + (f" ({len(rows)} sur {fmt.integer(len(lau))})"
                                                            if len(lau) > len(rows) else ""))
    if len(rows):
        amounts = ctx.has_amounts
        header = ["Entreprise", "Commune", "Filière", "Date", *(["Investissement", "Emplois"] if amounts else [])]
        body = [[r.entreprise, r.nom_commune, r.filiere or "n.c.", fmt.date_fr(r.date) if r.date else "n.d.",
                 *([fmt.euros(r.investissement_eur), fmt.integer(r.emplois)] if amounts else [])]
                for r in rows.itertuples(index=False)]
        y = _table(fig, y, header, body, [3.3, 1.8, 2.0, 1.8, *([1.5, 0.8] if amounts else [])], size=7.5,
                   right_from=4, row_h=row_h)
    else:
        _text(fig, LEFT, y, "Aucun lauréat pour ces filtres.", fontsize=9, color=TEXT, va="top")
        y -= 0.03
    if len(lau) > len(rows):
        _text(fig, LEFT, y, "La liste complète est dans l'export tableur (XLSX) de la vue.", fontsize=7.5,
              color=MUTED, va="top")
    y = _section(fig, sources_top, "Sources et licences")
    for i, (line, wrapped) in enumerate(sources):
        _text(fig, LEFT, y, "\n".join(wrapped), fontsize=6.8, va="top", linespacing=1.2,
              color=ROUGE_MARIANNE if ctx.demonstration and i == 0 else TEXT)
        y -= 0.0115 * len(wrapped) + 0.002
    _footer(fig, ctx, view_url)


def fiche_pdf_bytes(ctx: DataContext, state: ViewState, *, site_url: str) -> bytes:
    """The printable fiche of ``state.territoire`` as a PDF file (two A4 pages).

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        ``territoire`` names the territory (EPCI SIREN or TI id); the other filters
        (but the place) select its laureates, as in the page's fiche.
    site_url : str
        Absolute address of the page, ending with ``/``: the footer gives the view's address.

    Returns
    -------
    bytes
        A PDF document (title and subject set, text searchable).

    Raises
    ------
    ExportUnavailable
        When ``state.territoire`` names no known territory (message :data:`NO_TERRITORY`).
    """
    terr = resolve_territory(ctx, state.territoire, state.phase)
    if terr is None:
        raise ExportUnavailable(NO_TERRITORY)
    view_url = f"{site_url}{state.with_(comparer=None).to_query(include_embed=False)}"
    buf = io.BytesIO()
    with drawing(), PdfPages(buf, metadata={
            "Title": f"Fiche {terr.nom} — Territoires d'industrie", "Subject": _kind_line(ctx, terr),
            "Author": "Territoires d'industrie — carte des lauréats", "Keywords": view_url}) as pdf:
        for draw in (_page_one, _page_two):
            fig = Figure(figsize=A4, facecolor="white")
            draw(fig, ctx, state, terr, view_url)
            pdf.savefig(fig, dpi=200)
    return buf.getvalue()


__all__ = ["fiche_pdf_bytes", "fiche_state", "NO_TERRITORY", "LIST_ROWS"]
