"""Load and query an evaluation grid (levels, criteria, questions, options, sentences).

A grid is data: a YAML file such as ``impact_kit/grids/commune_mesure.yaml``.
:func:`load_grid` reads it and checks it, so that an evaluator can adapt the grid
or write another one and get a clear message when something is off.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from impact_kit.exceptions import GridError

__all__ = [
    "QUESTION_TYPES",
    "Criterion",
    "Grid",
    "Level",
    "Option",
    "Question",
    "Sentence",
    "default_grid",
    "load_grid",
]

#: Question types a grid may use, and what their answers are.
QUESTION_TYPES = {
    "multi": "one row per chosen option id",
    "single": "one option id",
    "number": "one number",
    "text": "one short text",
    "scale": "one whole number between the question's min and max",
    "keywords": "one row per keyword",
    "testimony": "free text, kept verbatim; several rows allowed",
}
CHOICE_TYPES = frozenset({"multi", "single"})
#: Types that take one answer per site and year.
SINGLE_VALUED = frozenset({"single", "number", "text", "scale"})
PLURAL_FORMS = ("zero", "one", "other", "unknown")
_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Option:
    """An answer a choice question offers."""

    id: str
    labels: Mapping[str, str]
    raw: tuple[str, ...] = ()
    effect: bool = True

    def label(self, lang: str) -> str:
        """Return the display label in ``lang``."""
        return self.labels[lang]


@dataclass(frozen=True)
class Question:
    """A question of a criterion (or of every level, for level-wide answers)."""

    id: str
    type: str
    labels: Mapping[str, str]
    options: tuple[Option, ...] = ()
    open: bool = False
    min: float | None = None
    max: float | None = None
    platform_key: str | None = None
    option_set: str | None = None

    def label(self, lang: str) -> str:
        """Return the question's label in ``lang``."""
        return self.labels[lang]

    def option(self, option_id: str) -> Option | None:
        """Return the option with that id, or None."""
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def is_choice(self) -> bool:
        """True for single and multi-choice questions."""
        return self.type in CHOICE_TYPES


@dataclass(frozen=True)
class Sentence:
    """A sentence template of a criterion; see the grid file's header for the rules."""

    texts: Mapping[str, str | Mapping[str, str]]
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unless_answered: tuple[str, ...] = ()
    unless_chosen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    list: str | None = None
    count: str | None = None

    def placeholders(self) -> set[str]:
        """Return the question ids the template's text uses, in every language and form."""
        names: set[str] = set()
        for text in self.texts.values():
            forms = text.values() if isinstance(text, Mapping) else [text]
            for form in forms:
                names |= {f for _, f, _, _ in string.Formatter().parse(form) if f}
        return names


@dataclass(frozen=True)
class Criterion:
    """One criterion of the grid, with its questions and sentences."""

    id: str
    labels: Mapping[str, str]
    level: str
    questions: tuple[Question, ...]
    sentences: tuple[Sentence, ...] = ()
    always_shown: bool = False

    def label(self, lang: str) -> str:
        """Return the criterion's title in ``lang``."""
        return self.labels[lang]

    def question(self, question_id: str) -> Question | None:
        """Return the question with that id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Level:
    """A level of effects (individual, collective, territorial, urban project)."""

    id: str
    labels: Mapping[str, str]
    criteria: tuple[Criterion, ...]
    questions: tuple[Question, ...]
    sentences: Mapping[str, Mapping[str, str]]

    def label(self, lang: str) -> str:
        """Return the level's title in ``lang``."""
        return self.labels[lang]

    def question(self, question_id: str) -> Question | None:
        """Return the level-wide question with that id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Grid:
    """A whole evaluation grid, as loaded by :func:`load_grid`."""

    id: str
    names: Mapping[str, str]
    languages: tuple[str, ...]
    levels: tuple[Level, ...]
    source: str = ""
    path: Path | None = None
    publics: str | None = None

    def name(self, lang: str) -> str:
        """Return the grid's name in ``lang``."""
        return self.names[lang]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """All criteria, in grid order."""
        return tuple(c for level in self.levels for c in level.criteria)

    def criterion(self, criterion_id: str) -> Criterion | None:
        """Return the criterion with that id, or None."""
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def level(self, level_id: str) -> Level | None:
        """Return the level with that id, or None."""
        return next((lv for lv in self.levels if lv.id == level_id), None)

    def question(self, target: str, question_id: str) -> Question | None:
        """Return a question of a criterion or of a level (``target`` is either id), or None."""
        owner = self.criterion(target) or self.level(target)
        return owner.question(question_id) if owner else None

    def iter_questions(self) -> Iterator[tuple[str, Question]]:
        """Yield ``(criterion or level id, question)`` for every question of the grid."""
        for level in self.levels:
            for q in level.questions:
                yield level.id, q
            for c in level.criteria:
                for q in c.questions:
                    yield c.id, q

    def publics_questions(self) -> list[tuple[Criterion, Question]]:
        """Return the questions that ask which publics took part, with their criterion."""
        return [(c, q) for c in self.criteria for q in c.questions if self.publics and q.option_set == self.publics]

    def check_lang(self, lang: str) -> str:
        """Return ``lang`` if the grid has labels in it, else raise ValueError."""
        if lang not in self.languages:
            raise ValueError(f"The value for `lang` must be one of {list(self.languages)}, but {lang!r} was passed.")
        return lang


