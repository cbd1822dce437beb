"""`rag eval`: score a fixed question suite, deterministically and offline (no judge model).

Does: per-case metrics modelled on RAGAS/ALCE/RGB (retrieval hit/recall/MRR by document, answer
correctness and token F1 against gold strings, forbidden strings, abstention, citation validity,
coverage, gold hits and verifier support, brief checks, timings), their summary, threshold checks,
the comparison with a baseline, and the ALCE "top chunk verbatim" shortcut baseline.
Does not: parse question files (`rag.evaluation.cases`), build the index or the model (the caller passes
`retrieve`, `ask` and `brief` in), judge free text with a model, or print.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from rag.core.types import Answer, Hit
from rag.evaluation.cases import LOWER_IS_BETTER, SUMMARY_METRICS, UNBOUNDED, Case, Suite, normalize_answer
from rag.evaluation.evidence import answer_evidence, gold_labels
from rag.text.markers import parse_markers

log = logging.getLogger(__name__)

RATE_TOLERANCE = 0.02  # a rate that moves the wrong way by more than this is a regression
RELATIVE_TOLERANCE = 0.10  # for milliseconds and tokens: more than 10% worse
_EPS = 1e-9
_PERCENTILES = {"ttft_ms_p50": ("ttft_ms", 50), "ttft_ms_p90": ("ttft_ms", 90),
                "total_ms_p50": ("total_ms", 50), "total_ms_p90": ("total_ms", 90)}
_MEANS = {"prompt_tokens_mean": "prompt_tokens"}

Value = float | bool | None


@dataclass(frozen=True)
class BriefRun:
    """What a briefing run hands back: Markdown text and what it cites."""

    text: str
    cited_doc_ids: tuple[str, ...]
    sentences_total: int
    sentences_cited: int


@dataclass(frozen=True)
class CaseResult:
    """One case as run: what came back and its metric values.

    Metric keys are the summary names (the mean over cases is the summary), except the timings:
    ttft_ms, total_ms and prompt_tokens, whose percentiles and mean the summary reports.
    """

    id: str
    type: str
    question: str | None
    retrieved: tuple[str, ...] = ()  # doc ids in rank order, first occurrence kept
    answer: str | None = None
    abstained: bool | None = None
    citations: tuple[dict[str, Any], ...] = ()
    metrics: Mapping[str, Value] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)  # what was missing or forbidden, for reading


@dataclass(frozen=True)
class Report:
    suite_path: str
    cases: tuple[CaseResult, ...]
    summary: Mapping[str, float | None]
    thresholds: Mapping[str, float]
    warnings: tuple[str, ...]
    failed: tuple[str, ...]
    by_tag: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)  # tag -> its cases' summary


class Change(NamedTuple):
    metric: str
    old: float | None
    new: float | None
    delta: float | None
    regressed: bool


# --- answers -----------------------------------------------------------------------------------

def _has(normalised_text: str, needle: str) -> bool:
    """`needle` occurs in the (already normalised) text as whole words: 'Oman' is not in 'Omani'. A gold
    name of two capitalised words also counts in the other order, family name first or last ("Liu Yifei"
    states the gold "Yifei Liu")."""
    texts = [needle]
    words = needle.split()
    if len(words) == 2 and all(w[:1].isupper() and w.isalpha() for w in words):
        texts.append(f"{words[1]} {words[0]}")
    return any(bool(n) and f" {n} " in f" {normalised_text} " for n in map(normalize_answer, texts))


def token_f1(prediction: str, truth: str) -> float:
    """SQuAD token-overlap F1 of the normalised strings."""
    pred, gold = normalize_answer(prediction).split(), normalize_answer(truth).split()
    if not pred or not gold:
        return float(pred == gold)
    same = sum((Counter(pred) & Counter(gold)).values())
    if not same:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def is_correct(answer_text: str, case: Case) -> bool | None:
    """Any of `answers` and every `must_include` group appear; None when the case has neither."""
    if not case.answers and not case.must_include:
        return None
    text = normalize_answer(answer_text)
    any_answer = not case.answers or any(_has(text, a) for a in case.answers)
    return any_answer and all(any(_has(text, s) for s in group) for group in case.must_include)


def answer_f1(answer_text: str, case: Case) -> float | None:
    """The best token F1 against any gold answer; None when the case lists no answers."""
    return max((token_f1(answer_text, a) for a in case.answers), default=None)


def forbidden(answer_text: str, case: Case) -> list[str]:
    """The `must_not_include` strings that appear in the answer."""
    text = normalize_answer(answer_text)
    return [s for s in case.must_not_include if _has(text, s)]


# --- retrieval ---------------------------------------------------------------------------------

def _dedupe(doc_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def hit_at_k(retrieved_doc_ids: Sequence[str], gold: Iterable[str]) -> bool:
    """Some gold document is among the retrieved ones."""
    return bool(set(gold) & set(retrieved_doc_ids))


def recall_at_k(retrieved_doc_ids: Sequence[str], gold: Iterable[str]) -> float:
    """Share of the gold documents that were retrieved (0.0 for no gold)."""
    gold = set(gold)
    return len(gold & set(retrieved_doc_ids)) / len(gold) if gold else 0.0


def mrr_at_k(retrieved_doc_ids: Sequence[str], gold: Iterable[str]) -> float:
    """1 / rank of the first gold document among the distinct retrieved ones, 0.0 when none is."""
    gold = set(gold)
    for rank, doc_id in enumerate(_dedupe(retrieved_doc_ids), 1):
        if doc_id in gold:
            return 1.0 / rank
    return 0.0


# --- citations ---------------------------------------------------------------------------------

def _cited_numbers(answer: Answer) -> set[int]:
    numbers = {c.n for c in answer.citations} | {n for s in answer.sentences for n in s.citations}
    return numbers | set(parse_markers(answer.answer))


def citation_validity(answer: Answer) -> float | None:
    """Share of the cited numbers that name one of the answer's sources; None when nothing is cited."""
    numbers = _cited_numbers(answer)
    known = {s.n for s in answer.sources}
    return sum(n in known for n in numbers) / len(numbers) if numbers else None


