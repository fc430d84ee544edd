"""Code and name normalisation, in one place.

SIREN: 9 digits. INSEE commune code: 5 characters (2A/2B for Corsica).
Département: 2 characters (3 for overseas: 971…976). Région: 2 characters.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

# INSEE TNCC ("type_nom") -> article placed before the name.
TNCC_ARTICLES = {
    "0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'",
    "6": "Aux ", "7": "Las ", "8": "Los ",
}

_ARTICLES = ("les", "le", "la", "l", "aux", "las", "los")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TRAILING_ARTICLE = re.compile(r"\s*\((les|le|la|l'|l|aux|las|los)\)\s*$")


def with_article(nom: str, type_nom) -> str:
    """Return a commune name with its article, e.g. ``("Malesherbois", 2) -> "Le Malesherbois"``."""
    article = TNCC_ARTICLES.get(str(type_nom).strip(), "")
    return f"{article}{nom}"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_key(text) -> str:
    """Key for matching place names: case, accents, leading article, hyphens,
    apostrophes and spaces are ignored ("La Ferté-Macé" == "ferte mace";
    "Saint" and "St" are made equal).
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _key_of(str(text))


@lru_cache(maxsize=1 << 17)  # the 35,000 commune names are keyed by every build and at each start
def _key_of(text: str) -> str:
    t = strip_accents(text).lower().replace("œ", "oe").replace("æ", "ae")
    t = t.replace("’", "'")
    t = _TRAILING_ARTICLE.sub("", t)  # "Mureaux (Les)" -> "Mureaux"
    words = [w for w in _NON_ALNUM.split(t) if w]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    return "".join(words)


def siren(value) -> str | None:
    """Normalise a SIREN to 9 digits, or None when empty/invalid."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = re.sub(r"\s", "", str(value))
    if s.endswith(".0"):
        s = s[:-2]
    if not s.isdigit() or len(s) > 9:
        return None
    return s.zfill(9)


def _code_text(value) -> str | None:
    """Upper-case text of a code as read from a file ("45.0" -> "45"); None when empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).strip().upper()
    if s.endswith(".0"):
        s = s[:-2]
    return s or None


def insee_com(value) -> str | None:
    """Normalise an INSEE commune code to 5 characters ("1001" -> "01001")."""
    s = _code_text(value)
    if s is None:
        return None
    if s.isdigit():
        return s.zfill(5)
    return s if re.fullmatch(r"2[AB]\d{3}", s) else None


def departement(value) -> str | None:
    """Normalise a département code ("1" -> "01", "2a" -> "2A", "971" kept)."""
    s = _code_text(value)
    if s is None:
        return None
    if s.isdigit():
        return s.zfill(2) if len(s) <= 2 else s
    return s


def region(value) -> str | None:
    """Normalise a région code ("1" -> "01"; "OM" kept)."""
    s = _code_text(value)
    if s is None:
        return None
    return s.zfill(2) if s.isdigit() else s


def postal_code(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = re.sub(r"\s", "", str(value))
    if s.endswith(".0"):
        s = s[:-2]
    return s.zfill(5) if s.isdigit() and len(s) <= 5 else None


#: Municipal arrondissements of Paris, Lyon and Marseille -> their commune.
_ARRONDISSEMENTS = ((75101, 75120, "75056"), (69381, 69389, "69123"), (13201, 13216, "13055"))


def fold_arrondissement(code: str | None) -> str | None:
    """``"75112" -> "75056"`` (Paris, Lyon, Marseille); other codes unchanged."""
    if code is None or not code.isdigit():
        return code
    n = int(code)
    for lo, hi, commune in _ARRONDISSEMENTS:
        if lo <= n <= hi:
            return commune
    return code


_SPREADSHEET_FORMULA = re.compile(r'^=?"(.*)"$')


def insee_codes_in_cell(value) -> list[str] | None:
    """INSEE codes of one cell, as published lists write them.

    Handles a spreadsheet-protected cell (``="03095;03310"``), several codes
    separated by ``;`` or ``,``, and folds arrondissements to their commune.
    Returns None when any part is not a code.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    m = _SPREADSHEET_FORMULA.match(text)
    if m:
        text = m.group(1)
    parts = [p for p in re.split(r"[;,]", text) if p.strip()]
    codes = [fold_arrondissement(insee_com(p)) for p in parts]
    if not codes or any(c is None for c in codes):
        return None
    return codes
