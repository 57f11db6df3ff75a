from __future__ import annotations

import pytest
from conftest import write_csv

from impact_kit.data.redactions import Name, load_redactions
from impact_kit.exceptions import InvalidData
from impact_kit.text.masking import Redacted, redact
from impact_kit.text.testimonies import pseudonymise

NAMES = [
    Name("Marie Dupont", None, 1),
    Name("Marie", None, 1),
    Name("Zoé", "[la directrice]"),
    Name("Jean-Luc", None, 2),
]

# (text, masked text, counts by kind): every e-mail, phone and listed name is replaced.
MASKED = [
    ("Écrivez à marie.dupont@example.org ou au 06 12 34 56 78.", "Écrivez à [courriel] ou au [téléphone].", (1, 1, 0)),
    ("Mon numéro : +33 (0)6 12 34 56 78.", "Mon numéro : [téléphone].", (0, 1, 0)),
    ("Appelez le +33 0 6 12 34 56 78 après 18h.", "Appelez le [téléphone] après 18h.", (0, 1, 0)),
    ("tel0612345678", "tel[téléphone]", (0, 1, 0)),
    ("Tél. 06.12.34.56.78", "Tél. [téléphone]", (0, 1, 0)),
    ("06-12-34-56-78 (portable)", "[téléphone] (portable)", (0, 1, 0)),
    ("0612345678", "[téléphone]", (0, 1, 0)),
    ("+33612345678", "[téléphone]", (0, 1, 0)),
    ("Tel +33 6 12 34 56 78, 01.23.45.67.89", "Tel [téléphone], [téléphone]", (0, 2, 0)),
    ("0033 6 12 34 56 78 depuis l'étranger", "[téléphone] depuis l'étranger", (0, 1, 0)),
    ("(+33) 1 42 68 53 00 au standard", "[téléphone] au standard", (0, 1, 0)),
    ("fixe\u00a0: 01\u00a042\u00a068\u00a053\u00a000", "fixe\u00a0: [téléphone]", (0, 1, 0)),
    ("numéro vert 0 800 123 456", "numéro vert [téléphone]", (0, 1, 0)),
    ("écrire à Contact@Le-Lieu.fr.", "écrire à [courriel].", (1, 0, 0)),
    ("j.martin+lieu@mail.example.co.uk a répondu", "[courriel] a répondu", (1, 0, 0)),
    ("+33(0)612345678", "[téléphone]", (0, 1, 0)),
    ("06 12 34 56 78 / 07 98 76 54 32", "[téléphone] / [téléphone]", (0, 2, 0)),
    ("Marie Dupont est venue.", "[personne 1] est venue.", (0, 0, 1)),
    ("MARIE DUPONT et marie, puis Zoé.", "[personne 1] et [personne 1], puis [la directrice].", (0, 0, 3)),
    ("zoe est arrivée, ZOÉ aussi", "[la directrice] est arrivée, [la directrice] aussi", (0, 0, 2)),
    ("Jean-Luc (jean luc, Jean\u2011Luc) a dit", "[personne 2] ([personne 2], [personne 2]) a dit", (0, 0, 3)),
    ("Marie\u0301 (accent combiné)", "[personne 1] (accent combiné)", (0, 0, 1)),
]

# Near misses: nothing here is an e-mail, a phone or a listed name, so nothing changes.
KEPT = [
    "Le 12.03.2021 nous étions 300.",
    "Le 01/02/2023 à 14h30.",
    "Code postal 75011 Paris, ou 13003 Marseille.",
    "Budget : 1 200 000 € en 2022, puis 12 345,67 €.",
    "SIRET 732 829 320 00074",
    "SIREN 732829320",
    "SIRET 73282932000074",
    "IBAN FR76 3000 6000 0112 3456 7890 189",
    "Salles 01 02 03 04 05 ouvertes.",
    "Lots 01.02.03.04.05",
    "Tables 01-02-03-04-05-06",
    "Réf. 1234567890123",
    "Un @lieu_officiel sur les réseaux",
    "Ouvert de 9h à 18h, 7j/7, 365 jours par an.",
    "2021-2022 : 45 % de femmes",
    "Mariette et Marielle sont venues.",
    "Dupontel a joué ; les Dupont aussi.",
    "le numéro 0612 34",
    "Tél. 06 12 34 56",
    "n° 12 34 56 78 90",
    "ISBN 978-2-07-036024-5",
    "l'email de l'association",
    "coordonnées GPS 48.8566, 2.3522",
    "Jean et Luc sont venus.",
]


@pytest.mark.parametrize(("text", "expected", "counts"), MASKED)
def test_every_contact_and_listed_name_is_masked(text, expected, counts):
    done = redact(text, lang="fr", names=NAMES)
    assert done.text == expected
    assert (done.counts["email"], done.counts["phone"], done.counts["name"]) == counts


@pytest.mark.parametrize("text", KEPT)
def test_every_near_miss_is_kept(text):
    assert redact(text, lang="fr", names=NAMES) == Redacted(text, {"email": 0, "phone": 0, "name": 0})


def test_the_corpus_is_big_enough():
    assert len(MASKED) + len(KEPT) >= 40 and len(KEPT) >= (len(MASKED) + len(KEPT)) / 2


def test_english_masks_and_plain_string_names():
    done = redact("a@b.fr 0612345678 Léa et lea", lang="en", names=["Lea"])
    assert done.text == "[e-mail] [phone] [person 1] et [person 1]" and done.total == 4


def test_pseudonymise_keeps_its_signature():
    assert pseudonymise("a@b.fr") == "[courriel]"
    assert pseudonymise("Léa, 06 12 34 56 78", "en", names=["Léa"]) == "[person 1], [phone]"


def test_load_redactions_every_site_and_one_site(tmp_path):
    write_csv(
        tmp_path / "redact.csv",
        "site,text,replacement",
        ",Marie Dupont,",
        "le-lieu,Zoé,[la directrice]",
        "ailleurs,Paul,",
        "le-lieu,Jojo,",
    )
    assert load_redactions(tmp_path, "le-lieu") == [
        Name("Marie Dupont", None, 1),
        Name("Zoé", "[la directrice]"),
        Name("Jojo", None, 2),
    ]
    assert load_redactions(tmp_path, "ailleurs") == [Name("Marie Dupont", None, 1), Name("Paul", None, 2)]


def test_load_redactions_without_file_or_replacement_column(tmp_path):
    assert load_redactions(tmp_path, "le-lieu") == []
    write_csv(tmp_path / "redact.csv", "site;text", ";Marie")
    assert load_redactions(tmp_path, "le-lieu") == [Name("Marie", None, 1)]


def test_load_redactions_refuses_an_empty_name(tmp_path):
    write_csv(tmp_path / "redact.csv", "site,text,replacement", "le-lieu,,[x]")
    with pytest.raises(InvalidData) as info:
        load_redactions(tmp_path, "le-lieu")
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (2, "text") and "the name to mask is empty" in problem.message


def test_load_redactions_refuses_an_unknown_site_when_sites_are_given(tmp_path):
    write_csv(tmp_path / "redact.csv", "site,text", "le-lieu,Marie", "le-leiu,Paul")
    assert load_redactions(tmp_path, "le-lieu") == [Name("Marie", None, 1)]
    with pytest.raises(InvalidData) as info:
        load_redactions(tmp_path, "le-lieu", sites={"le-lieu"})
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (3, "site") and "unknown site 'le-leiu'" in problem.message
