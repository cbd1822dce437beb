"""Read saved eval reports: each case's outcome and the reason for it, and what changed between two runs.

Does: load a `rag eval --json` file, name a case's outcome (right, wrong, false abstention, rightly
abstained, answered but unanswerable, ...), say why in one line from what the report recorded, and
diff two runs: cases that flipped (fixed / broken / changed), cases added or removed, metric deltas
(`rag.evaluation.evaluate.compare`) and configuration differences (model, k, prompt hash, ...).
Works on reports written before per-case evidence was recorded: what is missing is "not recorded".
Does not: run anything, score anything anew, or render (`rag.evaluation.html`, the CLI).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from rag.core.errors import EvalFileError
from rag.evaluation.evaluate import Change, compare

RIGHT, WRONG, UNSCORED = "right", "wrong", "unscored"
FALSE_ABSTENTION, RIGHTLY_ABSTAINED, ANSWERED_UNANSWERABLE = (
    "false abstention", "rightly abstained", "answered but unanswerable")
HIT, MISS = "retrieved", "missed"  # retrieval-only runs: a gold document was (not) retrieved
OUTCOMES = (RIGHT, WRONG, FALSE_ABSTENTION, RIGHTLY_ABSTAINED, ANSWERED_UNANSWERABLE, HIT, MISS, UNSCORED)
GOOD = frozenset({RIGHT, RIGHTLY_ABSTAINED, HIT})
BAD = frozenset({WRONG, FALSE_ABSTENTION, ANSWERED_UNANSWERABLE, MISS})
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Flip:
    """A case whose outcome differs between the old and the new run."""

    case_id: str
    type: str
    old: str
    new: str

    @property
    def kind(self) -> str:
        """'fixed' (bad -> good), 'broken' (good -> bad) or 'changed' (anything else)."""
        if self.old in BAD and self.new in GOOD:
            return "fixed"
        if self.old in GOOD and self.new in BAD:
            return "broken"
        return "changed"


@dataclass(frozen=True)
class ConfigChange:
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RunDiff:
    """What changed from `old_name` to `new_name`."""

    old_name: str
    new_name: str
    fixed: tuple[Flip, ...]
    broken: tuple[Flip, ...]
    changed: tuple[Flip, ...]
    added: tuple[str, ...]  # case ids only the new run has
    removed: tuple[str, ...]  # case ids only the old run has
    metrics: tuple[Change, ...]
    config: tuple[ConfigChange, ...]

    @property
    def regressed(self) -> tuple[str, ...]:
        return tuple(c.metric for c in self.metrics if c.regressed)


def load_run(path: Path) -> dict[str, Any]:
    """A saved `rag eval --json` report; an `EvalFileError` when the file is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read an eval report ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list) or not isinstance(data.get("summary"), dict):
        raise EvalFileError(f"{path}: not an eval report (no 'summary' and 'cases'); write one with rag eval --json")
    return data


def outcome(case: Mapping[str, Any]) -> str:
    """The case's outcome, from its metrics and whether it abstained."""
    m = case.get("metrics") or {}
    if case.get("type") == "briefing":
        checks = [m.get(k) for k in ("brief_mention_rate", "brief_cite_rate", "brief_length_ok") if m.get(k) is not None]
        return UNSCORED if not checks else RIGHT if all(float(v) >= 1.0 for v in checks) else WRONG
    if case.get("abstained") is None:  # retrieval only: no answer was asked for
        hit = m.get("hit_at_k")
        return UNSCORED if hit is None else HIT if hit else MISS
    if case.get("type") == "unanswerable":
        return RIGHTLY_ABSTAINED if case["abstained"] else ANSWERED_UNANSWERABLE
    if case["abstained"]:
        return FALSE_ABSTENTION
    correct = m.get("answer_accuracy")
    return UNSCORED if correct is None else RIGHT if correct else WRONG


