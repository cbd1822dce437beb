"""Question files for `rag eval`: read a YAML or JSONL suite into checked, frozen `Case`s.

Does: parse the file, merge `defaults` into every case, infer each case's type, normalise answer
groups, and reject a malformed file with one `EvalFileError` naming the file, the case and the
problem, before anything runs. Also holds the vocabulary both sides share: the case types, the
summary metric names and the answer normalisation gold strings are matched under.
Does not: retrieve, ask, brief or score (that is `rag.evaluation.evaluate`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from rag.core.errors import EvalFileError, UnknownSourceError

CASE_TYPES = ("factual", "multi_source", "unanswerable", "briefing")
SUMMARY_METRICS = (
    "hit_at_k", "recall_at_k", "mrr_at_k", "answer_accuracy", "answer_f1", "forbidden_rate",
    "abstention_rate", "false_abstention_rate", "citation_validity", "citation_coverage", "gold_cite_hit",
    "citation_support", "ttft_ms_p50", "ttft_ms_p90", "total_ms_p50", "total_ms_p90", "prompt_tokens_mean",
    "brief_mention_rate", "brief_cite_rate", "brief_coverage", "brief_length_ok",
)
# Thresholds on these are maxima and a rise is a regression; on every other metric, the reverse.
LOWER_IS_BETTER = frozenset({
    "forbidden_rate", "false_abstention_rate", "ttft_ms_p50", "ttft_ms_p90", "total_ms_p50", "total_ms_p90",
    "prompt_tokens_mean",
})
UNBOUNDED = frozenset({"ttft_ms_p50", "ttft_ms_p90", "total_ms_p50", "total_ms_p90", "prompt_tokens_mean"})

_KEYS = ("id", "question", "type", "answers", "must_include", "must_not_include", "sources", "unanswerable",
         "topic", "must_mention", "must_cite", "max_words", "notes", "tags", "as_of")
_BRIEF_ONLY = ("topic", "must_mention", "must_cite", "max_words")
_QUESTION_ONLY = ("answers", "must_include", "must_not_include", "sources", "unanswerable")
_TOP_KEYS = ("defaults", "thresholds", "cases")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|[a-z]+ty|hundred|thousand|million|billion)"
# The word after a number, singular: "39 inches" and "39-inch" (the dash is a space by then) read alike.
_COUNTED = re.compile(rf"\b({_NUMBER}) ([a-z]{{4,}})\b")  # four letters up: not "us", "was", "has"
_PLURAL = re.compile(r"(?:(?<=ch|sh|ss)|(?<=x))es$|(?<!s)s$")

Groups = tuple[tuple[str, ...], ...]
MAX_BYTES = 16_000_000  # a question file; tests/eval/seeds.yaml (37 cases) is 10 kB
MAX_NODES = 100_000  # values after alias expansion; seeds.yaml (37 cases) has 573


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation and a/an/the, collapse whitespace.

    Unicode punctuation (curly quotes) is dropped as well, and dashes separate words, so that
    "face-to-face" and "face to face" normalise alike, a numeral's ordinal suffix is dropped, so
    that "January 30th" states the gold "January 30", and accents are dropped, so that "Chloe Zhao"
    states the gold "Chloé Zhao", and the word after a number is read in the singular, so that "39 inches"
    and "a nine-month sentence" state the gold "39-inch" and "nine months".
    """
    out = []
    for ch in unicodedata.normalize("NFKD", s.lower()):
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue
        if cat == "Pd":
            out.append(" ")
        elif ch not in string.punctuation and not cat.startswith("P"):
            out.append(ch)
    words = " ".join(_ORDINAL.sub(r"\1", _ARTICLES.sub(" ", "".join(out))).split())
    return _COUNTED.sub(lambda m: f"{m[1]} {_PLURAL.sub('', m[2])}", words)


@dataclass(frozen=True)
class Case:
    """One test question (or briefing topic) with its gold labels."""

    id: str
    type: str
    question: str | None = None
    answers: tuple[str, ...] = ()
    must_include: Groups = ()
    must_not_include: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unanswerable: bool = False
    topic: str | None = None
    must_mention: Groups = ()
    must_cite: tuple[str, ...] = ()
    max_words: int | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()  # labels for reporting a subset separately, e.g. "date"
    as_of: dt.date | None = None  # the reference date a relative question ("last week") is asked on


@dataclass(frozen=True)
class Suite:
    cases: tuple[Case, ...]
    thresholds: Mapping[str, float]
    path: str


