"""Words and languages: one template dialect, numbers, dates, languages."""

from __future__ import annotations

import datetime as dt

import pytest

from impact_kit.exceptions import InvalidArgument
from impact_kit.words import LANGUAGES, fill, fill_text, format_date, format_number, join, pick_form, texts


def test_fill_escapes_values_and_template_and_bolds():
    html = fill("A <b> & **{x}** or {y:or}", {"x": ["<script>", "&"], "y": ["a", "b", "c"]}, "fr")
    assert html == "A &lt;b&gt; &amp; <strong>&lt;script&gt; et &amp;</strong> or a, b ou c"


def test_fill_never_turns_data_into_markup():
    assert fill("{x}", {"x": ["**not bold**"]}, "en") == "**not bold**"
    assert "<strong>" not in fill("{x}", {"x": "**a** <i>"}, "en")


@pytest.mark.parametrize(("lang", "expected"), [("fr", "a, b et c"), ("en", "a, b and c")])
def test_join(lang, expected):
    assert join(["a", "b", "c"], "and", lang) == expected
    assert join(["a"], "or", lang) == "a"


def test_pick_form():
    forms = {"zero": "z", "one": "o", "other": "n", "unknown": "u"}
    assert [pick_form(forms, c) for c in (0, 1, 2, 12.5, None)] == ["z", "o", "n", "n", "u"]
    assert pick_form({"other": "n"}, 0) == "n"


def test_numbers_and_dates():
    assert (format_number(3.0, "fr"), format_number(2.5, "fr"), format_number(2.5, "en")) == ("3", "2,5", "2.5")
    assert format_date(dt.date(2026, 11, 26), "fr") == "26 novembre 2026"
    assert format_date(dt.date(2026, 11, 26), "en") == "26 November 2026"
    # Seen on a report of 1 December: French writes the first of the month as an ordinal.
    assert format_date(dt.date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert format_date(dt.date(2026, 12, 1), "en") == "1 December 2026"


def test_texts_have_the_same_keys_in_both_languages():
    assert set(texts("fr")) == set(texts("en"))
    with pytest.raises(InvalidArgument, match="`lang` must be one of"):
        texts("de")


def test_fill_text_is_the_same_dialect_without_markup():
    assert fill_text("**{x}** & {y:comma}", {"x": "<b>", "y": ["a", "b"]}, "fr") == "<b> & a, b"
    assert fill_text("{n} sites", {"n": 2.5}, "fr") == "2,5 sites"


def test_languages_come_from_the_texts_file():
    assert LANGUAGES == ("fr", "en")


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("Les Halles Éphémères", "fr", "des Halles Éphémères"),
        ("Le Point H^UT", "fr", "du Point H^UT"),
        ("La Cour partagée", "fr", "de La Cour partagée"),
        ("Aquarium", "fr", "d'Aquarium"),
        ("The Good Start", "fr", "de The Good Start"),
        ("Les Halles Éphémères", "en", "of Les Halles Éphémères"),
    ],
)
def test_of_name_contracts_and_elides_in_french(name, lang, expected):
    from impact_kit.words import of_name

    assert of_name(name, lang) == expected
