"""Regional table on the real bundle (dashboard/views/regional.py)."""
import dataclasses

import pandas as pd
import pytest
from dash import html

from dashboard.views import regional
from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState
from geodata.build.published import OUTRE_MER_REGIONS


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)

def _regions(df):
    return df[df["niveau"] == "region"].set_index("code_region")


# --------------------------------------------------------------------------- regional table
def test_regional_table_matches_published_figures_without_filters(ctx):
    state = ViewState()
    sel = filter_laureates(ctx.laureats, state)
    df = regional.regional_table_data(ctx, state, sel)
    reg = _regions(df)
    assert set(reg.index) == set(ctx.regions.index) and len(reg) == 18
    # Group the computed rows like the brochure (overseas regions as "OM").
    key = reg.index.to_series().where(~reg.index.isin(OUTRE_MER_REGIONS), "OM")
    computed = reg.groupby(key)[["laureats", "investissement_eur", "aide_eur", "emplois"]].sum()
    pub = ctx.bundle.chiffres_regionaux.set_index("code_region")
    assert set(computed.index) == set(pub.index)
    pd.testing.assert_series_equal(computed["laureats"].sort_index(), pub["laureats"].sort_index(),
                                   check_names=False, check_dtype=False)
    pd.testing.assert_series_equal(computed["emplois"].sort_index(), pub["emplois"].sort_index(),
                                   check_names=False, check_dtype=False)
    assert (computed["investissement_eur"].sort_index()
            == (pub["investissement_meur"] * 1e6).round().sort_index()).all()
    assert (computed["aide_eur"].sort_index() == (pub["aide_publique_meur"] * 1e6).round().sort_index()).all()
    # The published columns sit beside them, equal without filters.
    metro = reg[~reg.index.isin(OUTRE_MER_REGIONS)]
    assert (metro["laureats"] == metro["laureats_publies"]).all()
    assert reg.loc[list(OUTRE_MER_REGIONS), "laureats_publies"].isna().all()
    om = df.set_index("code_region").loc[regional.OM_CODE]
    assert om["region"] == "Outre-mer (total publié)" and om["niveau"] == "groupe"
    assert om["laureats"] == om["laureats_publies"] == pub.loc["OM", "laureats"]
    france = df.set_index("code_region").loc[regional.FRANCE_CODE]
    assert france["laureats"] == len(sel) == france["laureats_publies"] == pub["laureats"].sum()


@pytest.mark.parametrize("phase", ["2019-2022", "2023-2027"])
def test_ti_counts_per_region(ctx, phase):
    df = regional.regional_table_data(ctx, ViewState(phase=phase), ctx.laureats)
    reg = _regions(df)
    expected = ctx.territoires[ctx.territoires["phase"] == phase].groupby("code_region").size()
    assert reg["n_ti"].sum() == {"2019-2022": 149, "2023-2027": 183}[phase] == expected.sum()
    assert (reg["n_ti"] == expected.reindex(reg.index).fillna(0)).all()
    assert df.set_index("code_region").loc[regional.FRANCE_CODE, "n_ti"] == expected.sum()


def test_region_filter_keeps_one_non_zero_row(ctx):
    state = ViewState(region="27", filiere=("Agroalimentaire",))
    sel = filter_laureates(ctx.laureats, state)
    assert 0 < len(sel)
    df = regional.regional_table_data(ctx, state, sel)
    reg = _regions(df)
    assert list(reg.index[reg["laureats"] > 0]) == ["27"]
    assert reg.loc["27", "laureats"] == len(sel)
    assert df.set_index("code_region").loc[regional.FRANCE_CODE, "laureats"] == len(sel)
    assert reg.loc["27", "investissement_eur"] == pytest.approx(float(sel["investissement_eur"].sum()))


def test_regional_table_component(ctx):
    state = ViewState(region="53")
    comp = regional.regional_table(ctx, state, filter_laureates(ctx.laureats, state))
    tables = _find(comp, html.Table)
    assert len(tables) == 1 and tables[0].className.startswith("table table-sm")
    assert _find(comp, html.Caption)
    col_headers = [th for th in _find(comp, html.Th) if getattr(th, "scope", None) in ("col", "colgroup")]
    assert col_headers and all(th.scope in ("col", "colgroup") for th in col_headers)
    text = _text(comp)
    assert "24 septembre 2021" in text and "ANCT" in text and "fictifs" in text and "aucun filtre" in text
    assert "1\u202f416" in text  # French thousands separator
    active = [tr for tr in _find(comp, html.Tr) if "table-active" in (getattr(tr, "className", None) or "")]
    assert len(active) == 1 and "Bretagne" in _text(active[0])


def test_regional_table_official_file_without_amounts(official_bundle):
    ctx = DataContext(official_bundle)
    assert not ctx.has_amounts and not ctx.demonstration
    assert regional.published_applicable(ctx)  # every date before October 2021: the 2021 set
    df = regional.regional_table_data(ctx, ViewState(), ctx.laureats)
    assert df["investissement_eur"].isna().all() and df["aide_eur"].isna().all() and df["emplois"].isna().all()
    france = df.set_index("code_region").loc[regional.FRANCE_CODE]
    assert france["laureats"] == len(ctx.laureats)
    assert france["laureats_publies"] == ctx.bundle.chiffres_regionaux["laureats"].sum()
    text = _text(regional.regional_table(ctx, ViewState(), ctx.laureats))
    assert "n.d." in text and "fictifs" not in text and "24 septembre 2021" in text


def test_published_columns_hidden_after_2021(ctx):
    later = ctx.laureats.assign(date="2022-03-01", mois="2022-03")
    fake = dataclasses.replace(ctx)
    fake.__dict__.update(laureats=later, demonstration=False)
    assert not regional.published_applicable(fake)
    df = regional.regional_table_data(fake, ViewState(), fake.laureats)
    assert regional.OM_CODE not in set(df["code_region"]) and df["laureats_publies"].isna().all()
    assert "publié" not in _text(regional.regional_table(fake, ViewState(), fake.laureats))


# --------------------------------------------------------------------------- helpers
def _find(comp, kind) -> list:
    out = [comp] if isinstance(comp, kind) else []
    children = getattr(comp, "children", None)
    if children is None:
        return out
    for c in children if isinstance(children, (list, tuple)) else [children]:
        out += _find(c, kind)
    return out


def _text(comp) -> str:
    if isinstance(comp, str):
        return comp
    if isinstance(comp, (int, float)):
        return str(comp)
    children = getattr(comp, "children", None)
    if children is None:
        return ""
    return " ".join(_text(c) for c in (children if isinstance(children, (list, tuple)) else [children]))
