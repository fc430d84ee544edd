"""``bench/ab.py`` checks its options before it builds, checks out or starts anything."""
from __future__ import annotations

import subprocess

import pytest

from bench import ab


@pytest.mark.parametrize("argv, expected", [
    (["HEAD", "HEAD", "--tours", "2"], "--tours : au moins 3 tours"),
    (["HEAD", "HEAD", "--adresse", "?region=24"], "--adresse : un chemin commençant par « / » attendu, reçu « ?region=24 »"),
])
def test_options_are_checked_first(argv, expected, capsys):
    with pytest.raises(SystemExit):
        ab.main(argv)
    assert expected in capsys.readouterr().err


def test_unknown_revision_is_named_before_anything_starts(monkeypatch):
    started = []
    monkeypatch.setattr(ab, "worktree", lambda *a: started.append(a))
    with pytest.raises(SystemExit, match="révision inconnue : « pas-une-revision »"):
        ab.main(["HEAD", "pas-une-revision", "--bundle", "/nulle-part"])
    assert started == []


def test_a_revision_names_its_commit():
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ab.ROOT, capture_output=True, text=True, check=True).stdout
    assert ab.commit_of("HEAD") == head.strip()
