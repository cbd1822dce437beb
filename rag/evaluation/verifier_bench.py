"""Benchmark of the citation checker itself, on hand-labelled (claim, evidence) pairs.

Loads a pair file (`tests/verify/pairs.yaml`: thresholds plus items `{id, category, label, question,
claim, evidence}`, optional `title`, `publisher`, `date`, `supported_part`), runs a checker on each
item, and scores it: precision, recall and F1 of the `supported` label overall and per category, the
share of `contradicted` items rejected in each contradiction category, and every confusion case.
`cite_checker` adapts today's public API (`rag.answer.cite.verify`) into such a checker; any function
`PairItem -> bool` (True = the claim keeps its citation as supported) can be scored the same way.

It does not load a model, retrieve, or change the checker, and it never decides a label: labels come
from the file, written by hand.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from rag.answer import cite
from rag.core.errors import EvalFileError
from rag.core.types import Source

LABELS = ("supported", "unsupported", "contradicted")
CONTRADICTION_CATEGORIES = ("negation_flip", "role_swap", "entity_swap", "number_change")
CATEGORIES = ("verbatim", "paraphrase", "synonym", "question_terms", "number_words", "dates", "metadata",
              "partial", "hedged", "framing", "slot", *CONTRADICTION_CATEGORIES)
THRESHOLD_KEYS = ("supported_precision", "supported_recall", "contradiction_rejected")
_REQUIRED = ("id", "category", "label", "question", "claim", "evidence")
_OPTIONAL = ("title", "publisher", "date", "supported_part")


@dataclass(frozen=True)
class PairItem:
    """One labelled claim: `claim` cites `[1]`, and `evidence` (with its metadata) is source 1."""

    id: str
    category: str
    label: str
    question: str
    claim: str
    evidence: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    supported_part: str | None = None


@dataclass(frozen=True)
class PairSet:
    items: tuple[PairItem, ...]
    thresholds: dict[str, float]
    path: str


@dataclass(frozen=True)
class CategoryScore:
    """Counts and scores of the `supported` label on one category (or on all items)."""

    category: str
    items: int
    supported: int  # items labelled supported
    true_pos: int
    false_pos: int
    false_neg: int
    precision: float | None  # None when nothing was predicted supported
    recall: float | None  # None when no item is labelled supported
    f1: float | None
    contradicted: int  # items labelled contradicted
    rejected: float | None  # share of those the checker did not pass; None when there are none


@dataclass(frozen=True)
class Confusion:
    id: str
    category: str
    label: str
    predicted_supported: bool
    claim: str
    evidence: str


@dataclass(frozen=True)
class VerifierReport:
    path: str
    overall: CategoryScore
    categories: tuple[CategoryScore, ...]
    confusions: tuple[Confusion, ...]
    thresholds: dict[str, float]
    failed: tuple[str, ...]  # one line per missed threshold


Checker = Callable[[PairItem], bool]


def load_pairs(path: Path | str) -> PairSet:
    """Read and check a pair file; a malformed item raises EvalFileError naming it."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read the pair file ({e})") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise EvalFileError(f"{path}: not valid YAML{at}") from e
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not data["items"]:
        raise EvalFileError(f"{path}: expected a mapping with a non-empty 'items' list")
    unknown = [k for k in data if k not in ("thresholds", "items")]
    if unknown:
        raise EvalFileError(f"{path}: unknown top-level key {unknown[0]!r} (known: thresholds, items)")
    items: list[PairItem] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["items"], 1):
        item = _item(f"{path}: item #{i}", raw)
        if item.id in seen:
            raise EvalFileError(f"{path}: item #{i}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return PairSet(tuple(items), _thresholds(path, data.get("thresholds") or {}), str(path))


def _item(where: str, raw: Any) -> PairItem:
    if not isinstance(raw, dict):
        raise EvalFileError(f"{where}: an item must be a mapping, not {type(raw).__name__}")
    if isinstance(raw.get("id"), str):
        where = f"{where} ({raw['id']!r})"
    bad = [k for k in raw if k not in _REQUIRED + _OPTIONAL]
    if bad:
        raise EvalFileError(f"{where}: unknown key {bad[0]!r}")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise EvalFileError(f"{where}: {key!r} must be a non-empty string")
    for key in _OPTIONAL:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise EvalFileError(f"{where}: {key!r} must be a string")
    if raw["label"] not in LABELS:
        raise EvalFileError(f"{where}: label {raw['label']!r} is not one of {', '.join(LABELS)}")
    if raw["category"] not in CATEGORIES:
        raise EvalFileError(f"{where}: unknown category {raw['category']!r}")
    if raw["category"] == "partial" and not raw.get("supported_part"):
        raise EvalFileError(f"{where}: a partial item needs 'supported_part'")
    return PairItem(**{k: raw.get(k) for k in _REQUIRED + _OPTIONAL})


def _thresholds(path: Path | str, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise EvalFileError(f"{path}: 'thresholds' must map names to numbers")
    out: dict[str, float] = {}
    for name, level in raw.items():
        if name not in THRESHOLD_KEYS:
            raise EvalFileError(f"{path}: thresholds: unknown name {name!r} (known: {', '.join(THRESHOLD_KEYS)})")
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 <= level <= 1:
            raise EvalFileError(f"{path}: thresholds: {name} must be a number from 0 to 1")
        out[name] = float(level)
    return out


def cite_checker(item: PairItem, judge: Callable[[str, str], bool | None] | None = None) -> bool:
    """Today's checker: `rag.answer.cite.verify` on the claim with the evidence as source 1; True when
    every sentence of the claim keeps citation [1] as supported, whole (nothing dropped as unsupported).
    `judge`: the model's second opinion on borderline sentences (rag.answer.second), none by default."""
    source = Source(n=1, doc_id=item.id, title=item.title or "", text=item.evidence, chunk_ids=("c",),
                    publisher=item.publisher, date=item.date)
    checked = cite.verify(item.claim, [source], item.question, judge)
    return bool(checked.sentences) and checked.answers and all(s.supported and 1 in s.citations and not s.dropped
                                             for s in checked.sentences)


def _score(category: str, pairs: list[tuple[PairItem, bool]]) -> CategoryScore:
    tp = sum(it.label == "supported" and pred for it, pred in pairs)
    fp = sum(it.label != "supported" and pred for it, pred in pairs)
    fn = sum(it.label == "supported" and not pred for it, pred in pairs)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    contra = [pred for it, pred in pairs if it.label == "contradicted"]
    rejected = sum(not p for p in contra) / len(contra) if contra else None
    return CategoryScore(category, len(pairs), tp + fn, tp, fp, fn, precision, recall, f1, len(contra), rejected)


def evaluate(items: Iterable[PairItem], checker: Checker = cite_checker,
             thresholds: dict[str, float] | None = None, path: str = "") -> VerifierReport:
    """Run `checker` on every item and score it against the hand-written labels."""
    results = [(it, bool(checker(it))) for it in items]
    order = [c for c in CATEGORIES if any(it.category == c for it, _ in results)]
    order += sorted({it.category for it, _ in results} - set(order))
    categories = tuple(_score(c, [(it, p) for it, p in results if it.category == c]) for c in order)
    overall = _score("all", results)
    confusions = tuple(Confusion(it.id, it.category, it.label, pred, it.claim, it.evidence)
                       for it, pred in results if pred != (it.label == "supported"))
    thresholds = dict(thresholds or {})
    return VerifierReport(path, overall, categories, confusions, thresholds,
                          _missed(overall, categories, thresholds))


def run_pairs(path: Path | str, checker: Checker = cite_checker) -> VerifierReport:
    """Load a pair file and evaluate `checker` on it with the file's thresholds."""
    pairs = load_pairs(path)
    return evaluate(pairs.items, checker, pairs.thresholds, pairs.path)


def _missed(overall: CategoryScore, categories: tuple[CategoryScore, ...], thresholds: dict[str, float]
            ) -> tuple[str, ...]:
    failed: list[str] = []
    for name, value in (("supported_precision", overall.precision), ("supported_recall", overall.recall)):
        level = thresholds.get(name)
        if level is not None and (value is None or value < level):
            failed.append(f"{name} {_fmt(value)} < {level:.2f}")
    level = thresholds.get("contradiction_rejected")
    if level is not None:
        for c in categories:
            if c.category in CONTRADICTION_CATEGORIES and (c.rejected is None or c.rejected < level):
                failed.append(f"{c.category} rejected {_fmt(c.rejected)} < {level:.2f}")
    return tuple(failed)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(report: VerifierReport, max_confusions: int | None = None) -> str:
    """The report as plain text: a table per category, the thresholds, then the confusion cases."""
    head = f"{'category':<16}{'items':>6}{'supp':>6}{'TP':>5}{'FP':>5}{'FN':>5}{'prec':>8}{'recall':>8}" \
           f"{'F1':>8}{'contra':>8}{'rejected':>10}"
    lines = [f"citation checker on {report.path or 'pairs'}: {report.overall.items} items", head, "-" * len(head)]
    for c in (*report.categories, report.overall):
        lines.append(f"{c.category:<16}{c.items:>6}{c.supported:>6}{c.true_pos:>5}{c.false_pos:>5}{c.false_neg:>5}"
                     f"{_fmt(c.precision):>8}{_fmt(c.recall):>8}{_fmt(c.f1):>8}{c.contradicted:>8}"
                     f"{_fmt(c.rejected):>10}")
    if report.thresholds:
        lines.append("thresholds: " + ", ".join(f"{k} >= {v:.2f}" for k, v in report.thresholds.items()))
    lines += [f"MISSED: {f}" for f in report.failed] or (["all thresholds met"] if report.thresholds else [])
    shown = report.confusions if max_confusions is None else report.confusions[:max_confusions]
    lines.append(f"confusion cases ({len(report.confusions)}):")
    for c in shown:
        kind = "passed " if c.predicted_supported else "rejected"
        lines.append(f"  {kind} {c.label:<12} {c.id:<10} {c.category:<15} {c.claim}")
    if len(shown) < len(report.confusions):
        lines.append(f"  ... {len(report.confusions) - len(shown)} more (use --json for all)")
    return "\n".join(lines)


def report_to_json(report: VerifierReport) -> dict[str, Any]:
    """A JSON-ready dict of the whole report."""
    return asdict(report)
