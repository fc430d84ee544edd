"""A production install carries no test tool; the test command installs them (issue 20)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"pytest", "hypothesis", "selenium", "xlwt"}


def _names(path: Path) -> set[str]:
    return {re.split(r"[=<>\[ ]", line.strip(), maxsplit=1)[0].lower()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-r"))}


def test_runtime_requirements_have_no_test_tool_and_the_test_ones_include_them():
    runtime, test = _names(ROOT / "requirements.txt"), _names(ROOT / "requirements-test.txt")
    assert "dash" in runtime and not runtime & TEST_ONLY
    assert TEST_ONLY <= test and not runtime & test  # each pin declared once
    assert "-r requirements.txt" in (ROOT / "requirements-test.txt").read_text(encoding="utf-8").splitlines()


def test_ci_and_readme_install_the_test_requirements():
    assert "-r requirements-test.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tests_section = readme.split("## Tests", 1)[1].split("\n## ", 1)[0]
    assert "pip install -r requirements-test.txt" in tests_section
    assert "Dockerfile" not in tests_section and "requirements-test" not in (
        ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