def citation_coverage(answer: Answer) -> float | None:
    """Share of the answer's sentences that carry at least one citation; None without sentences."""
    sentences = [s for s in answer.sentences if s.text.strip()]
    return sum(bool(s.citations) for s in sentences) / len(sentences) if sentences else None


def gold_cite_hit(answer: Answer, gold: Iterable[str]) -> bool | None:
    """Some document the answer cites (verified citations) is gold; None when there is no gold."""
    gold = set(gold)
    if not gold:
        return None
    by_n = {s.n: s.doc_id for s in answer.sources}
    cited = {c.doc_id for c in answer.citations if c.verified}
    cited |= {by_n[n] for s in answer.sentences for n in s.citations if n in by_n}
    return bool(cited & gold)


def citation_support(answer: Answer) -> float | None:
    """Share of the citations the verifier accepted (`Citation.verified`); None when nothing is cited.

    Per citation rather than per sentence: `Sentence.citations` keeps only the accepted numbers, so
    a per-sentence share would always be 1.
    """
    if not answer.citations:
        return None
    return sum(c.verified for c in answer.citations) / len(answer.citations)


# --- briefs ------------------------------------------------------------------------------------

def brief_words(text: str) -> int:
    """Words of a Markdown brief: citation markers and bare symbols (#, -, *) do not count."""
    text = re.sub(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]", " ", text)
    return sum(any(ch.isalnum() for ch in w) for w in text.split())


def _brief_metrics(case: Case, result: BriefRun, gold_cites: Sequence[str]) -> tuple[dict, dict]:
    text = normalize_answer(result.text)
    missing = [list(g) for g in case.must_mention if not any(_has(text, s) for s in g)]
    cited = set(result.cited_doc_ids)
    uncited = [d for d in gold_cites if d not in cited]
    words = brief_words(result.text)
    groups, total = len(case.must_mention), result.sentences_total
    metrics = {
        "brief_mention_rate": (groups - len(missing)) / groups if groups else None,
        "brief_cite_rate": (len(gold_cites) - len(uncited)) / len(gold_cites) if gold_cites else None,
        "brief_coverage": result.sentences_cited / total if total else None,
        "brief_length_ok": words <= case.max_words if case.max_words else None,
    }
    return metrics, {"missing_mentions": missing, "uncited": uncited, "words": words}


# --- the run -----------------------------------------------------------------------------------

