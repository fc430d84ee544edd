"""Published figures of the Fonds d'accélération des investissements industriels
dans les territoires, at 24 September 2021, per region.

Source: ANCT, brochure « Territoires d'industrie — point d'étape à 3 ans »
(sources DGE, Bpifrance). National totals: 1 416 laureates, 5.4 bn€ of
investment, 573 M€ of aid, 27 255 jobs. Auvergne-Rhône-Alpes is derived by
difference of the national totals (the brochure gives no separate line).

This is our own transcription, shipped so that a machine with no source
folder can still calibrate the demonstration set (see ``geodata.demo``).
When the source file ``relance/fonds_acceleration_regions_2021-09-24.csv``
is available it is read instead, and a test checks both agree.
"""
from __future__ import annotations

import pandas as pd

AS_OF = "2021-09-24"
NATIONAL = {"laureats": 1416, "investissement_meur": 5400, "aide_publique_meur": 573, "emplois": 27255}

# code_region, region, laureats, investissement_meur, aide_publique_meur, emplois, note
_ROWS = [
    ("27", "Bourgogne-Franche-Comté", 87, 285.5, 41.7, 1966, "brochure"),
    ("53", "Bretagne", 85, 256.1, 29.7, 1548, "brochure"),
    ("94", "Corse", 10, 21.4, 3.8, 89, "brochure"),
    ("24", "Centre-Val de Loire", 103, 276.5, 35.2, 1637, "brochure"),
    ("44", "Grand Est", 142, 746.3, 52.1, 2219, "brochure"),
    ("32", "Hauts-de-France", 110, 591.9, 53.9, 3022, "brochure"),
    ("11", "Île-de-France", 160, 324.9, 51.8, 2614, "brochure"),
    ("28", "Normandie", 90, 844.8, 41.9, 2161, "brochure"),
    ("75", "Nouvelle-Aquitaine", 126, 391.6, 56.5, 2294, "brochure"),
    ("76", "Occitanie", 91, 326.0, 38.6, 2357, "brochure"),
    ("52", "Pays de la Loire", 137, 600.2, 50.0, 2802, "brochure"),
    ("93", "Provence-Alpes-Côte d'Azur", 101, 271.3, 43.0, 1808, "brochure"),
    ("OM", "Outre-mer", 54, 94.8, 21.2, 452, "brochure"),
    ("84", "Auvergne-Rhône-Alpes", 120, 368.7, 53.6, 2286, "différence des totaux nationaux"),
]

#: Regions grouped under "OM" in the brochure.
OUTRE_MER_REGIONS = ("01", "02", "03", "04", "06")


def regional_figures() -> pd.DataFrame:
    """The table above as a DataFrame (same columns as the source reader)."""
    return pd.DataFrame(_ROWS, columns=["code_region", "region", "laureats", "investissement_meur",
                                        "aide_publique_meur", "emplois", "note"])