def load_suite(path: Path) -> Suite:
    """Read and check a question file (`.jsonl`: one case per line; anything else: YAML)."""
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise EvalFileError(f"{path}: the question file is over {MAX_BYTES // 1_000_000} MB")
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read the question file ({e})") from e
    if Path(path).suffix.lower() == ".jsonl":
        raw_cases, defaults, thresholds = _jsonl(path, text), {}, {}
    else:
        raw_cases, defaults, thresholds = _yaml(path, text)
    cases: list[Case] = []
    first_seen: dict[str, str] = {}
    for label, raw in raw_cases:
        where = f"{path}: {label}"
        if not isinstance(raw, dict):
            raise EvalFileError(f"{where}: a case must be a mapping of keys, not {type(raw).__name__}")
        if "id" in raw and isinstance(raw["id"], (str, int)) and not isinstance(raw["id"], bool):
            where = f"{path}: case {str(raw['id'])!r} ({label})"
        case = _case(where, {**defaults, **raw})
        if case.id in first_seen:
            raise EvalFileError(f"{where}: duplicate id {case.id!r} (first used by {first_seen[case.id]})")
        first_seen[case.id] = label
        cases.append(case)
    if not cases:
        raise EvalFileError(f"{path}: the question file has no cases")
    return Suite(tuple(cases), _thresholds(path, thresholds), str(path))


def require_sources(suite: Suite, indexed: set[str] | frozenset[str], where: str) -> None:
    """Refuse to score a suite against a workspace that lacks its sources: an empty workspace, or
    one missing any document a case names (`sources`, `must_cite`) would score nothing and pass."""
    if not indexed:
        raise UnknownSourceError(f"the workspace {where} has no documents; ingest the articles {suite.path} "
                                 "is about first (e.g. rag ingest seeds/)")
    named = sorted({d for c in suite.cases for d in (*c.sources, *c.must_cite)})
    missing = [d for d in named if d not in indexed]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UnknownSourceError(f"{len(missing)} of the {len(named)} sources {suite.path} names are not in the "
                                 f"workspace {where}: {shown}; ingest them or point --workspace at the right one")


def _jsonl(path: Path, text: str) -> list[tuple[str, Any]]:
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((f"line {i}", json.loads(line)))
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{path}: line {i}: not valid JSON ({e.msg})") from e
    return out


def _yaml(path: Path, text: str) -> tuple[list[tuple[str, Any]], dict, dict]:
    try:
        _check_expanded_size(path, yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as e:  # ValueError: an impossible date such as 2004-02-31
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise EvalFileError(f"{path}: not valid YAML{at} ({getattr(e, 'problem', None) or e})") from e
    defaults: Any = {}
    thresholds: Any = {}
    if isinstance(data, dict):
        unknown = [k for k in data if k not in _TOP_KEYS]
        if unknown:
            raise EvalFileError(f"{path}: unknown top-level key {unknown[0]!r} (known: {', '.join(_TOP_KEYS)})")
        defaults, thresholds, data = data.get("defaults") or {}, data.get("thresholds") or {}, data.get("cases")
        if not isinstance(defaults, dict):
            raise EvalFileError(f"{path}: 'defaults' must be a mapping of case keys")
        bad = [k for k in defaults if k not in _KEYS or k == "id"]
        if bad:
            raise EvalFileError(f"{path}: defaults: unknown or not defaultable key {bad[0]!r}")
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: expected a list of cases or a mapping with 'cases', "
                            f"got {type(data).__name__}")
    return [(f"case #{i}", raw) for i, raw in enumerate(data, 1)], defaults, thresholds


