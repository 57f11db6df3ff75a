"""Read and check an evaluation grid file (YAML), so that an adapted grid fails with a clear message.

See the header of ``impact_kit/grids/commune_mesure.yaml`` and README.md ("Writing a
grid") for the file's structure; :mod:`impact_kit.grid.model` for what it becomes.
"""

from __future__ import annotations

import string
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from impact_kit.exceptions import GridError
from impact_kit.files import resolve_data
from impact_kit.grid.directions import is_legacy, option_direction, question_direction
from impact_kit.grid.model import (
    CHANGE_KINDS,
    CHANGE_VALUES,
    CHOICE_TYPES,
    ID_PATTERN,
    NOT_ASKED,
    PLURAL_FORMS,
    QUESTION_TYPES,
    REPLACED_CHANGE_KINDS,
    ROLES,
    Criterion,
    Grid,
    Level,
    Option,
    Question,
    Roles,
    Sentence,
    Template,
)
from impact_kit.words import texts as kit_texts

__all__ = ["GRIDS_DIR", "GridWarning", "default_grid", "load_grid", "resolve_grid", "user_grid_file"]

#: The folder of the grids shipped with the kit.
GRIDS_DIR = Path(__file__).resolve().parents[1] / "grids"


def default_grid() -> Grid:
    """Return the Commune Mesure grid shipped with the kit (loaded once)."""
    return _load_packaged("commune_mesure")


@cache
def _load_packaged(name: str) -> Grid:
    return load_grid(GRIDS_DIR / f"{name}.yaml")


def resolve_grid(grid: Grid | str | Path | None) -> Grid:
    """Return a grid: ``None`` gives :func:`default_grid`, a path is loaded, a Grid is returned as is."""
    if grid is None or grid == "":
        return default_grid()
    if isinstance(grid, Grid):
        return grid
    return load_grid(resolve_data(grid))


def user_grid_file(grid: Grid) -> Path | None:
    """Return the grid's file, or None for a grid shipped with the kit (or one with no file).

    What parameters, manifests and cluster jobs name: a shipped grid is named by nothing,
    so another install (another machine, a Dask worker) uses its own copy.
    """
    if grid.path is None or grid.path.resolve().parent == GRIDS_DIR.resolve():
        return None
    return grid.path


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


class GridWarning(UserWarning):
    """Warned when a grid file loads but holds something the kit does not use (it says what to write instead)."""