def shortcut_answer(hits: Sequence[Hit]) -> str:
    """The ALCE shortcut baseline: the top retrieved chunk, verbatim ('' when nothing was found)."""
    return hits[0].chunk.text if hits else ""


def shortcut_ask(retrieve: Callable[..., Sequence[Hit]]) -> Callable[..., Answer]:
    """An `ask` that answers with `shortcut_answer`, abstaining only when retrieval finds nothing."""
    def ask(question: str, **when: object) -> Answer:
        hits = tuple(retrieve(question, **when))
        return Answer(question, shortcut_answer(hits), not hits, hits=hits)
    return ask


def _answer_metrics(case: Case, answer: Answer, gold: Sequence[str]) -> tuple[dict, dict]:
    # An abstention's text may quote the closest passage; it is never credited nor blamed.
    text = "" if answer.abstained else answer.answer
    found = forbidden(text, case)
    m: dict[str, Value] = {"forbidden_rate": bool(found) if case.must_not_include else None}
    if case.type == "unanswerable":
        m["abstention_rate"] = answer.abstained
    else:
        m.update(answer_accuracy=is_correct(text, case), answer_f1=answer_f1(text, case),
                 false_abstention_rate=answer.abstained)
    if not answer.abstained:
        m.update(citation_validity=citation_validity(answer), citation_coverage=citation_coverage(answer),
                 gold_cite_hit=gold_cite_hit(answer, gold), citation_support=citation_support(answer))
    t = answer.timings
    m.update(ttft_ms=t.ttft_ms if t.ttft_ms > 0 else None, total_ms=t.total_ms if t.total_ms > 0 else None,
             prompt_tokens=float(t.prompt_tokens) if t.prompt_tokens > 0 else None)
    return m, {"forbidden_found": found, "notice": answer.notice, "raw": answer.raw}


def _run_question(case: Case, ask: Callable[..., Answer] | None,
                  retrieve: Callable[..., Sequence[Hit]] | None, gold: Sequence[str]) -> CaseResult:
    assert case.question is not None
    when = {"as_of": case.as_of} if case.as_of else {}  # only then: one-argument callables serve other suites
    answer = ask(case.question, **when) if ask is not None else None
    hits = answer.hits if answer is not None else retrieve(case.question, **when)  # type: ignore[misc]
    retrieved = tuple(_dedupe(h.chunk.doc_id for h in hits))
    metrics: dict[str, Value] = {}
    if gold:
        metrics.update(hit_at_k=hit_at_k(retrieved, gold), recall_at_k=recall_at_k(retrieved, gold),
                       mrr_at_k=mrr_at_k(retrieved, gold))
    if answer is None:
        return CaseResult(case.id, case.type, case.question, retrieved, metrics=metrics,
                          details=answer_evidence(case, None, hits))
    more, details = _answer_metrics(case, answer, gold)
    return CaseResult(case.id, case.type, case.question, retrieved, answer.answer, answer.abstained,
                      tuple(dataclasses.asdict(c) for c in answer.citations), {**metrics, **more},
                      {**details, **answer_evidence(case, answer, hits)})


def _gold(case: Case, index_doc_ids: set[str] | frozenset[str], warnings: list[str]) -> tuple[str, ...]:
    """The case's gold doc ids that are in the index; the others are warned about, not scored."""
    ids = case.must_cite if case.type == "briefing" else case.sources
    missing = [d for d in ids if d not in index_doc_ids]
    if missing:
        warnings.append(f"case {case.id!r}: gold source(s) not in the index, not scored: {', '.join(missing)}")
    return tuple(d for d in ids if d in index_doc_ids)


