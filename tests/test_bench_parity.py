"""bench.parity on a fixed report: the two halves by id parity and their means."""
from __future__ import annotations

from bench.parity import halves


def test_cases_split_by_the_parity_of_their_id() -> None:
    def case(cid: str, hit: float, recall: float, mrr: float) -> dict:
        return {"id": cid, "metrics": {"hit_at_k": hit, "recall_at_k": recall, "mrr_at_k": mrr}}
    report = {"cases": [case("q1", 1, 0.5, 1.0), case("q2", 0, 0.0, 0.0), case("q3", 1, 1.0, 0.5),
                        {"id": "q4", "metrics": {"hit_at_k": None}}]}
    h = halves(report)
    assert h["all"] == (3, (2 / 3, 0.5, 0.5))
    assert h["odd"] == (2, (1.0, 0.75, 0.75))
    assert h["even"] == (1, (0.0, 0.0, 0.0))