def default_grid() -> Grid:
    """Return the Commune Mesure grid shipped with the kit (loaded once)."""
    return _load_packaged("commune_mesure")


#: The folder of the grids shipped with the kit.
GRIDS_DIR = Path(__file__).resolve().parent / "grids"


@cache
def _load_packaged(name: str) -> Grid:
    return load_grid(GRIDS_DIR / f"{name}.yaml")


def load_grid(path: str | Path) -> Grid:
    """Load a grid file and check it.

    Parameters
    ----------
    path : str or Path
        A YAML grid file (see ``impact_kit/grids/commune_mesure.yaml``).

    Returns
    -------
    Grid
        The grid, with option sets resolved.

    Raises
    ------
    GridError
        If the file cannot be read or parsed, or if it has duplicate ids, missing
        labels, unknown question types, or sentences naming unknown questions or options.
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GridError(f"{path}: cannot read the grid file ({exc}).") from None
    if not isinstance(doc, dict):
        raise GridError(f"{path}: a grid file must be a YAML mapping with `levels`.")
    return _Builder(path, doc).build()


class _Builder:
    """Turns the YAML document into a Grid, collecting the first inconsistency as an error."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path = path
        self.doc = doc
        self.languages = tuple(doc.get("languages") or ())
        self.option_sets: dict[str, tuple[Option, ...]] = {}

    def fail(self, where: str, message: str) -> GridError:
        return GridError(f"{self.path}, {where}: {message}")

    def labels(self, node: dict[str, Any], where: str, key: str = "label") -> dict[str, str]:
        labels = node.get(key)
        if not isinstance(labels, dict):
            raise self.fail(where, f"`{key}` is missing; give one per language {list(self.languages)}.")
        missing = [lang for lang in self.languages if not str(labels.get(lang) or "").strip()]
        if missing:
            raise self.fail(where, f"`{key}` has no text for {missing}.")
        return {lang: str(labels[lang]) for lang in self.languages}

    def build(self) -> Grid:
        if not self.languages:
            raise self.fail("top", "`languages` is missing (for example [fr, en]).")
        grid_id = self.identifier(self.doc, "top")
        names = self.labels(self.doc, "top", key="name")
        for set_name, options in (self.doc.get("option_sets") or {}).items():
            self.option_sets[set_name] = self.options(options, f"option set `{set_name}`")
        level_docs = self.doc.get("levels")
        if not isinstance(level_docs, list) or not level_docs:
            raise self.fail("top", "`levels` must be a non-empty list.")
        publics = self.doc.get("publics")
        if publics is not None and publics not in self.option_sets:
            raise self.fail("top", f"`publics` names {publics!r}, which is not under `option_sets`.")
        levels = tuple(self.level(node) for node in level_docs)
        seen: set[str] = set()
        for owner in [*levels, *(c for lv in levels for c in lv.criteria)]:
            if owner.id in seen:
                raise self.fail(f"`{owner.id}`", "this id is used twice; level and criterion ids must be unique.")
            seen.add(owner.id)
        return Grid(
            id=grid_id,
            names=names,
            languages=self.languages,
            levels=levels,
            source=str(self.doc.get("source", "")),
            path=self.path,
            publics=publics,
        )

    def identifier(self, node: dict[str, Any], where: str) -> str:
        value = node.get("id")
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(where, f"`id` must be lowercase letters, digits and `_`, not {value!r}.")
        return value

    def level(self, node: dict[str, Any]) -> Level:
        level_id = self.identifier(node, "a level")
        where = f"level `{level_id}`"
        questions = []
        sentences: dict[str, dict[str, str]] = {}
        for qnode in self.doc.get("level_questions") or []:
            q = self.question(qnode, f"level question `{qnode.get('id')}`")
            prefix, key = qnode.get("platform_prefix"), node.get("platform_key")
            if prefix and key:
                q = Question(**{**q.__dict__, "platform_key": f"{prefix}{key}"})
            questions.append(q)
            if "sentence" in qnode:
                sentences[q.id] = self.labels(qnode, f"level question `{q.id}`", key="sentence")
        criteria = tuple(self.criterion(c, level_id) for c in node.get("criteria") or [])
        if not criteria:
            raise self.fail(where, "a level needs at least one criterion.")
        return Level(level_id, self.labels(node, where), criteria, tuple(questions), sentences)

    def criterion(self, node: dict[str, Any], level_id: str) -> Criterion:
        cid = self.identifier(node, f"a criterion of level `{level_id}`")
        where = f"criterion `{cid}`"
        questions = tuple(self.question(q, f"{where}, question `{q.get('id')}`") for q in node.get("questions") or [])
        ids = [q.id for q in questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise self.fail(where, f"question ids {dupes} are used twice.")
        by_id = {q.id: q for q in questions}
        sentences = tuple(
            self.sentence(s, f"{where}, sentence {i + 1}", by_id) for i, s in enumerate(node.get("sentences") or [])
        )
        return Criterion(
            cid, self.labels(node, where), level_id, questions, sentences, bool(node.get("always_shown", False))
        )

    def question(self, node: dict[str, Any], where: str) -> Question:
        qid = self.identifier(node, where)
        qtype = node.get("type")
        if qtype not in QUESTION_TYPES:
            raise self.fail(where, f"unknown type {qtype!r}; use one of {sorted(QUESTION_TYPES)}.")
        options_node = node.get("options", [])
        option_set = options_node if isinstance(options_node, str) else None
        if option_set is not None:
            if option_set not in self.option_sets:
                raise self.fail(where, f"unknown option set {option_set!r}; define it under `option_sets`.")
            options = self.option_sets[option_set]
        else:
            options = self.options(options_node, where)
        is_open = bool(node.get("open", False))
        if qtype in CHOICE_TYPES and not options and not is_open:
            raise self.fail(where, "a choice question needs `options` (or `open: true` for free text).")
        if qtype not in CHOICE_TYPES and options:
            raise self.fail(where, f"a {qtype} question takes no `options`.")
        low, high = node.get("min"), node.get("max")
        if qtype == "scale" and (low is None or high is None):
            raise self.fail(where, "a scale question needs `min` and `max`.")
        return Question(
            id=qid,
            type=qtype,
            labels=self.labels(node, where),
            options=options,
            open=is_open,
            min=low,
            max=high,
            platform_key=node.get("platform_key"),
            option_set=option_set,
        )

    def options(self, nodes: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(nodes, list):
            raise self.fail(where, "`options` must be a list or the name of an option set.")
        options = []
        for node in nodes:
            oid = self.identifier(node, f"{where}, an option")
            raw = node.get("raw") or []
            options.append(
                Option(oid, self.labels(node, f"{where}, option `{oid}`"), tuple(raw), bool(node.get("effect", True)))
            )
        ids = [o.id for o in options]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise self.fail(where, f"option ids {dupes} are used twice.")
        return tuple(options)

    def sentence(self, node: dict[str, Any], where: str, questions: dict[str, Question]) -> Sentence:
        texts = {}
        for lang in self.languages:
            text = node.get(lang)
            if isinstance(text, dict):
                unknown = sorted(set(text) - set(PLURAL_FORMS))
                if unknown or "other" not in text:
                    raise self.fail(where, f"`{lang}` forms must include `other` and be among {list(PLURAL_FORMS)}.")
            elif not isinstance(text, str) or not text.strip():
                raise self.fail(where, f"no text for `{lang}`.")
            texts[lang] = text
        when = {q: _as_tuple(v) for q, v in (node.get("when") or {}).items()}
        unless = node.get("unless") or []
        unless_chosen = {q: _as_tuple(v) for q, v in unless.items()} if isinstance(unless, dict) else {}
        unless_answered = () if isinstance(unless, dict) else tuple(unless)
        sentence = Sentence(texts, when, unless_answered, unless_chosen, node.get("list"), node.get("count"))
        named = sentence.placeholders() | set(when) | set(unless_answered) | set(unless_chosen)
        named |= {n for n in (sentence.list, sentence.count) if n}
        for name in sorted(named):
            if name not in questions:
                raise self.fail(where, f"names question `{name}`, which this criterion does not have.")
        for qid, option_ids in [*when.items(), *unless_chosen.items()]:
            for oid in option_ids:
                if questions[qid].option(oid) is None:
                    raise self.fail(where, f"names option `{oid}`, which question `{qid}` does not have.")
        if sentence.count and any(not isinstance(t, dict) for t in texts.values()):
            raise self.fail(where, "a sentence with `count` gives its text as forms (zero, one, other, unknown).")
        return sentence


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
