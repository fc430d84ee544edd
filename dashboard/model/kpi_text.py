"""Texts of the KPI cards (page, embed, deck), generated from the catalog's metrics."""
from __future__ import annotations

from dashboard.model.catalog import KPI_METRICS

#: Label of each KPI card, by element id.
KPI_LABELS = {m.kpi_id: m.card_label for m in KPI_METRICS}


def kpi_values(k: dict) -> dict:
    """Text of each KPI card, by element id (metrics of :data:`dashboard.model.catalog.KPI_METRICS` in ``k``)."""
    return {m.kpi_id: m.format(k[m.key]) for m in KPI_METRICS if m.key in k}


def kpi_titles(k: dict) -> dict:
    """Exact values in French format (tooltip of each card): "5 400 000 000 €", "70,97 %"."""
    return {m.kpi_id: m.exact(k[m.key]) for m in KPI_METRICS if m.key in k}
