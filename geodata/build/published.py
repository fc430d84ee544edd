"""Published figures of the Fonds d'accélération des investissements industriels
dans les territoires, at 24 September 2021, per region.

Source: ANCT, brochure « Territoires d'industrie — point d'étape à 3 ans »
(sources DGE, Bpifrance). National totals: 1 416 laureates, 5.4 bn€ of
investment, 573 M€ of aid, 27 255 jobs. Auvergne-Rhône-Alpes is derived by
difference of the national totals (the brochure gives no separate line).

The table itself ships in the embedded snapshot (``geodata/snapshot``, derived
from ``relance/fonds_acceleration_regions_2021-09-24.csv`` by
``python -m geodata snapshot``), so that a machine with no source folder can
still calibrate the demonstration set (see ``geodata.build.demo``).
"""
from __future__ import annotations

import pandas as pd

AS_OF = "2021-09-24"
NATIONAL = {"laureats": 1416, "investissement_meur": 5400, "aide_publique_meur": 573, "emplois": 27255}

#: Regions grouped under "OM" in the brochure.
OUTRE_MER_REGIONS = ("01", "02", "03", "04", "06")


def regional_figures() -> pd.DataFrame:
    """The published table, as carried by the embedded snapshot (same columns as the source reader)."""
    from geodata.build.snapshot import load_snapshot
    return load_snapshot().values["chiffres_regionaux"].copy()
