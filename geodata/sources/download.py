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
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from geodata.errors import GeodataError
from geodata.hashing import sha256_file
from geodata.sources.locate import find_source_file
from geodata.sources.registry import BAROMETRE_DEPARTEMENTS, FETCHABLE, Location, Source

DEFAULT_RAW = Path("data/raw")
USER_AGENT = "carte-territoires-industrie/1 (+python urllib)"


class FetchError(GeodataError):
    pass


class ChecksumError(FetchError):
    """The file does not have the checksum its publisher announced: never retried."""


def offline_message(failed: list[str]) -> str:
    return (
        "Impossible de télécharger : " + ", ".join(failed) + ".\n"
        "Deux façons d'obtenir les sources :\n"
        "  1. avec un accès à internet : python -m geodata fetch\n"
        "  2. hors ligne : copier les fichiers dans un dossier (même arborescence que ../shared/data) puis\n"
        "     python -m geodata fetch --from DOSSIER   (ou TI_SOURCE_DIR=DOSSIER python app.py)"
    )


def download(url: str, dest: Path, expected_sha256: str | None = None, retries: int = 3,
             timeout: float = 30.0, backoff: float = 0.5, progress: bool = True,
             checksum: tuple[str, str] | None = None) -> str:
    """Download ``url`` to ``dest`` atomically; return the file's SHA-256.

    Parameters
    ----------
    expected_sha256 : str, optional
        SHA-256 the file must have.
    checksum : (algorithm, hex digest), optional
        A checksum announced by the publisher (the data.gouv.fr API gives
        ``sha1``, ``sha256``, ``md5``…); checked as well.

    Raises
    ------
    FetchError
        After ``retries`` failed attempts, or at once on a checksum mismatch.
    """
    if retries < 1:
        raise ValueError(f"retries doit être >= 1, reçu {retries}")
    if checksum is not None and checksum[0].lower() not in hashlib.algorithms_available:
        raise ValueError(f"algorithme de somme de contrôle inconnu {checksum[0]!r}")
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    last = None
    for attempt in range(1, retries + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp, _opened(part) as fh:
                total = int(resp.headers.get("Content-Length") or 0) or None
                announced = resp.headers.get("X-Checksum-Sha256")
                h = hashlib.sha256()
                other = hashlib.new(checksum[0].lower()) if checksum else None
                with tqdm(total=total, unit="o", unit_scale=True, desc=dest.name, disable=not progress,
                          file=sys.stderr, leave=False) as bar:
                    for chunk in iter(lambda: resp.read(1 << 16), b""):
                        fh.write(chunk)
                        h.update(chunk)
                        if other is not None:
                            other.update(chunk)
                        bar.update(len(chunk))
            digest = h.hexdigest()
            want = expected_sha256 or announced
            if want and want.lower() != digest:
                raise ChecksumError(f"{url} : somme de contrôle inattendue ({digest} au lieu de {want})")
            if other is not None and other.hexdigest() != checksum[1].lower():
                raise ChecksumError(f"{url} : somme de contrôle {checksum[0]} inattendue ({other.hexdigest()} au "
                                    f"lieu de {checksum[1]}, annoncée par l'éditeur)")
            if total is not None and part.stat().st_size != total:
                raise FetchError(f"{url} : téléchargement tronqué ({part.stat().st_size} octets sur {total})")
            os.replace(part, dest)
            return digest
        except ChecksumError:
            part.unlink(missing_ok=True)
            raise
        except (urllib.error.URLError, OSError, FetchError, TimeoutError) as exc:
            last = exc
            part.unlink(missing_ok=True)
            if attempt < retries:
                time.sleep(backoff * 2 ** (attempt - 1))
    raise FetchError(f"{url} : échec après {retries} tentative(s) ({last})")


def _opened(part: Path):
    """``part`` opened for writing, its folder made first: only once a response has come, so that a
    failed download leaves no empty folder (an empty ``data/raw/…`` looked like a source folder)."""
    part.parent.mkdir(parents=True, exist_ok=True)
    return open(part, "wb")


def via_rewriter(via: str | None):
    """URL rewriter: ``https://host/path?q`` -> ``{via}/host/path?q`` (an HTTP
    mirror of the official hosts, e.g. a cache or the tests' local server);
    identity when ``via`` is None."""
    if not via:
        return lambda url: url
    base = via.rstrip("/")

    def rewrite(url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{base}/{parts.netloc}{parts.path}{query}"
    return rewrite


def resolve_datagouv(loc: Location, rewrite, timeout: float) -> tuple[str, tuple[str, str] | None, str]:
    """Pick a dataset's resource by title through the data.gouv.fr API.

    Returns ``(url, checksum or None, title)``; the most recently modified
    resource among those whose title matches ``loc.title`` and not ``loc.exclude``.
    """
    api = rewrite(loc.url)
    try:
        req = urllib.request.Request(api, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, TimeoutError, ValueError) as exc:
        raise FetchError(f"{loc.url} : API data.gouv.fr injoignable ou réponse illisible ({exc})") from exc
    resources = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(resources, list):
        raise FetchError(f"{loc.url} : réponse de l'API sans liste « resources »")
    want = re.compile(loc.title, re.I)
    avoid = re.compile(loc.exclude, re.I) if loc.exclude else None
    found = [r for r in resources if isinstance(r, dict) and want.search(str(r.get("title", "")))
             and not (avoid and avoid.search(str(r.get("title", "")))) and r.get("url")]
    if not found:
        titles = "; ".join(str(r.get("title")) for r in resources if isinstance(r, dict))[:300]
        raise FetchError(f"{loc.url} : aucune ressource dont le titre correspond à /{loc.title}/ (vu : {titles})")
    best = max(found, key=lambda r: str(r.get("last_modified") or ""))
    cs = best.get("checksum") or None
    checksum = (cs["type"], cs["value"]) if isinstance(cs, dict) and cs.get("type") and cs.get("value") else None
    return str(best["url"]), checksum, str(best.get("title"))


def fetch_location(loc: Location, dest: Path, rewrite, retries: int, timeout: float, progress: bool) -> dict:
    """Download one location into ``dest``; return {relative path: record}."""
    if loc.kind == "per_departement":
        folder = dest / loc.path
        out = {}
        for dep in BAROMETRE_DEPARTEMENTS:
            url = loc.url.format(dep=dep)
            name = url.rsplit("/", 1)[-1]
            digest = download(rewrite(url), folder / name, retries=retries, timeout=timeout, progress=progress)
            out[f"{loc.path}/{name}"] = {"sha256": digest, "url": url}
        return out
    checksum, title, url = None, None, loc.url
    if loc.kind == "datagouv":
        url, checksum, title = resolve_datagouv(loc, rewrite, timeout)
    digest = download(rewrite(url), dest / loc.path, retries=retries, timeout=timeout, progress=progress,
                      checksum=checksum)
    record = {"sha256": digest, "url": url}
    if title:
        record["ressource"] = title
    if checksum:
        record["verifie"] = f"{checksum[0]} annoncé par data.gouv.fr"
    return {loc.path: record}




def location_groups(src: Source) -> list[list[Location]]:
    """A source's locations as alternatives: files read together from one folder
    (``in_folder``, e.g. a decree's four annexes) form one alternative."""
    groups, by_folder = [], {}
    for loc in src.locations:
        if loc.in_folder:
            folder = loc.path.rsplit("/", 1)[0]
            if folder not in by_folder:
                by_folder[folder] = []
                groups.append(by_folder[folder])
            by_folder[folder].append(loc)
        else:
            groups.append([loc])
    return groups


def fetch(dest: Path = DEFAULT_RAW, from_dir: Path | None = None, sources: list[Source] | None = None,
          base_url: str | None = None, retries: int = 3, timeout: float = 30.0,
          progress: bool = True, via: str | None = None) -> dict:
    """Fill ``dest`` with the source files.

    Each source's declared locations are tried in order until one succeeds.

    Parameters
    ----------
    from_dir : path, optional
        Copy from this local folder (same layout as ``../shared/data``).
    base_url : str, optional
        Download every file from ``base_url + "/" + source.path`` (a copy of
        the mirror served over HTTP) instead of the official locations.
    via : str, optional
        Fetch the official locations through ``{via}/{host}/{path}`` (see
        :func:`via_rewriter`).

    Returns
    -------
    dict : file path -> record (``sha256``, ``url``…), also merged into ``dest/checksums.json``.

    Raises
    ------
    FetchError
        Naming every source that could not be had (the others are kept).
    """
    dest = Path(dest)
    sources = FETCHABLE if sources is None else sources
    rewrite = via_rewriter(via)
    sums, failed = {}, []
    for src in sources:
        if from_dir is not None:
            origin = find_source_file(Path(from_dir), src)
            if origin is None:
                if src.key != "laureats":
                    failed.append(f"{src.path} (absent de {from_dir})")
                continue
            rel = origin.relative_to(from_dir)
            for f in ([origin] if origin.is_file() else sorted(p for p in origin.rglob("*") if p.is_file())):
                target = dest / f.relative_to(from_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                shutil.copyfile(f, tmp)
                os.replace(tmp, target)
                sums[str(f.relative_to(from_dir))] = {"sha256": sha256_file(target), "copie_de": str(rel)}
            continue
        if base_url:
            url = f"{base_url.rstrip('/')}/{src.path}"
            try:
                sums[src.path] = {"sha256": download(url, dest / src.path, retries=retries, timeout=timeout,
                                                     progress=progress), "url": url}
            except FetchError as exc:
                failed.append(f"{src.path} ({exc})")
            continue
        errors = []
        for group in location_groups(src):
            try:
                got = {}
                for loc in group:
                    got.update(fetch_location(loc, dest, rewrite, retries, timeout, progress))
                sums.update(got)
                break
            except ChecksumError as exc:  # a file that is not what its publisher announced: no fallback
                errors.append(str(exc))
                failed.append(f"{src.key} ({' ; '.join(errors)})")
                break
            except FetchError as exc:
                errors.append(str(exc))
        else:
            failed.append(f"{src.key} ({' ; '.join(errors) or 'aucune adresse'})")
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
