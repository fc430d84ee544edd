"""Component ids, shared by the layout, the callbacks and the browser tests."""
from dashboard.model.catalog import KPI_METRICS
from dashboard.model.export_formats import BUTTONS
from dashboard.model.state import FILTER_NAMES

URL = "url"
MAP = "carte"
#: The map's changes sent by the server (operations of a Patch, applied by ``assets/carte-dessin.js``).
MAP_FIGURE = "carte-figure"
#: A click on the map (``{"points": [{"location": …}]}``, set by ``assets/carte-dessin.js``).
MAP_CLICK = "carte-clic"
NOTICE = "avis-parametres"
DEMO_BANNER = "bandeau-demonstration"
MISSING_BANNER = "bandeau-sources-absentes"
FILTER_PANEL = "panneau-filtres"
SUMMARY = "resume-filtres"
GOTO = "aller-a"
RESET = "reinitialiser"
LEGEND = "legende"
RENDERED = "etat-rendu"
#: {tab id: query} of the tabs whose panels are drawn (a tab is drawn when it opens).
PANELS_DRAWN = "onglets-dessines"

#: KPI cards, one per metric of the catalog with ``kpi=True`` (``kpi-laureats``, …).
KPIS = tuple(m.kpi_id for m in KPI_METRICS)
KPI_LAUREATS = KPIS[0]  # the count, first card (read by the committee deck's tests)
KPI_SINCE = "kpi-depuis"
KPI_SCOPE = "kpi-portee"  # words naming what the KPI cards count (place, or the selected territory)

FILTER_TYPE = "filtre"


def filter_id(name: str) -> dict:
    """Pattern-matching id of a filter control (``{"type": "filtre", "name": name}``)."""
    return {"type": FILTER_TYPE, "name": name}


#: The values each wildcard key of a pattern-matching id may take, by the id's ``type``: the callback
#: guard (:mod:`dashboard.callback_guard`) refuses any other (a forged ``name`` is a 400, not a 500).
PATTERN_VALUES = {FILTER_TYPE: {"name": frozenset(FILTER_NAMES)}}

SEARCH = "recherche"
FICHE = "fiche"
RANKING = "classement"
REGIONS = "tableau-regions"
TIME = "graphique-mois"
BAROMETRE = "carte-barometre"
BAROMETRE_MONTH = "mois-barometre"
#: Export buttons: ``export-<kind>`` of each format with a button (:data:`dashboard.model.export_formats.BUTTONS`).
EXPORT_BUTTONS = tuple(f.element_id for f in BUTTONS)
FICHE_PDF = "fiche-pdf"  # the fiche's « Fiche PDF » link (suffixed -1/-2 when two fiches are compared)
SLIDE = "export-diapositive"
TABS = "onglets"