class _Builder:
    """Turns the YAML document into a Grid, collecting the first inconsistency as an error."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path = path
        self.doc = doc
        self.languages = tuple(doc.get("languages") or ())
        self.option_sets: dict[str, tuple[Option, ...]] = {}
        # A grid written before directions (no `direction:` anywhere) keeps its meaning: every
        # question reports an effect, and an option marked `effect: false` means "no effect".
        self.legacy = is_legacy(doc)

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
        levels = tuple(self.level(node) for node in level_docs)
        seen: set[str] = set()
        owners: list[Level | Criterion] = [*levels, *(c for lv in levels for c in lv.criteria)]
        for owner in owners:
            if owner.id in seen:
                raise self.fail(f"`{owner.id}`", "this id is used twice; level and criterion ids must be unique.")
            seen.add(owner.id)
        return Grid(
            id=grid_id,
            names=names,
            languages=self.languages,
            levels=levels,
            roles=self.roles(levels),
            source=str(self.doc.get("source", "")),
            path=self.path,
            changes=self.changes(),
            words=self.words(),
        )

    def words(self) -> dict[str, dict[str, Any]]:
        """Return the grid's own version of some of the kit's words (``words: {lang: {key: text}}``)."""
        node = self.doc.get("words") or {}
        if not isinstance(node, dict):
            raise self.fail("`words`", "must map each language to the kit's words it replaces.")
        out: dict[str, dict[str, Any]] = {}
        for lang, given in node.items():
            if lang not in self.languages or not isinstance(given, dict):
                raise self.fail("`words`", f"`{lang}` must be one of {list(self.languages)} and map keys to texts.")
            base = kit_texts(lang)
            for key, text in given.items():
                if key not in base:
                    raise self.fail(
                        f"`words`, `{lang}`", f"`{key}` is not one of the kit's words (impact_kit/texts.yaml)."
                    )
                if isinstance(base[key], dict) != isinstance(text, dict) or not text:
                    shape = "forms (zero, one, other)" if isinstance(base[key], dict) else "one text"
                    raise self.fail(f"`words`, `{lang}`, `{key}`", f"give {shape}, as impact_kit/texts.yaml does.")
            out[str(lang)] = dict(given)
        return out

    def changes(self) -> dict[str, dict[str, dict[str, Template]]]:
        """Return the change templates; a grid without a ``changes:`` block borrows the Commune Mesure grid's.

        The kinds of :data:`REPLACED_CHANGE_KINDS` are optional and unused: given, they are
        checked, and a :class:`GridWarning` names the ``words:`` keys that say those changes now.
        """
        node = self.doc.get("changes")
        used = [kind for kind in CHANGE_KINDS if kind not in REPLACED_CHANGE_KINDS]
        if node is None:
            fallback = default_grid()
            missing = [lang for lang in self.languages if lang not in fallback.languages]
            if missing:
                raise self.fail("top", f"`changes` is missing, and the kit has no change templates in {missing}.")
            return {kind: {key: dict(texts) for key, texts in keys.items()} for kind, keys in fallback.changes.items()}
        if not isinstance(node, dict):
            raise self.fail("`changes`", f"must map each kind of change {used} to its templates.")
        out = {}
        for kind, keys in CHANGE_KINDS.items():
            given = node.get(kind)
            if kind in REPLACED_CHANGE_KINDS and given is None:
                continue
            if not isinstance(given, dict):
                raise self.fail("`changes`", f"`{kind}` is missing; give its templates {list(keys)}.")
            out[kind] = self.change_templates(given, f"`changes`, `{kind}`", kind, required=True)
        unknown = sorted(set(node) - set(CHANGE_KINDS))
        if unknown:
            raise self.fail("`changes`", f"unknown kinds {unknown}; use those of {used}.")
        replaced = [kind for kind in REPLACED_CHANGE_KINDS if kind in out]
        if replaced:
            named = [key for kind in replaced for key in REPLACED_CHANGE_KINDS[kind]]
            warnings.warn(
                f"{self.path}: `changes`, {' and '.join(f'`{kind}`' for kind in replaced)}: these templates are no "
                "longer used. A report's Évolutions groups a level's criteria and says its intensity step with the "
                f"kit's words {', '.join(f'`{key}`' for key in named)}; to change them, give them under `words:` "
                "(one entry per language, see impact_kit/texts.yaml), and remove these templates.",
                GridWarning,
                stacklevel=2,
            )
        return out

    def change_templates(
        self, node: dict[str, Any], where: str, kind: str, *, required: bool
    ) -> dict[str, dict[str, Template]]:
        keys = CHANGE_KINDS[kind]
        unknown = sorted(set(node) - set(keys))
        if unknown:
            raise self.fail(where, f"unknown templates {unknown}; `{kind}` takes {list(keys)}.")
        out: dict[str, dict[str, Template]] = {}
        for key in keys:
            if key not in node:
                if required:
                    raise self.fail(where, f"the template `{key}` is missing.")
                continue
            texts = node[key]
            if not isinstance(texts, dict):
                raise self.fail(f"{where}, `{key}`", f"give one text per language {list(self.languages)}.")
            out[key] = {lang: self.template(texts.get(lang), f"{where}, `{key}`, `{lang}`") for lang in self.languages}
        return out

    def phrases(self, node: Any, where: str) -> dict[str, Template]:
        """Parse a ``figure``: one noun phrase per language, with ``{value}`` and optional forms."""
        if not isinstance(node, dict):
            raise self.fail(where, f"give one text per language {list(self.languages)}.")
        return {lang: self.template(node.get(lang), f"{where}, `{lang}`", {"value"}) for lang in self.languages}

    def template(self, text: Any, where: str, allowed: frozenset[str] | set[str] = CHANGE_VALUES) -> Template:
        if isinstance(text, dict):
            unknown = sorted(set(text) - set(PLURAL_FORMS))
            if unknown or "other" not in text:
                raise self.fail(where, f"forms must include `other` and be among {list(PLURAL_FORMS)}.")
            forms = {str(k): str(v) for k, v in text.items()}
        elif isinstance(text, str) and text.strip():
            forms = {"other": text}
        else:
            raise self.fail(where, "the text is missing.")
        for form in forms.values():
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(form) if f}
            except ValueError as exc:
                raise self.fail(where, f"the text {form!r} is not a template ({exc}).") from None
            if names - set(allowed):
                raise self.fail(where, f"names {sorted(names - set(allowed))}; use only {sorted(allowed)}.")
        return text if isinstance(text, dict) else str(text)

    def roles(self, levels: tuple[Level, ...]) -> Roles:
        given = self.doc.get("roles")
        given = given if isinstance(given, dict) else {}
        for role, meaning in ROLES.items():
            if not isinstance(given.get(role), str):
                raise self.fail("`roles`", f"the role `{role}` is not given: name {meaning}, as `{role}: <id>`.")
        roles = Roles(**{role: given[role] for role in ROLES})
        kinds = {"testimony": "testimony", "intensity": "scale", "keywords": "keywords"}
        for role, qtype in kinds.items():
            qid = getattr(roles, role)
            if role == "testimony":
                found = [q for lv in levels for c in lv.criteria for q in c.questions if q.id == qid]
            else:
                found = [q for lv in levels for q in lv.questions if q.id == qid]
            if not found or any(q.type != qtype for q in found):
                raise self.fail("`roles`", f"`{role}: {qid}` must name {ROLES[role]}; the grid has none such.")
        if roles.publics not in self.option_sets:
            raise self.fail("`roles`", f"`publics: {roles.publics}` must name an option set under `option_sets`.")
        return roles

    def identifier(self, node: dict[str, Any], where: str) -> str:
        value = node.get("id")
        if not isinstance(value, str) or not ID_PATTERN.match(value):
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
        if qid == NOT_ASKED:
            raise self.fail(
                where, f"the id `{NOT_ASKED}` is the kit's own (it marks what a source did not ask); rename it."
            )
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
        changes = node.get("changes") or {}
        if not isinstance(changes, dict) or sorted(set(changes) - set(CHANGE_KINDS)):
            raise self.fail(where, f"`changes` must map kinds among {list(CHANGE_KINDS)} to templates.")
        own = {
            kind: self.change_templates(templates or {}, f"{where}, `changes`, `{kind}`", kind, required=False)
            for kind, templates in changes.items()
        }
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
            changes=own,
            direction=self.direction(node, qtype, options, where),
            figure=self.phrases(node["figure"], f"{where}, `figure`") if "figure" in node else {},
            action=bool(node.get("action", False)),
        )

    def direction(self, node: dict[str, Any], qtype: str, options: tuple[Option, ...], where: str) -> str | None:
        """Return what a question reports (see :attr:`Question.direction`), checking its options agree."""
        try:
            return question_direction(node, qtype, options, legacy=self.legacy)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

    def options(self, nodes: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(nodes, list):
            raise self.fail(where, "`options` must be a list or the name of an option set.")
        options = []
        for node in nodes:
            oid = self.identifier(node, f"{where}, an option")
            raw = node.get("raw") or []
            says = self.labels(node, f"{where}, option `{oid}`", key="says") if "says" in node else {}
            options.append(
                Option(
                    oid,
                    self.labels(node, f"{where}, option `{oid}`"),
                    tuple(raw),
                    self.option_direction(node, f"{where}, option `{oid}`"),
                    says,
                )
            )
        ids = [o.id for o in options]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise self.fail(where, f"option ids {dupes} are used twice.")
        return tuple(options)

    def option_direction(self, node: dict[str, Any], where: str) -> str | None:
        try:
            return option_direction(node, legacy=self.legacy)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

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
            for oid in option_ids:  # a number question is matched on its value as written: "0"
                if questions[qid].option(oid) is None and (questions[qid].type != "number" or not oid.isdigit()):
                    raise self.fail(where, f"names option `{oid}`, which question `{qid}` does not have.")
        if sentence.count and any(not isinstance(t, dict) for t in texts.values()):
            raise self.fail(where, "a sentence with `count` gives its text as forms (zero, one, other, unknown).")
        return sentence


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
