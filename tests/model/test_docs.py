"""The README's URL-parameter and indicator tables are written from the catalog
(dashboard/model/docs.py) and the README holds exactly what the generator writes."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dashboard.model import catalog, docs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(docs.SECTIONS))
def test_readme_shows_the_generated_table(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = docs.section_pattern(name).search(readme)
    assert m, f"README : section <!-- {name}:start --> … <!-- {name}:end --> absente"
    assert m.group(1) == docs.SECTIONS[name]() + "\n", "README à régénérer : python -m dashboard.model.docs --write"


def test_every_parameter_and_indicator_is_listed():
    params, indicators = docs.parameter_table(), docs.indicator_table()
    for spec in catalog.PARAMETERS:
        for name in spec.params:
            assert f"`{name}`" in params
    for m in catalog.METRICS:
        assert f"| `{m.key}` | {m.label} |" in indicators
        assert (f"`{m.kpi_id}`" in indicators) == m.kpi
        assert (f"`indicateur={m.key}`" in indicators) == m.indicator


def test_a_new_metric_reaches_the_indicator_table(monkeypatch):
    extra = catalog.MetricSpec(key="surface_test", label="Surface jetable (m²)", column="surface_m2",
                               aggregation="sum", unit="integer", card_label="Surface", option_label="Surface",
                               fiche_label="Surface", requires="co2")
    monkeypatch.setattr(catalog, "METRICS", catalog.METRICS + (extra,))
    row = docs.indicator_table().splitlines()[-1]
    assert row == ("| `surface_test` | Surface jetable (m²) | somme de `surface_m2` | nombre entier | "
                   f"`kpi-surface-test` | `indicateur=surface_test` | {catalog.FEATURES['co2']} |")


def test_a_new_parameter_reaches_the_parameter_table(monkeypatch):
    extra = catalog.FilterSpec(name="secteur", label="Secteur jetable", kind="multi", column="naf",
                               requires="amounts")
    monkeypatch.setattr(catalog, "PARAMETERS", catalog.PARAMETERS + (extra,))
    row = docs.parameter_table().splitlines()[-1]
    assert row == ("| `secteur` | Secteur jetable | valeurs de la colonne `naf` des données, répétables "
                   f"(`secteur=A&secteur=B`) ; refusé si {catalog.FEATURES['amounts']} |")


def test_values_come_from_the_spec():
    assert docs.parameter_values(catalog.PHASE) == ", ".join(
        f"`{p}`" + (" (défaut)" if p == catalog.PHASE.default else "") for p in catalog.PHASE.values)
    assert docs.parameter_values(dataclasses.replace(catalog.EMBED, doc=None)) == "`1` (ou `true`)"
    assert docs.parameter_values(dataclasses.replace(catalog.EMBED, doc="`1` : autre texte")) == "`1` : autre texte"
    assert "lu avec `phase`" in docs.parameter_values(catalog.TI)


def test_a_parameter_without_describable_values_asks_for_a_doc():
    bare = dataclasses.replace(catalog.TERRITOIRE, doc=None)
    with pytest.raises(ValueError, match="« territoire ».*doc"):
        docs.parameter_values(bare)


def test_every_unit_has_a_french_word():
    assert set(docs.UNIT_WORDS) == set(catalog.UNITS)


def test_missing_markers_are_named():
    with pytest.raises(ValueError, match="<!-- parametres:start -->"):
        docs.render("# README sans marqueurs\n")


def test_write_rewrites_only_the_sections(tmp_path, monkeypatch, capsys):
    readme = tmp_path / "README.md"
    stale = ("# Titre\n\navant\n<!-- parametres:start -->\n| vieux |\n<!-- parametres:end -->\nentre\n"
             "<!-- indicateurs:start -->\n<!-- indicateurs:end -->\naprès\n")
    readme.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(docs, "README", readme)
    assert docs.main(["--write"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == (f"# Titre\n\navant\n<!-- parametres:start -->\n{docs.parameter_table()}\n<!-- parametres:end -->\n"
                    f"entre\n<!-- indicateurs:start -->\n{docs.indicator_table()}\n<!-- indicateurs:end -->\naprès\n")
    assert "régénérés" in capsys.readouterr().out
    assert docs.main(["--write"]) == 0
    assert readme.read_text(encoding="utf-8") == text
    assert "déjà à jour" in capsys.readouterr().out