def _check_expanded_size(path: Path, root: yaml.Node | None) -> None:
    """Refuse a file whose aliases expand into more than MAX_NODES values (an "alias bomb": 400
    bytes of nested `*a` references grew past 2 GB) or refer to themselves. Linear in the file."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, open_: set[int]) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_:
            raise EvalFileError(f"{path}: a YAML alias refers to itself")
        open_.add(id(node))
        children = node.value if isinstance(node, yaml.SequenceNode) else [x for kv in node.value for x in kv] \
            if isinstance(node, yaml.MappingNode) else []
        total = 1
        for child in children:
            total += size(child, open_)
            if total > MAX_NODES:
                raise EvalFileError(f"{path}: the YAML expands to more than {MAX_NODES:,} values "
                                    "(too many or too deeply nested aliases)")
        open_.discard(id(node))
        sizes[id(node)] = total
        return total

    if root is not None:
        size(root, set())


def _thresholds(path: Path, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise EvalFileError(f"{path}: 'thresholds' must map metric names to numbers")
    out = {}
    for name, level in raw.items():
        if name not in SUMMARY_METRICS:
            raise EvalFileError(f"{path}: thresholds: unknown metric {name!r} (known: {', '.join(SUMMARY_METRICS)})")
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            raise EvalFileError(f"{path}: thresholds: {name} must be a number, not {level!r}")
        if level < 0 or (name not in UNBOUNDED and level > 1):
            raise EvalFileError(f"{path}: thresholds: {name} must be between 0 and 1, not {level}")
        out[name] = float(level)
    return out


def _case(where: str, raw: dict) -> Case:
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        raise EvalFileError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    if "id" not in raw:
        raise EvalFileError(f"{where}: missing 'id'")
    case_id = _text(where, "id", raw["id"], numbers=True)
    kind = _type(where, raw)
    question = _text(where, "question", raw["question"]) if raw.get("question") is not None else None
    if question is None and kind != "briefing":
        raise EvalFileError(f"{where}: missing 'question' (only briefing cases may leave it out)")
    misplaced = [k for k in (_QUESTION_ONLY if kind == "briefing" else _BRIEF_ONLY) if k in raw]
    if misplaced:
        raise EvalFileError(f"{where}: {misplaced[0]!r} does not apply to a {kind} case")
    unanswerable = raw.get("unanswerable", kind == "unanswerable")
    if not isinstance(unanswerable, bool):
        raise EvalFileError(f"{where}: 'unanswerable' must be true or false")
    if unanswerable != (kind == "unanswerable"):
        raise EvalFileError(f"{where}: unanswerable: {str(unanswerable).lower()} contradicts type {kind}")
    if kind == "unanswerable" and any(raw.get(k) for k in ("answers", "must_include", "sources")):
        raise EvalFileError(f"{where}: an unanswerable case cannot have answers, must_include or sources")
    max_words = raw.get("max_words")
    if max_words is not None and (isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1):
        raise EvalFileError(f"{where}: 'max_words' must be a positive whole number, not {max_words!r}")
    return Case(
        id=case_id, type=kind, question=question,
        answers=_strings(where, "answers", raw.get("answers")),
        must_include=_groups(where, "must_include", raw.get("must_include")),
        must_not_include=_strings(where, "must_not_include", raw.get("must_not_include")),
        sources=_strings(where, "sources", raw.get("sources"), match=False),
        unanswerable=unanswerable,
        topic=_text(where, "topic", raw["topic"]) if raw.get("topic") is not None else None,
        must_mention=_groups(where, "must_mention", raw.get("must_mention")),
        must_cite=_strings(where, "must_cite", raw.get("must_cite"), match=False),
        max_words=max_words,
        notes=_text(where, "notes", raw["notes"]) if raw.get("notes") is not None else None,
        tags=_strings(where, "tags", raw.get("tags"), match=False),
        as_of=_date(where, "as_of", raw.get("as_of")),
    )


def _type(where: str, raw: dict) -> str:
    """The declared type, or the one the keys imply."""
    kind = raw.get("type")
    if kind is not None:
        if kind not in CASE_TYPES:
            raise EvalFileError(f"{where}: unknown type {kind!r} (known: {', '.join(CASE_TYPES)})")
        return kind
    if raw.get("question") is None and any(k in raw for k in ("must_mention", "must_cite", "topic")):
        return "briefing"
    if raw.get("unanswerable") is True:
        return "unanswerable"
    sources = raw.get("sources")
    return "multi_source" if isinstance(sources, list) and len(sources) >= 2 else "factual"


def _date(where: str, key: str, value: Any) -> dt.date | None:
    """A calendar date: YAML's own date (an unquoted 2004-11-17) or a YYYY-MM-DD string."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:  # 2004-02-31
            pass
    raise EvalFileError(f"{where}: {key!r} must be a date YYYY-MM-DD, not {value!r}")


def _text(where: str, key: str, value: Any, numbers: bool = False) -> str:
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise EvalFileError(f"{where}: {key!r} must be a non-empty string, not {value!r}")
    return value.strip()


def _strings(where: str, key: str, value: Any, match: bool = True) -> tuple[str, ...]:
    """A list of strings (a single string counts as a list of one); numbers are taken as text."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    bad = [v for v in items if not match and isinstance(v, (int, float)) and not isinstance(v, bool)]
    if bad:
        raise EvalFileError(f"{where}: {key}: {bad[0]!r} was read as a number; quote doc ids (\"004\")")
    out = tuple(_text(where, key, v, numbers=True) for v in items)
    for s in out:
        if match and not normalize_answer(s):
            raise EvalFileError(f"{where}: {key}: {s!r} is empty once normalised and would match anything")
    return out


def _groups(where: str, key: str, value: Any) -> Groups:
    """A list of groups, each a list of alternatives; a bare string is a group of one."""
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    groups = []
    for g in value:
        group = _strings(where, key, g)
        if not group:
            raise EvalFileError(f"{where}: {key} has an empty group")
        groups.append(group)
    return tuple(groups)
