"""Texts of the KPI cards (page, embed, deck), generated from the catalog's metrics."""
from __future__ import annotations

from dashboard.model.catalog import KPI_METRICS, unavailable_reason

#: Label of each KPI card, by element id.
KPI_LABELS = {m.kpi_id: m.card_label for m in KPI_METRICS}


def kpi_values(k: dict) -> dict:
    """Text of each KPI card, by element id (metrics of :data:`dashboard.model.catalog.KPI_METRICS` in ``k``)."""
    return {m.kpi_id: m.format(k[m.key]) for m in KPI_METRICS if m.key in k}


#: Why the share in priority zones can be missing (it needs no feature of the file).
NO_ZONE_KNOWN = "aucun de ces lauréats n'a de commune connue dans les zones prioritaires"


def kpi_titles(k: dict) -> dict:
    """Exact values in French format (tooltip of each card): "5 400 000 000 €", "70,97 %"; for a
    card reading « n.d. », why: « n.d. : non disponible (montants absents des données) »."""
    def title(m, v):
        if v is None or v != v:
            return f"n.d. : non disponible ({unavailable_reason(m.requires) if m.requires else NO_ZONE_KNOWN})"
        return m.exact(v)
    return {m.kpi_id: title(m, k[m.key]) for m in KPI_METRICS if m.key in k}
