"""The README's tables of URL parameters and indicators, written from the catalog.

``python -m dashboard.model.docs`` prints both tables; ``python -m dashboard.model.docs --write``
rewrites them in ``README.md`` between their markers (``<!-- parametres:start -->`` …
``<!-- parametres:end -->``, ``<!-- indicateurs:start -->`` … ``<!-- indicateurs:end -->``).
``tests/model/test_docs.py`` fails when the README differs from what this module writes.

Reads :data:`dashboard.model.catalog.PARAMETERS` and :data:`~dashboard.model.catalog.METRICS`
only (no Dash).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from dashboard.model import catalog

README = Path(__file__).resolve().parents[2] / "README.md"

#: French word of each unit of :data:`dashboard.model.catalog.UNITS`.
UNIT_WORDS = {"integer": "nombre entier", "euros": "euros", "percent": "pourcentage", "tonnes": "tonnes"}


def _code(value) -> str:
    return f"`{value}`"


def parameter_values(spec) -> str:
    """French description of the values a URL parameter takes (README's « valeurs » column).

    Parameters
    ----------
    spec : FilterSpec or ParamSpec
        ``spec.doc`` when given; otherwise written from its kind, fixed values, default,
        column, the other fields it reads and the feature it requires.
    """
    if spec.doc:
        text = spec.doc
    elif spec.kind == "flag":
        text = "`1` (ou `true`)"
    elif spec.kind == "date":
        text = "date `AAAA-MM-JJ`"
    elif spec.values is not None:
        text = ", ".join(_code(v) + (" (défaut)" if v == spec.default else "") for v in spec.values)
    elif spec.kind == "multi":
        text = f"valeurs de la colonne `{spec.column}` des données, répétables (`{spec.name}=A&{spec.name}=B`)"
    else:
        raise ValueError(f"catalogue : décrivez les valeurs du paramètre « {spec.name} » (champ doc)")
    reads = getattr(spec, "reads", ())
    if reads:
        text += " ; lu avec " + ", ".join(_code(r) for r in reads)
    requires = getattr(spec, "requires", None)
    if requires:
        text += f" ; refusé si {catalog.FEATURES[requires]}"
    return text


def parameter_table() -> str:
    """The README's table of URL parameters (Markdown), in the order of the canonical query string."""
    lines = ["| paramètre | contrôle des filtres | valeurs |", "|---|---|---|"]
    for spec in catalog.PARAMETERS:
        control = spec.label or "— (adresse seulement)"
        if spec.help_text:
            control += f" : {spec.help_text[0].lower()}{spec.help_text[1:]}"
        names = ", ".join(_code(p) for p in spec.params)
        lines.append(f"| {names} | {control} | {parameter_values(spec)} |")
    return "\n".join(lines)


def _computation(metric) -> str:
    if metric.aggregation == "count":
        return "nombre de lauréats"
    if metric.aggregation == "sum":
        return f"somme de `{metric.column}`"
    if metric.aggregation == "share":
        return f"part des lauréats où `{metric.column}` est vrai"
    raise ValueError(f"catalogue : agrégation « {metric.aggregation} » inconnue (indicateur « {metric.key} »)")


def indicator_table() -> str:
    """The README's table of indicators (Markdown): every metric of the catalog, in catalog order."""
    default = catalog.INDICATEUR.default
    lines = ["| indicateur | libellé | calcul | format | chiffre clé | carte | indisponible si |",
             "|---|---|---|---|---|---|---|"]
    for m in catalog.METRICS:
        on_map = f"`indicateur={m.key}`" + (" (défaut)" if m.key == default else "") if m.indicator else "—"
        lines.append(f"| `{m.key}` | {m.label} | {_computation(m)} | {UNIT_WORDS[m.unit]} | "
                     f"{_code(m.kpi_id) if m.kpi else '—'} | {on_map} | "
                     f"{catalog.FEATURES[m.requires] if m.requires else '—'} |")
    return "\n".join(lines)


#: README sections written here: marker name → generator.
SECTIONS = {"parametres": parameter_table, "indicateurs": indicator_table}


def section_pattern(name: str) -> re.Pattern:
    """The README text between the markers of section ``name`` (group 1, ending with a newline)."""
    return re.compile(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", re.S)


def render(readme: str) -> str:
    """``readme`` with every generated section rewritten.

    Raises
    ------
    ValueError
        When a section's markers are missing (French message naming them).
    """
    for name, generate in SECTIONS.items():
        pattern = section_pattern(name)
        if not pattern.search(readme):
            raise ValueError(f"README : section <!-- {name}:start --> … <!-- {name}:end --> absente")
        body = generate()
        readme = pattern.sub(lambda m: f"<!-- {name}:start -->\n{body}\n<!-- {name}:end -->", readme, count=1)
    return readme


def main(argv: list[str]) -> int:
    """Print the tables, or with ``--write`` rewrite them in the README."""
    if argv == ["--write"]:
        text = README.read_text(encoding="utf-8")
        try:
            new = render(text)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        if new != text:
            README.write_text(new, encoding="utf-8")
        print(f"{README.name} : {'tableaux régénérés' if new != text else 'déjà à jour'}")
        return 0
    if argv:
        print("usage : python -m dashboard.model.docs [--write]", file=sys.stderr)
        return 2
    for name, generate in SECTIONS.items():
        print(f"<!-- {name}:start -->\n{generate()}\n<!-- {name}:end -->\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
