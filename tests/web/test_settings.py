"""One settings table (settings.py): every environment variable the code reads is declared
there and shown in the README, whose table is generated from it."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parents[2]
#: Where the code reads a variable: os.environ.get("X"), os.environ["X"], os.getenv("X"),
#: env.get("X") on an environment mapping, settings.get("X"), gunicorn's _int("X", …).
READ = re.compile(r"""(?:environ\.get|environ\[|getenv|env\.get|env\[|settings\.get|(?<![\w.])get|_int|_positive_int\(env,)"""
                  r"""\s*\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
#: Any TI_* name written in the code (e.g. the environment given to a served app).
TI_NAME = re.compile(r"""["'](TI_[A-Z0-9_]+)["']""")


def code_files() -> list[Path]:
    files = sorted(ROOT.glob("*.py"))
    for folder in ("dashboard", "geodata", "tests", "bench"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.name not in ("test_settings.py", "settings.py")]


def names_read(text: str) -> set[str]:
    return set(READ.findall(text)) | set(TI_NAME.findall(text))


def test_scanner_finds_reads():
    text = 'a = os.environ.get("FOO_BAR", "1"); b = os.environ["BAZ"]; c = env.get("QUX"); ' \
           'd = settings.get("TI_X"); e = {"TI_Y": "1"}; f = _int("WORKERS", 2); g = get("ALIAS", env); ' \
           'h = current_app.config.get("NOT_AN_ENV")'
    assert names_read(text) == {"FOO_BAR", "BAZ", "QUX", "TI_X", "TI_Y", "WORKERS", "ALIAS"}


def test_every_variable_read_is_declared():
    undeclared = {}
    for f in code_files():
        for name in names_read(f.read_text(encoding="utf-8")) - set(settings.BY_NAME):
            undeclared.setdefault(name, []).append(str(f.relative_to(ROOT)))
    assert undeclared == {}, "déclarez ces variables dans settings.SETTINGS"


def test_every_declared_variable_is_read_somewhere():
    read = set().union(*(names_read(f.read_text(encoding="utf-8")) for f in code_files()))
    assert set(settings.BY_NAME) - read == set()


def test_readme_shows_the_generated_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", readme, re.S)
    assert m, "README : section <!-- settings:start --> … <!-- settings:end --> absente"
    assert m.group(1) == settings.readme_table(), "README à régénérer : python settings.py"
    for s in settings.SETTINGS:
        assert f"`{s.name}`" in m.group(1)


@pytest.mark.parametrize("name,raw,expected", [
    ("PORT", None, 8050), ("PORT", "9000", 9000), ("PORT", " 9000 ", 9000), ("PORT", "abc", 8050),
    ("PORT", "-1", 8050), ("TI_OFFLINE", "1", True), ("TI_OFFLINE", "oui", True), ("TI_OFFLINE", "0", False),
    ("TI_OFFLINE", "", False), ("TI_BUNDLE_DIR", None, "data/processed"), ("REDIS_URL", "", None),
])
def test_typed_values(name, raw, expected):
    env = {} if raw is None else {name: raw}
    assert settings.get(name, env) == expected


def test_invalid_integer_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="settings"):
        assert settings.get("TI_CACHE_TIMEOUT", {"TI_CACHE_TIMEOUT": "dix"}) == 600
    assert "TI_CACHE_TIMEOUT" in caplog.text


def test_undeclared_name_is_an_error():
    with pytest.raises(KeyError):
        settings.get("TI_INCONNUE", {})
