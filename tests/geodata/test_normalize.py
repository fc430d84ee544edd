import pytest

from geodata.read import normalize as nz


@pytest.mark.parametrize("a,b", [
    ("Le Malesherbois", "malesherbois"),
    ("le malesherbois", "Malesherbois"),
    ("La Ferté-Macé", "ferte mace"),
    ("La Ferté Macé", "LA FERTE-MACE"),
    ("Mureaux (Les)", "Les Mureaux"),
    ("St-Étienne", "Saint Etienne"),
    ("L'Haÿ-les-Roses", "Haÿ les Roses"),
])
def test_name_key_equal(a, b):
    assert nz.name_key(a) == nz.name_key(b)


@pytest.mark.parametrize("a,b", [
    ("Pithiviers", "Pithiviers-le-Vieil"),
    ("Saint-Denis", "Sainte-Denise"),
    ("Le Mans", "Mans-la-Ville"),
])
def test_name_key_different(a, b):
    assert nz.name_key(a) != nz.name_key(b)


def test_name_key_keeps_single_word_article_names():
    # "Les" alone is not stripped to an empty key
    assert nz.name_key("Les") == "les"


@pytest.mark.parametrize("raw,expected", [
    ("1001", "01001"), ("01001", "01001"), ("2a004", "2A004"), ("97120", "97120"),
    ("", None), ("ABCDE", None), (1001.0, "01001"), (None, None),
])
def test_insee_com(raw, expected):
    assert nz.insee_com(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("200071850", "200071850"), ("20007185", "020007185"), ("200 071 850", "200071850"),
    ("12345678901", None), ("abc", None), ("", None),
])
def test_siren(raw, expected):
    assert nz.siren(raw) == expected


@pytest.mark.parametrize("raw,expected", [("1", "01"), ("2a", "2A"), ("971", "971"), ("45.0", "45"), ("", None)])
def test_departement(raw, expected):
    assert nz.departement(raw) == expected


@pytest.mark.parametrize("nom,tncc,expected", [
    ("Malesherbois", "2", "Le Malesherbois"), ("Ferté-Macé", "3", "La Ferté-Macé"),
    ("Haÿ-les-Roses", "5", "L'Haÿ-les-Roses"), ("Paris", "0", "Paris"),
])
def test_with_article(nom, tncc, expected):
    assert nz.with_article(nom, tncc) == expected