def _join(items: Sequence[Any]) -> str:
    return ", ".join(f"'{' / '.join(i) if isinstance(i, list) else i}'" for i in items)


def _abstain_reason(d: Mapping[str, Any]) -> str:
    if "sentences" not in d:
        return "the system abstained (why was not recorded in this report)"
    said = d["sentences"]
    if not said:
        best = d.get("best_similarity")
        near = f" (best similarity {best:.2f})" if isinstance(best, (int, float)) else ""
        return f"the system abstained without a checkable answer: retrieval found nothing close enough{near}, " \
               "or the model wrote nothing"
    ok = sum(bool(s.get("supported")) for s in said)
    if ok == len(said):  # every sentence checks out, so the refusal came from the model's own words
        return "the system abstained: the model said the sources do not answer"
    return f"the system abstained: the verifier supported {ok} of {len(said)} sentences of the model's text"


def reason(case: Mapping[str, Any]) -> str:
    """One line saying why the case got its outcome, from what the report recorded."""
    kind, d, m = outcome(case), case.get("details") or {}, case.get("metrics") or {}
    gold = d.get("gold") or {}
    forbidden = d.get("forbidden_found") or []
    extra = f"; it contains forbidden text: {_join(forbidden)}" if forbidden else ""
    if kind in (FALSE_ABSTENTION, RIGHTLY_ABSTAINED):
        return _abstain_reason(d) + extra
    if kind == ANSWERED_UNANSWERABLE:
        return "the articles do not answer this, but the system answered" + extra
    if kind in (RIGHT, WRONG) and case.get("type") == "briefing":
        missing, uncited = d.get("missing_mentions") or [], d.get("uncited") or []
        parts = [f"does not mention {_join(missing)}" if missing else "", f"does not cite {_join(uncited)}" if uncited else "",
                 f"{d.get('words')} words, over the limit" if m.get("brief_length_ok") is False else ""]
        return "; ".join(p for p in parts if p) or "mentions and cites everything the case asks for"
    if kind == RIGHT:
        return "the answer contains a gold answer and every required term" + extra
    if kind == WRONG:
        if not gold:
            return "the answer does not match the gold answers (not recorded in this report)" + extra
        need = [f"one of {_join(gold.get('answers') or [])}"] if gold.get("answers") else []
        need += [f"one of {_join(g)}" for g in gold.get("must_include") or []]
        return "the answer lacks what the gold labels require: " + "; and ".join(need) + extra
    if kind in (HIT, MISS):
        return "a gold document was retrieved" if kind == HIT else "no gold document was retrieved"
    return "nothing to score this case against"


def _by_id(run: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("id")): c for c in run.get("cases") or []}


def config_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[ConfigChange, ...]:
    """Every configuration key (and the suite) whose value differs, in a stable order."""
    a = {"suite": old.get("suite"), **(old.get("config") or {})}
    b = {"suite": new.get("suite"), **(new.get("config") or {})}
    keys = list(dict.fromkeys([*a, *b]))
    return tuple(ConfigChange(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k))


def diff_runs(old: Mapping[str, Any], new: Mapping[str, Any], old_name: str = "old", new_name: str = "new") -> RunDiff:
    """What changed from the `old` run to the `new` one (both `rag eval --json` data)."""
    before, after = _by_id(old), _by_id(new)
    flips = [Flip(cid, str(c.get("type")), outcome(before[cid]), outcome(c))
             for cid, c in after.items() if cid in before and outcome(before[cid]) != outcome(c)]
    return RunDiff(
        old_name, new_name,
        fixed=tuple(f for f in flips if f.kind == "fixed"),
        broken=tuple(f for f in flips if f.kind == "broken"),
        changed=tuple(f for f in flips if f.kind == "changed"),
        added=tuple(cid for cid in after if cid not in before),
        removed=tuple(cid for cid in before if cid not in after),
        metrics=tuple(compare(new.get("summary") or {}, old.get("summary") or {})),
        config=config_changes(old, new),
    )
