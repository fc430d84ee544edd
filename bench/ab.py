"""First idle map of two revisions of this repository, measured in one run, with an A/A control.

Usage::

    python bench/ab.py REV_A REV_B [--tours 15] [--adresse "/?region=24"] [--bundle DIR]
                                   [--source-dir ../shared/data] [--premiere-visite]

Each revision is checked out in a temporary git worktree and served by gunicorn with its own
``gunicorn.conf.py`` and the same data bundle; a second server of ``REV_A`` is the A/A control. In one
headless Chromium (``bench/serve.py``'s measurement), the three pages load in turn, page to page, each
loaded twice first (V8 keeps compiled code from the second load of a script on), 1.5 s of pause after
each measured load; medians of the time to the first idle map (MapLibre loaded, idle, features drawn).
``--premiere-visite``: each load in a newly started browser (nothing cached, nothing compiled).

On this 2-core machine, one page's time varies by ±10 % from run to run; a change worth less than the
control's distance from × 1 cannot be told from noise. The last line can be compared from run to run::

    A/B <adresse> : B / A × R (témoin A/A × r, N tours)

Only loopback addresses are contacted; the worktrees are removed at the end.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serve import fmt_ratio, paint_times  # noqa: E402
from tests.support.browser import serve_gunicorn  # noqa: E402

#: Warm-up loads per page before measuring (the second one makes V8 keep the compiled scripts).
WARM_UP = 2


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def commit_of(rev: str) -> str:
    """The commit ``rev`` names; a French error naming it otherwise."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"révision inconnue : « {rev} » (attendu : une branche, un commit, HEAD~1…)") from None


@contextmanager
def worktree(commit: str, path: Path):
    """``commit`` checked out (detached) in a new worktree at ``path``; removed afterwards."""
    git("worktree", "add", "--detach", str(path), commit)
    try:
        yield path
    finally:
        git("worktree", "remove", "--force", str(path))


def served(stack: ExitStack, tree: Path, bundle: Path, log: Path) -> str:
    """gunicorn of ``tree`` (its own configuration, one worker) on a free port; its base URL."""
    env = {"TI_BUNDLE_DIR": str(bundle), "TI_SOURCE_DIR": "", "WEB_CONCURRENCY": "1", "TI_LOG": str(log),
           "PYTHONPATH": str(tree)}
    return stack.enter_context(serve_gunicorn(env, root=tree))


def measure(urls: dict[str, str], rounds: int, first_visit: bool) -> dict[str, list[float]]:
    """Seconds to the first idle map of each page, ``rounds`` times, pages in turn (``bench/serve.py``'s
    measurement); for a first visit, only the medians come back (one value per page)."""
    if first_visit:
        _, cold, _ = paint_times(urls, rounds=0, cold_rounds=rounds)
        return {name: [cold[name][0]] for name in urls}
    warm, _, _ = paint_times(urls, rounds=rounds, cold_rounds=0, warm_up=WARM_UP)
    return {name: [idle for idle, _ in runs] for name, runs in warm.items()}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="1re carte au repos de deux révisions, mesurées ensemble, avec un témoin A/A.")
    p.add_argument("rev_a", help="révision de référence (ex. : main, HEAD~1, un commit)")
    p.add_argument("rev_b", help="révision comparée")
    p.add_argument("--tours", type=int, default=15, help="tours alternés (médianes ; défaut 15)")
    p.add_argument("--adresse", default="/", help="adresse de la page mesurée (défaut « / »)")
    p.add_argument("--bundle", default=None, help="lot de données (défaut : construit dans un dossier temporaire)")
    p.add_argument("--source-dir", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--premiere-visite", action="store_true", help="chaque chargement dans un navigateur neuf")
    args = p.parse_args(argv)
    if args.tours < 3:
        p.error("--tours : au moins 3 tours (une médiane de moins n'a pas de sens)")
    if not args.adresse.startswith("/"):
        p.error(f"--adresse : un chemin commençant par « / » attendu, reçu « {args.adresse} »")

    commit_a, commit_b = commit_of(args.rev_a), commit_of(args.rev_b)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        bundle = Path(args.bundle) if args.bundle else tmp / "lot"
        if not args.bundle:
            from geodata.build.pipeline import build
            build(args.source_dir, None, bundle, quiet=True)
        tree_a = stack.enter_context(worktree(commit_a, tmp / "a"))
        tree_b = stack.enter_context(worktree(commit_b, tmp / "b"))
        urls = {name: served(stack, tree, bundle, tmp / f"{name.replace('/', '')}.log") + args.adresse
                for name, tree in (("A", tree_a), ("A/A", tree_a), ("B", tree_b))}
        times = measure(urls, args.tours, args.premiere_visite)

    med = {name: statistics.median(v) for name, v in times.items()}
    kind = "1re visite" if args.premiere_visite else "cache chaud"
    print(f"A = {args.rev_a} ({commit_a[:10]}), B = {args.rev_b} ({commit_b[:10]}) ; {kind}, {args.tours} tours")
    for name, v in times.items():
        print(f"{name:4} médiane {med[name]:.3f} s   " + " ".join(f"{x:.2f}" for x in v))
    print(f"A/B {args.adresse} : B / A × {fmt_ratio(med['B'] / med['A'])} "
          f"(témoin A/A × {fmt_ratio(med['A/A'] / med['A'])}, {args.tours} tours)")


if __name__ == "__main__":
    main()
