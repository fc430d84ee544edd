"""``fetch``: fill ``data/raw/`` from the official locations, or from a local folder.

Downloads are atomic (written to ``*.part`` then renamed), checked against
the checksum the server announces when it does (``X-Checksum-Sha256`` header
or a data.gouv.fr resource's ``checksum``), retried with back-off, and shown
with a progress bar. Each file's SHA-256 is recorded in ``checksums.json``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from .errors import GeodataError
from .sources import FILE_SOURCES, Source

DEFAULT_RAW = Path("data/raw")
USER_AGENT = "carte-territoires-industrie/1 (+python urllib)"


class FetchError(GeodataError):
    pass


def offline_message(failed: list[str]) -> str:
    return (
        "Impossible de télécharger : " + ", ".join(failed) + ".\n"
        "Deux façons d'obtenir les sources :\n"
        "  1. avec un accès à internet : python -m geodata fetch\n"
        "  2. hors ligne : copier les fichiers dans un dossier (même arborescence que ../shared/data) puis\n"
        "     python -m geodata fetch --from DOSSIER   (ou TI_SOURCE_DIR=DOSSIER python app.py)"
    )


def download(url: str, dest: Path, expected_sha256: str | None = None, retries: int = 3,
             timeout: float = 30.0, backoff: float = 0.5, progress: bool = True) -> str:
    """Download ``url`` to ``dest`` atomically; return the file's SHA-256.

    Raises
    ------
    FetchError
        After ``retries`` failed attempts, or on a checksum mismatch.
    """
    if retries < 1:
        raise ValueError(f"retries doit être >= 1, reçu {retries}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last = None
    for attempt in range(1, retries + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp, open(part, "wb") as fh:
                total = int(resp.headers.get("Content-Length") or 0) or None
                announced = resp.headers.get("X-Checksum-Sha256")
                h = hashlib.sha256()
                with tqdm(total=total, unit="o", unit_scale=True, desc=dest.name, disable=not progress,
                          file=sys.stderr, leave=False) as bar:
                    for chunk in iter(lambda: resp.read(1 << 16), b""):
                        fh.write(chunk)
                        h.update(chunk)
                        bar.update(len(chunk))
            digest = h.hexdigest()
            want = expected_sha256 or announced
            if want and want.lower() != digest:
                raise FetchError(f"{url} : somme de contrôle inattendue ({digest} au lieu de {want})")
            if total is not None and part.stat().st_size != total:
                raise FetchError(f"{url} : téléchargement tronqué ({part.stat().st_size} octets sur {total})")
            os.replace(part, dest)
            return digest
        except (urllib.error.URLError, OSError, FetchError, TimeoutError) as exc:
            last = exc
            part.unlink(missing_ok=True)
            if isinstance(exc, FetchError) and "somme de contrôle" in str(exc):
                raise
            if attempt < retries:
                time.sleep(backoff * 2 ** (attempt - 1))
    raise FetchError(f"{url} : échec après {retries} tentative(s) ({last})")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(dest: Path = DEFAULT_RAW, from_dir: Path | None = None, sources: list[Source] | None = None,
          base_url: str | None = None, retries: int = 3, timeout: float = 30.0,
          progress: bool = True) -> dict:
    """Fill ``dest`` with the source files.

    Parameters
    ----------
    from_dir : path, optional
        Copy from this local folder (same layout as ``../shared/data``).
    base_url : str, optional
        Download every file from ``base_url + "/" + source.path`` (a mirror)
        instead of the official URLs.

    Returns
    -------
    dict : file path -> SHA-256 (also written to ``dest/checksums.json``).
    """
    dest = Path(dest)
    sources = FILE_SOURCES if sources is None else sources
    sums, failed = {}, []
    for src in sources:
        target = dest / src.path
        if from_dir is not None:
            origin = Path(from_dir) / src.path
            if not origin.is_file():
                if not src.optional or src.key != "laureats":
                    failed.append(f"{src.path} (absent de {from_dir})")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(origin, tmp)
            os.replace(tmp, target)
            sums[src.path] = sha256_file(target)
            continue
        url = f"{base_url.rstrip('/')}/{src.path}" if base_url else src.url
        if not url:
            failed.append(f"{src.path} (pas d'adresse de téléchargement directe : {src.page})")
            continue
        try:
            sums[src.path] = download(url, target, retries=retries, timeout=timeout, progress=progress)
        except FetchError as exc:
            failed.append(f"{src.path} ({exc})")
    if sums:
        dest.mkdir(parents=True, exist_ok=True)
        old = {}
        if (dest / "checksums.json").is_file():
            old = json.loads((dest / "checksums.json").read_text(encoding="utf-8"))
        old.update(sums)
        (dest / "checksums.json").write_text(json.dumps(old, indent=2, ensure_ascii=False), encoding="utf-8")
    if failed:
        raise FetchError(offline_message(failed))
    return sums