def run_suite(suite: Suite, *, retrieve: Callable[..., Sequence[Hit]] | None,
              ask: Callable[..., Answer] | None, brief: Callable[[Case], BriefRun] | None,
              index_doc_ids: set[str], on_case: Callable[[CaseResult], None] | None = None) -> Report:
    """Run every case; `ask=None` scores retrieval only; briefing cases need `brief`. A case with an
    `as_of` date passes it to `ask` and `retrieve` as the keyword `as_of`."""
    if ask is None and retrieve is None and any(c.type != "briefing" for c in suite.cases):
        raise ValueError("run_suite needs `ask` or `retrieve` for question cases")
    warnings: list[str] = []
    results: list[CaseResult] = []
    for case in suite.cases:
        gold = _gold(case, index_doc_ids, warnings)
        if case.type == "briefing":
            if brief is None:
                warnings.append(f"case {case.id!r}: briefing case skipped (briefs are not run)")
                continue
            metrics, details = _brief_metrics(case, (out := brief(case)), gold)
            result = CaseResult(case.id, case.type, case.topic or case.question, answer=out.text,
                                citations=tuple({"doc_id": d} for d in out.cited_doc_ids),
                                metrics=metrics, details={**details, "gold": gold_labels(case)})
        else:
            result = _run_question(case, ask, retrieve, gold)
        log.debug("case %s: %s", case.id, result.metrics)
        results.append(result)
        if on_case is not None:
            on_case(result)
    summary = summarize(results)
    warnings += [f"threshold {name} not checked: no case measured it"
                 for name in suite.thresholds if summary.get(name) is None]
    return Report(suite.path, tuple(results), summary, dict(suite.thresholds), tuple(warnings),
                  tuple(check_thresholds(summary, suite.thresholds)), summarize_by_tag(results, suite.cases))


def summarize_by_tag(results: Sequence[CaseResult], cases: Sequence[Case]) -> dict[str, dict[str, float | None]]:
    """The summary over each tag's cases (e.g. the date questions), reported beside the whole suite's."""
    tags_of = {c.id: c.tags for c in cases}
    tags = sorted({t for c in cases for t in c.tags})
    return {t: summarize([r for r in results if t in tags_of.get(r.id, ())]) for t in tags}


# --- summary, thresholds, comparison ------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarize(results: Sequence[CaseResult]) -> dict[str, float | None]:
    """Each summary metric over the cases it applies to: a mean, or a percentile for times."""
    def values(key: str) -> list[float]:
        return [float(r.metrics[key]) for r in results if r.metrics.get(key) is not None]  # type: ignore[arg-type]

    out: dict[str, float | None] = {}
    for name in SUMMARY_METRICS:
        if name in _PERCENTILES:
            key, q = _PERCENTILES[name]
            out[name] = percentile(values(key), q)
        else:
            xs = values(_MEANS.get(name, name))
            out[name] = sum(xs) / len(xs) if xs else None
    return out


def _fmt(name: str, value: float) -> str:
    return f"{value:.0f}" if name in UNBOUNDED else f"{value:.3f}"


def check_thresholds(summary: Mapping[str, float | None], thresholds: Mapping[str, float]) -> list[str]:
    """One line per metric on the wrong side of its level (a maximum for lower-is-better metrics)."""
    failures = []
    for name, level in thresholds.items():
        value = summary.get(name)
        if value is None:
            continue
        if name in LOWER_IS_BETTER and value > level + _EPS:
            failures.append(f"{name} {_fmt(name, value)} is above the maximum {_fmt(name, level)}")
        elif name not in LOWER_IS_BETTER and value < level - _EPS:
            failures.append(f"{name} {_fmt(name, value)} is below the minimum {_fmt(name, level)}")
    return failures


def _regressed(name: str, old: float, new: float) -> bool:
    if name in UNBOUNDED:  # milliseconds and tokens: lower is better, judged relative to the old value
        return new > old * (1 + RELATIVE_TOLERANCE) + _EPS
    worse = new - old if name in LOWER_IS_BETTER else old - new
    return worse > RATE_TOLERANCE + _EPS


def compare(summary: Mapping[str, float | None], baseline_summary: Mapping[str, float | None]) -> list[Change]:
    """Each metric either run measured, old -> new, and whether it moved the wrong way too far."""
    changes = []
    for name in SUMMARY_METRICS:
        old, new = baseline_summary.get(name), summary.get(name)
        if old is None and new is None:
            continue
        if old is None or new is None:
            changes.append(Change(name, old, new, None, False))
        else:
            changes.append(Change(name, old, new, new - old, _regressed(name, old, new)))
    return changes


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def report_to_json(report: Report, config: Mapping[str, Any]) -> dict[str, Any]:
    """The report as plain JSON data, with the configuration it was run under."""
    return _jsonable({
        "suite": report.suite_path, "config": config, "summary": report.summary,
        "thresholds": report.thresholds, "failed": report.failed, "warnings": report.warnings,
        "by_tag": report.by_tag,
        "cases": [dataclasses.asdict(c) for c in report.cases],
    })
