"""The « add an indicator » recipe of ARCHITECTURE.md, done for real on a copy of the code.

A throwaway indicator is added exactly as the recipe says — one ``ExtraColumn`` in
``geodata/read/laureates.py`` and one ``MetricSpec`` in ``dashboard/model/catalog.py``, nothing
else — and a fresh interpreter checks that it reaches every place that shows indicators: KPI card
and its exact tooltip, the « depuis » line, the pin hover, the fiche, the XLSX headers, the CSV
columns, the committee deck's figures and the indicator menu.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

EXTRA = '''
    ExtraColumn("eau_economisee_m3", ("eau_economisee_m3",), "number",
                lambda lau, rng: np.round(rng.uniform(1, 1000, len(lau)))),
'''
METRIC = '''
    MetricSpec(key="eau", label="Eau économisée (m³)", column="eau_economisee_m3", aggregation="sum",
               unit="integer", card_label="Eau économisée", option_label="Eau économisée (jetable)",
               fiche_label="Eau économisée", table_label="Eau (m³)", change_words="m³ d'eau économisés"),
'''

CHECK = r'''
import io, sys
import openpyxl
from pptx import Presentation
from geodata.bundle import load_bundle
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.kpi_text import KPI_LABELS, kpi_titles, kpi_values
from dashboard.model.since import since_text
from dashboard.model.state import ViewState
from dashboard.views import ids, map_figure
from dashboard.views.layout import page
from dashboard.exports.tables import export_rows
from dashboard.exports.xlsx import to_xlsx_bytes, DATA_SHEET
from dashboard.exports.deck import deck_bytes
from dashboard.views.fiche import fiche_panel

ctx = DataContext(load_bundle(sys.argv[1]))
state = ViewState(region="27", territoire=ctx.laureats[ctx.laureats.code_region == "27"].epci_siren.dropna().iloc[0])
sel = filter_laureates(ctx.laureats, state)
k = kpis(sel, ctx.choices)
found = {}
found["kpi card"] = "kpi-eau" in ids.KPIS and KPI_LABELS["kpi-eau"] == "Eau économisée" and kpi_values(k)["kpi-eau"] != "n.d."
found["kpi title"] = kpi_titles(k)["kpi-eau"].endswith("eau économisée")
found["depuis"] = "m³ d'eau économisés" in since_text(sel, "2000-01-01", ctx.choices)
row = next(sel.itertuples(index=False))
found["pin hover"] = "Eau économisée" in map_figure._pin_text(row)
found["csv column"] = "eau_economisee_m3" in export_rows(ctx, state).columns
wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(ctx, state)))
found["xlsx header"] = "Eau économisée (m³)" in [c.value for c in wb[DATA_SHEET][1]]
text = str(page(ctx, state, []))
found["indicator menu"] = "Eau économisée (jetable)" in text
found["fiche"] = "Eau économisée" in str(fiche_panel(ctx, state, sel))
prs = Presentation(io.BytesIO(deck_bytes(ctx, state, site_url="http://localhost/")))
deck_text = " ".join(sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame)
deck_text += " ".join(c.text for s in prs.slides for sh in s.shapes if sh.has_table
                      for r in sh.table.rows for c in r.cells)
found["deck"] = "Eau économisée" in deck_text
print(repr(found))
'''


def test_add_an_indicator_recipe(tmp_path, demo_bundle_dir):
    tree = tmp_path / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("dashboard", "geodata", "assets"):
        shutil.copytree(ROOT / part, tree / part, ignore=ignore)
    shutil.copy(ROOT / "settings.py", tree / "settings.py")
    # the recipe: one ExtraColumn, one MetricSpec
    lau = tree / "geodata" / "read" / "laureates.py"
    text = lau.read_text(encoding="utf-8")
    anchor = "EXTRA_COLUMNS: tuple[ExtraColumn, ...] = (\n"
    assert anchor in text
    lau.write_text(text.replace(anchor, anchor + EXTRA.lstrip("\n"), 1), encoding="utf-8")
    cat = tree / "dashboard" / "model" / "catalog.py"
    text = cat.read_text(encoding="utf-8")
    anchor = "METRICS = (\n"
    assert anchor in text
    cat.write_text(text.replace(anchor, anchor + METRIC.lstrip("\n"), 1), encoding="utf-8")
    # a bundle whose laureates have the new column (what the build makes of the ExtraColumn)
    bundle = tmp_path / "bundle"
    shutil.copytree(demo_bundle_dir, bundle)
    import geopandas as gpd
    table = gpd.read_parquet(bundle / "laureats.parquet")
    table["eau_economisee_m3"] = pd.Series(range(1, len(table) + 1), index=table.index, dtype="Float64")
    table.to_parquet(bundle / "laureats.parquet")
    out = subprocess.run([sys.executable, "-c", CHECK, str(bundle)], cwd=tree, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    found = eval(out.stdout.strip().splitlines()[-1])  # a dict literal printed by the check
    assert found == {k: True for k in found}, f"l'indicateur n'atteint pas : {[k for k, v in found.items() if not v]}"
