"""French number formatting for everything a user reads."""
from __future__ import annotations

import math
import re
import unicodedata

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def _is_missing(x) -> bool:
    """None, NaN, NA, infinite, or not a number: shown as "n.d."."""
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def integer(n) -> str:
    """``1416 -> "1 416"``."""
    if _is_missing(n):
        return "n.d."
    return f"{int(round(n)):,}".replace(",", NBSP)


def decimal(x, digits: int = 1) -> str:
    """``1234.56 -> "1 234,6"``."""
    if _is_missing(x):
        return "n.d."
    s = f"{x:,.{digits}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)


def euros(x) -> str:
    """``5.4e9 -> "5,40 Md€"``, ``3.249e8 -> "324,9 M€"``, ``12345 -> "12 345 €"``."""
    if _is_missing(x):
        return "n.d."
    if abs(x) >= 1e9:
        return f"{decimal(x / 1e9, 2)} Md€"
    if abs(x) >= 1e6:
        return f"{decimal(x / 1e6, 1)} M€"
    return f"{integer(x)} €"


def tonnes(x) -> str:
    """``33646402 -> "33,6 Mt"``, ``45210 -> "45,2 kt"``, ``5902 -> "5 902 t"`` (readable units)."""
    if _is_missing(x):
        return "n.d."
    if abs(x) >= 1e6:
        return f"{decimal(x / 1e6, 1)}{NBSP}Mt"
    if abs(x) >= 1e5:
        return f"{decimal(x / 1e3, 1)}{NBSP}kt"
    return f"{integer(x)}{NBSP}t"


def percent(share) -> str:
    """``0.6912 -> "69,1 %"``."""
    if _is_missing(share):
        return "n.d."
    return f"{decimal(share * 100, 1)}{NBSP}%"


def sort_key(text) -> tuple:
    """Key sorting French text the way a reader expects: accents next to their
    letter, case ignored ("Énergie" between "Chimie" and "Textile", not after "Z").

    >>> sorted(["Textile", "Énergie", "chimie"], key=sort_key)
    ['chimie', 'Énergie', 'Textile']
    """
    s = str(text)
    base = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return (base.casefold().replace("œ", "oe").replace("æ", "ae"), s)


def hover_escape(text) -> str:
    """Escape text shown in Plotly hover labels and titles (which interpret a subset of HTML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def month(ym: str, short: bool = False) -> str:
    """``"2021-03" -> "mars 2021"`` (``short``: ``"2020-10" -> "oct. 2020"``)."""
    y, m = ym.split("-")[:2]
    return f"{(MONTHS_SHORT if short else MONTHS)[int(m) - 1]} {y}"


def date_fr(iso: str) -> str:
    """``"2021-09-24" -> "24 septembre 2021"``; the first of the month is written « 1er »
    (``"2022-04-01" -> "1er avril 2022"``), as French typography has it."""
    y, m, d = iso[:10].split("-")
    day = "1er" if int(d) == 1 else str(int(d))
    return f"{day} {month(f'{y}-{m}').split()[0]} {y}"


#: Plotly's French locale, given with each figure's config (no global registration, no CDN).
PLOTLY_LOCALE_FR = {
    "dictionary": {
        "Zoom in": "Zoom avant", "Zoom out": "Zoom arrière", "Reset view": "Réinitialiser la vue",
        "Reset axes": "Réinitialiser les axes", "Autoscale": "Échelle automatique", "Pan": "Déplacer",
        "Zoom": "Zoom", "Download plot as a png": "Télécharger en PNG",
        "Download plot as a PNG": "Télécharger en PNG", "Download plot": "Télécharger",
        "Box Select": "Sélection rectangulaire", "Lasso Select": "Sélection au lasso",
        "Show closest data on hover": "Valeur la plus proche au survol",
        "Compare data on hover": "Comparer au survol", "Toggle Spike Lines": "Lignes de repère",
        "Produced with Plotly.js": "Réalisé avec Plotly.js", "Click to enter Colorscale title":
            "Titre de l'échelle", "Taking snapshot - this may take a few seconds": "Capture en cours…",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTHS),
        "shortMonths": list(MONTHS_SHORT),
        "date": "%d/%m/%Y", "decimal": ",", "thousands": "\u202f",
    },
}


def graph_config(**extra) -> dict:
    """A dcc.Graph config in French (locale given inline), without the Plotly logo."""
    remove = ["sendChartToCloud", "sendDataToCloud", *extra.pop("modeBarButtonsToRemove", [])]
    # No "share to the cloud" button: nothing of the view leaves for a third-party service.
    return {"displaylogo": False, "locale": "fr", "locales": {"fr": PLOTLY_LOCALE_FR},
            "modeBarButtonsToRemove": remove, **extra}

#: Plotly ``separators``: decimal comma, thousands space.
PLOTLY_SEPARATORS = ", "

_DIRECTORIES = re.compile(r"(?:/[^/\s()«»,;:]+)+/(?=[^/\s])")
MAX_PUBLIC_MESSAGE = 500


def public_message(text: str | None) -> str | None:
    """A server message fit for a public page: folder paths dropped (file names kept), at most
    :data:`MAX_PUBLIC_MESSAGE` characters (« … » when cut)."""
    if text is None:
        return None
    text = _DIRECTORIES.sub("", " ".join(str(text).split()))
    return text if len(text) <= MAX_PUBLIC_MESSAGE else text[:MAX_PUBLIC_MESSAGE - 1] + "…"
