"""`rag eval`: the question-file parser, every metric on hand-made inputs, the runner with fakes that
implement the real callables, and the seed question file's gold labels checked against the seeds."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from rag.core.config import PROJECT_ROOT
from rag.core.errors import EvalFileError
from rag.core.types import Answer, Chunk, Citation, Hit, Sentence, Source, Timings
from rag.evaluation.cases import Case, Suite, load_suite
from rag.evaluation.evaluate import (
    CaseResult,
    answer_f1,
    brief_words,
    check_thresholds,
    citation_coverage,
    citation_support,
    citation_validity,
    compare,
    forbidden,
    gold_cite_hit,
    hit_at_k,
    is_correct,
    mrr_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
    report_to_json,
    run_suite,
    shortcut_answer,
    shortcut_ask,
    summarize,
    summarize_by_tag,
    token_f1,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS_YAML = ROOT / "tests" / "eval" / "seeds.yaml"
WIKINEWS_YAML = ROOT / "tests" / "eval" / "wikinews-dev.yaml"
# The shared corpora sit beside the clone (../shared in CI); RAG_TEST_CORPORA points elsewhere.
CORPORA = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def hit(doc_id: str, pos: int = 0, text: str = "text") -> Hit:
    return Hit(Chunk(f"{doc_id}:{pos}", doc_id, pos, 0, len(text), text, doc_id.upper(), 3), 1.0)


# --- the question file -------------------------------------------------------------------------

def test_yaml_list_of_cases(tmp_path: Path) -> None:
    p = write(tmp_path, "q.yaml", """
- id: envoy
  question: Who was the US envoy?
  answers: [Witkoff, Steve Witkoff]
  must_include: [Witkoff, [envoy, special envoy]]
  sources: ["003"]
  notes: checked by hand
""")
    suite = load_suite(p)
    assert suite.path == str(p) and suite.thresholds == {}
    assert suite.cases == (Case(id="envoy", type="factual", question="Who was the US envoy?",
                                answers=("Witkoff", "Steve Witkoff"),
                                must_include=(("Witkoff",), ("envoy", "special envoy")),
                                sources=("003",), notes="checked by hand"),)


def test_jsonl_one_case_per_line(tmp_path: Path) -> None:
    lines = [{"id": "a", "question": "Where?", "answers": ["Muscat"], "sources": ["004"]},
             {"id": "b", "question": "Capital of France?", "unanswerable": True}]
    p = write(tmp_path, "q.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    a, b = load_suite(p).cases
    assert (a.id, a.type, a.answers, a.sources) == ("a", "factual", ("Muscat",), ("004",))
    assert (b.id, b.type, b.unanswerable) == ("b", "unanswerable", True)


def test_mapping_with_defaults_and_thresholds(tmp_path: Path) -> None:
    p = write(tmp_path, "q.yaml", """
defaults:
  sources: ["004"]
  must_not_include: [Paris]
thresholds: {answer_accuracy: 0.8, false_abstention_rate: 0.1, total_ms_p90: 5000}
cases:
  - {id: a, question: Where, answers: [Muscat]}
  - {id: b, question: Who, answers: [Witkoff], sources: ['003']}
""")
    suite = load_suite(p)
    assert suite.thresholds == {"answer_accuracy": 0.8, "false_abstention_rate": 0.1, "total_ms_p90": 5000.0}
    a, b = suite.cases
    assert a.sources == ("004",) and b.sources == ("003",)
    assert a.must_not_include == b.must_not_include == ("Paris",)


def test_type_inference(tmp_path: Path) -> None:
    p = write(tmp_path, "q.yaml", """
- {id: f, question: Q, answers: [x], sources: [d1]}
- {id: m, question: Q, must_include: [[x], [y]], sources: [d1, d2]}
- {id: u, question: Q, unanswerable: true}
- {id: b, topic: The talks, must_mention: [Oman], must_cite: [d1, d2], max_words: 200}
- {id: t, type: multi_source, question: Q, sources: [d1]}
""")
    cases = {c.id: c for c in load_suite(p).cases}
    assert {k: c.type for k, c in cases.items()} == {
        "f": "factual", "m": "multi_source", "u": "unanswerable", "b": "briefing", "t": "multi_source"}
    assert cases["b"].must_mention == (("Oman",),) and cases["b"].max_words == 200 and cases["b"].question is None


@pytest.mark.parametrize("name, text, problem", [
    ("bad.yaml", "- id: a\n  question: [unclosed\n", "not valid YAML"),
    ("scalar.yaml", "just a string\n", "expected a list of cases"),
    ("noid.yaml", "- {id: a, question: Q}\n- {question: Q}\n", "case #2: missing 'id'"),
    ("noq.yaml", "- {id: a, answers: [x]}\n", "case 'a' (case #1): missing 'question'"),
    ("key.yaml", "- {id: a, question: Q, anwsers: [x]}\n", "case 'a' (case #1): unknown key 'anwsers'"),
    ("dup.yaml", "- {id: a, question: Q}\n- {id: a, question: R}\n", "case 'a' (case #2): duplicate id 'a'"),
    ("thr.yaml", "thresholds: {accuracy: 0.8}\ncases: [{id: a, question: Q}]\n", "unknown metric 'accuracy'"),
    ("type.yaml", "- {id: a, question: Q, type: trivia}\n", "case 'a' (case #1): unknown type 'trivia'"),
    ("types.yaml", "- {id: a, question: Q, answers: {x: 1}}\n", "case 'a' (case #1): 'answers' must be"),
    ("bool.yaml", "- {id: a, question: Q, unanswerable: 'yes'}\n", "'unanswerable' must be true or false"),
    ("empty.yaml", "- {id: a, question: Q, answers: [The]}\n", "empty once normalised"),
    ("mixed.yaml", "- {id: a, question: Q, must_mention: [x]}\n", "'must_mention' does not apply"),
    ("una.yaml", "- {id: a, question: Q, unanswerable: true, answers: [x]}\n", "cannot have answers"),
    ("num.yaml", "- {id: a, question: Q, sources: [004]}\n", "sources: 4 was read as a number"),
    ("bad.jsonl", '{"id": "a", "question": "Q?"}\n{"id": "b",\n', "line 2: not valid JSON"),
    ("asof.yaml", "- {id: a, question: Q, as_of: '17 Nov 2004'}\n", "'as_of' must be a date YYYY-MM-DD"),
    ("feb31.yaml", "- {id: a, question: Q, as_of: '2004-02-31'}\n", "'as_of' must be a date YYYY-MM-DD"),
    ("feb31bare.yaml", "- {id: a, question: Q, as_of: 2004-02-31}\n", "not valid YAML"),
])
def test_malformed_files_name_file_case_and_problem(tmp_path: Path, name: str, text: str, problem: str) -> None:
    p = write(tmp_path, name, text)
    with pytest.raises(EvalFileError) as e:
        load_suite(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:") and problem in msg and "\n" not in msg


def test_tags_and_as_of(tmp_path: Path) -> None:
    p = write(tmp_path, "q.yaml", """
- {id: a, question: 'What happened last week?', tags: [date, relative], as_of: 2004-11-20}
- {id: b, question: 'When?', tags: date, as_of: '2004-11-17'}
- {id: c, question: 'Who?'}
""")
    a, b, c = load_suite(p).cases
    assert a.tags == ("date", "relative") and a.as_of == dt.date(2004, 11, 20)
    assert b.tags == ("date",) and b.as_of == dt.date(2004, 11, 17)
    assert c.tags == () and c.as_of is None


def test_missing_file_is_an_eval_file_error(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="cannot read"):
        load_suite(tmp_path / "nope.yaml")


# --- answer metrics ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, normal", [
    ("The  Cat's hat!", "cats hat"),
    ("An apple a day", "apple day"),
    ("the U.S. envoy", "us envoy"),
    ("a \u2018Good Beginning,\u2019", "good beginning"),
    ("face-to-face \u2014 talks", "face to face talks"),
    ("Theatre", "theatre"),
    ("on January 30th, the 1st and 22nd", "on january 30 1 and 22"),
    ("the 4th-largest, 5thly", "4 largest 5thly"),
    ("Chlo\u00e9 Zhao, S\u00e3o Paulo", "chloe zhao sao paulo"),
    ("a 39-inch figure, 39 inches", "39 inch figure 39 inch"),
    ("a nine-month term: nine months, 3 classes", "nine month term nine month 3 class"),
    ("two US states, 2 was", "two us states 2 was"),
])
def test_normalize_answer(raw: str, normal: str) -> None:
    assert normalize_answer(raw) == normal


def test_token_f1() -> None:
    assert token_f1("the cat sat", "cat sat on mat") == pytest.approx(2 / 3)
    assert token_f1("Steve Witkoff", "Witkoff") == pytest.approx(2 / 3)
    assert token_f1("Witkoff", "witkoff.") == 1.0
    assert token_f1("Muscat", "Tehran") == 0.0
    assert token_f1("", "") == 1.0 and token_f1("the", "x") == 0.0


def test_is_correct_any_answer_and_every_group() -> None:
    case = Case("c", "factual", "Q?", answers=("Witkoff", "Steve Witkoff"), must_include=(("Araghchi",),))
    assert is_correct("Steve Witkoff met Abbas Araghchi.", case) is True
    assert is_correct("Witkoff attended.", case) is False  # a group is missing
    assert is_correct("Araghchi attended.", case) is False  # no answer
    groups = Case("g", "multi_source", "Q?", must_include=(("Yemen", "Jerusalem"), ("Iraq", "Lebanon")))
    assert is_correct("Jerusalem and Lebanon.", groups) is True
    assert is_correct("Omani officials", Case("o", "factual", "Q?", answers=("Oman",))) is False  # whole words
    assert is_correct("anything", Case("n", "factual", "Q?")) is None
    assert answer_f1("Steve Witkoff", case) == 1.0 and answer_f1("x", Case("n", "factual", "Q?")) is None


def test_a_two_word_name_counts_in_either_order() -> None:
    mulan = Case("m", "factual", "Q?", answers=("Yifei Liu",))
    assert is_correct("Liu Yifei is starring as Mulan.", mulan) is True  # family name first
    assert is_correct("Yifei Liu stars.", mulan) is True and is_correct("Liu stars.", mulan) is False
    # only a name of two capitalised words: a date or a lower-case phrase keeps its order
    assert is_correct("10 December", Case("d", "factual", "Q?", answers=("December 10",))) is False
    assert is_correct("months nine", Case("n", "factual", "Q?", answers=("nine months",))) is False


def test_forbidden() -> None:
    case = Case("c", "unanswerable", "Q?", must_not_include=("Paris", "Badr Albusaidi"))
    assert forbidden("It is Paris.", case) == ["Paris"]
    assert forbidden("The articles don't say.", case) == []


# --- retrieval metrics -------------------------------------------------------------------------

def test_hit_recall_mrr() -> None:
    ranked = ["a", "b", "a", "c"]
    assert hit_at_k(ranked, {"c"}) is True and hit_at_k(ranked, {"x"}) is False
    assert recall_at_k(ranked, {"c", "d"}) == 0.5 and recall_at_k(ranked, {"a", "b"}) == 1.0
    assert mrr_at_k(ranked, {"c"}) == pytest.approx(1 / 3)  # the repeated "a" does not push "c" down
    assert mrr_at_k(ranked, {"b", "c"}) == 0.5 and mrr_at_k(ranked, {"x"}) == 0.0


# --- citation metrics --------------------------------------------------------------------------

def cited_answer(abstained: bool = False) -> Answer:
    sources = (Source(1, "a", "A", "text a", ("a:0",)), Source(2, "b", "B", "text b", ("b:0",)))
    citations = (Citation(1, "a", "A", "a:0", "quote", True), Citation(3, "x", "X", "x:0", "quote", False))
    sentences = (Sentence("Witkoff went.", (1,), True), Sentence("Araghchi spoke.", (), False),
                 Sentence("Muscat.", (), False))
    return Answer("Q?", "Witkoff went [1]. Araghchi spoke. Muscat [3].", abstained, citations, (hit("a"),),
                  sources, sentences, Timings(10.0, 200.0, 1000.0, 500, 40))


def test_citation_metrics() -> None:
    ans = cited_answer()
    assert citation_validity(ans) == 0.5  # [1] names a source, [3] does not
    assert citation_coverage(ans) == pytest.approx(1 / 3)
    assert citation_support(ans) == 0.5
    assert gold_cite_hit(ans, {"a"}) is True and gold_cite_hit(ans, {"b"}) is False
    assert gold_cite_hit(ans, set()) is None
    bare = Answer("Q?", "No citations here.", False)
    assert citation_validity(bare) is None and citation_coverage(bare) is None and citation_support(bare) is None


def test_brief_words_skip_markers_and_symbols() -> None:
    assert brief_words("# Talks\n\n- Oman mediated [1][2].\n- Araghchi, Witkoff [3] — met.") == 6


# --- summary, thresholds, comparison ------------------------------------------------------------

def test_percentile_interpolates() -> None:
    xs = [float(x) for x in range(10, 0, -1)]
    assert percentile(xs, 90) == pytest.approx(9.1) and percentile(xs, 50) == pytest.approx(5.5)
    assert percentile([7.0], 90) == 7.0 and percentile([], 50) is None


def test_summary_means_and_none_for_no_applicable_case() -> None:
    results = [CaseResult("a", "factual", "Q", metrics={"answer_accuracy": True, "ttft_ms": 100.0}),
               CaseResult("b", "factual", "Q", metrics={"answer_accuracy": False, "ttft_ms": 300.0}),
               CaseResult("c", "factual", "Q", metrics={"answer_accuracy": None})]
    s = summarize(results)
    assert s["answer_accuracy"] == 0.5 and s["ttft_ms_p50"] == 200.0 and s["ttft_ms_p90"] == pytest.approx(280.0)
    assert s["abstention_rate"] is None and s["brief_coverage"] is None


def test_summary_by_tag_covers_only_the_tagged_cases() -> None:
    cases = [Case("a", "factual", "Q", tags=("date",)), Case("b", "factual", "Q"),
             Case("c", "unanswerable", "Q", unanswerable=True, tags=("date", "hard"))]
    results = [CaseResult("a", "factual", "Q", metrics={"answer_accuracy": True}),
               CaseResult("b", "factual", "Q", metrics={"answer_accuracy": False}),
               CaseResult("c", "unanswerable", "Q", metrics={"abstention_rate": False})]
    by_tag = summarize_by_tag(results, cases)
    assert set(by_tag) == {"date", "hard"}
    assert by_tag["date"]["answer_accuracy"] == 1.0 and by_tag["date"]["abstention_rate"] == 0.0
    assert by_tag["hard"]["answer_accuracy"] is None
    assert summarize_by_tag(results, [Case("a", "factual", "Q")]) == {}


def test_check_thresholds_direction() -> None:
    summary = {"answer_accuracy": 0.7, "false_abstention_rate": 0.3, "hit_at_k": 0.95, "total_ms_p90": 900.0,
               "abstention_rate": None}
    failures = check_thresholds(summary, {"answer_accuracy": 0.8, "false_abstention_rate": 0.2, "hit_at_k": 0.9,
                                          "total_ms_p90": 1000.0, "abstention_rate": 0.9})
    assert failures == ["answer_accuracy 0.700 is below the minimum 0.800",
                        "false_abstention_rate 0.300 is above the maximum 0.200"]
    assert check_thresholds({"answer_accuracy": 0.8}, {"answer_accuracy": 0.8}) == []


def test_compare_flags_moves_the_wrong_way() -> None:
    old = {"answer_accuracy": 0.80, "hit_at_k": 0.80, "false_abstention_rate": 0.10, "forbidden_rate": 0.10,
           "total_ms_p50": 1000.0, "ttft_ms_p90": 1000.0, "brief_coverage": 0.5}
    new = {"answer_accuracy": 0.78, "hit_at_k": 0.77, "false_abstention_rate": 0.15, "forbidden_rate": 0.0,
           "total_ms_p50": 1100.0, "ttft_ms_p90": 1101.0, "citation_validity": 1.0}
    got = {c.metric: c for c in compare(new, old)}
    assert {m for m, c in got.items() if c.regressed} == {"hit_at_k", "false_abstention_rate", "ttft_ms_p90"}
    assert got["answer_accuracy"].delta == pytest.approx(-0.02)
    assert got["forbidden_rate"].regressed is False  # fell: an improvement
    assert got["brief_coverage"] == ("brief_coverage", 0.5, None, None, False)
    assert got["citation_validity"].old is None and "abstention_rate" not in got


# --- the runner --------------------------------------------------------------------------------

SUITE = Suite(cases=(
    Case("who", "factual", "Who was the envoy?", answers=("Witkoff",), sources=("a",)),
    Case("both", "multi_source", "Who and where?", must_include=(("Witkoff",), ("Muscat",)), sources=("a", "z")),
    Case("paris", "unanswerable", "Capital of France?", unanswerable=True, must_not_include=("Paris",)),
    Case("brief", "briefing", topic="The talks", must_mention=(("Oman",), ("Araghchi",)), must_cite=("a", "b"),
         max_words=5),
), thresholds={"answer_accuracy": 0.9, "abstention_rate": 0.5}, path="q.yaml")


def fake_ask(question: str) -> Answer:
    """Implements the real `ask` callable: a cited answer, a wrong one, and an abstention."""
    if question.startswith("Who was"):
        return cited_answer()
    if question.startswith("Capital"):
        return Answer(question, "The articles don't say. Closest: Paris is mentioned.", True, hits=(hit("b"),),
                      timings=Timings(5.0, 0.0, 5.0, 0, 0))
    return Answer(question, "Witkoff.", False, hits=(hit("b"), hit("a")), timings=Timings(1.0, 100.0, 500.0, 300, 9))


class FakeBrief:
    text = "# Talks\nOman hosted the talks [1]. More words here."
    cited_doc_ids = ["a"]
    sentences_total = 2
    sentences_cited = 1


def test_run_suite_scores_answers_abstentions_and_briefs() -> None:
    seen: list[str] = []
    report = run_suite(SUITE, retrieve=None, ask=fake_ask, brief=lambda case: FakeBrief(),
                       index_doc_ids={"a", "b"}, on_case=lambda r: seen.append(r.id))
    assert seen == ["who", "both", "paris", "brief"]
    who, both, paris, brief = report.cases
    assert who.retrieved == ("a",) and who.metrics["answer_accuracy"] is True and who.metrics["mrr_at_k"] == 1.0
    assert who.citations[0]["doc_id"] == "a" and who.metrics["gold_cite_hit"] is True
    assert both.metrics["answer_accuracy"] is False and both.metrics["mrr_at_k"] == 0.5
    assert both.metrics["recall_at_k"] == 1.0  # "z" is not in the index: excluded, not a miss
    assert paris.metrics["abstention_rate"] is True and paris.metrics["forbidden_rate"] is False
    assert "answer_accuracy" not in paris.metrics and "hit_at_k" not in paris.metrics
    assert brief.metrics == {"brief_mention_rate": 0.5, "brief_cite_rate": 0.5, "brief_coverage": 0.5,
                             "brief_length_ok": False}
    s = report.summary
    assert s["answer_accuracy"] == 0.5 and s["abstention_rate"] == 1.0 and s["false_abstention_rate"] == 0.0
    assert s["hit_at_k"] == 1.0 and s["mrr_at_k"] == 0.75 and s["answer_f1"] == 0.25
    assert s["ttft_ms_p50"] == 150.0 and s["total_ms_p50"] == 500.0 and s["prompt_tokens_mean"] == 400.0
    assert report.failed == ("answer_accuracy 0.500 is below the minimum 0.900",)
    assert report.warnings == ("case 'both': gold source(s) not in the index, not scored: z",)
    data = report_to_json(report, {"model": "tiny", "workspace": Path("/tmp/ws"), "k": 6})
    assert json.loads(json.dumps(data)) == data
    assert data["config"]["workspace"] == "/tmp/ws" and len(data["cases"]) == 4


def test_run_suite_retrieval_only_skips_answers_and_briefs() -> None:
    asked: list[str] = []

    def retrieve(question: str) -> list[Hit]:
        asked.append(question)
        return [hit("b"), hit("b", 1), hit("a")]

    report = run_suite(SUITE, retrieve=retrieve, ask=None, brief=None, index_doc_ids={"a", "b", "z"})
    assert asked == ["Who was the envoy?", "Who and where?", "Capital of France?"]
    assert [r.id for r in report.cases] == ["who", "both", "paris"]
    assert report.cases[0].retrieved == ("b", "a") and report.cases[0].answer is None
    s = report.summary
    assert s["mrr_at_k"] == 0.5 and s["recall_at_k"] == 0.75 and s["answer_accuracy"] is None
    assert "case 'brief': briefing case skipped (briefs are not run)" in report.warnings
    assert "threshold answer_accuracy not checked: no case measured it" in report.warnings
    assert report.failed == ()


def test_shortcut_baseline_answers_with_the_top_chunk() -> None:
    hits = [hit("a", 0, "Steve Witkoff attended."), hit("b", 0, "Other.")]
    assert shortcut_answer(hits) == "Steve Witkoff attended." and shortcut_answer([]) == ""
    answer = shortcut_ask(lambda q: hits)("Who?")
    assert answer.answer == "Steve Witkoff attended." and not answer.abstained and answer.hits == tuple(hits)
    assert shortcut_ask(lambda q: [])("Who?").abstained is True


# --- the seed question file ----------------------------------------------------------------------

def test_seed_questions_have_checkable_gold_labels() -> None:
    suite = load_suite(SEEDS_YAML)
    counts = Counter(c.type for c in suite.cases)
    assert len(suite.cases) >= 25
    assert counts["factual"] >= 17 and counts["multi_source"] >= 3 and counts["unanswerable"] >= 5
    assert counts["briefing"] == 2 and suite.thresholds["hit_at_k"] >= 0.8
    seeds = {p.stem: normalize_answer(p.read_text(encoding="utf-8")) for p in (ROOT / "seeds").glob("*.txt")}
    for case in suite.cases:
        assert set(case.sources) | set(case.must_cite) <= set(seeds), case.id
    assert_gold_labels(suite, seeds)
    for case in (c for c in suite.cases if c.type == "briefing"):
        assert set(case.must_cite) == set(seeds) and case.max_words


def _occurs(needle: str, normalised_text: str) -> bool:
    return f" {normalize_answer(needle)} " in f" {normalised_text} "


def assert_gold_labels(suite: Suite, texts: dict[str, str]) -> None:
    """Every gold string is in a gold article; texts: doc id -> normalised text of the whole corpus."""
    for case in suite.cases:
        gold = [texts[d] for d in case.sources]
        for answer in case.answers if case.type == "factual" else ():
            assert any(_occurs(answer, text) for text in gold), (case.id, answer)
        for group in case.must_include:
            assert any(_occurs(s, text) for s in group for text in gold), (case.id, group)
        if case.type == "multi_source":
            assert len(case.sources) == 2
            for text in gold:  # each gold article is needed: neither alone satisfies every group
                assert not all(any(_occurs(s, text) for s in g) for g in case.must_include), case.id
        for s in case.must_not_include:  # a forbidden string is never in the articles themselves
            assert not any(_occurs(s, text) for text in texts.values()), (case.id, s)


@pytest.mark.skipif(not (CORPORA / "wikinews-dev" / "docs").is_dir(), reason="the shared corpora are not here")
def test_wikinews_questions_have_checkable_gold_labels() -> None:
    corpus = CORPORA / "wikinews-dev"
    suite = load_suite(WIKINEWS_YAML)
    texts = {p.stem: normalize_answer(p.read_text(encoding="utf-8")) for p in (corpus / "docs").glob("*.txt")}
    story_of = {d: s["story"] for s in json.loads((corpus / "stories.json").read_text()) for d in s["doc_ids"]}
    header = WIKINEWS_YAML.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    left_out = set(re.findall(r"\bwn\d{3}_\d+\b", header))  # junk and non-articles named in the header
    stories: set[int] = set()
    for case in suite.cases:
        assert set(case.sources) <= set(texts) and not set(case.sources) & left_out, case.id
        assert len({story_of[d] for d in case.sources}) <= 1, case.id  # two articles of one story
        if case.type == "unanswerable":  # names the corpus story it is about
            m = re.match(r"story (\d+)\.", case.notes or "")
            assert m and int(m.group(1)) in story_of.values(), case.id
            stories.add(int(m.group(1)))
        stories |= {story_of[d] for d in case.sources}
    assert left_out and left_out <= set(texts)
    assert_gold_labels(suite, texts)
    counts = Counter(c.type for c in suite.cases)
    assert len(suite.cases) >= 48 and len(stories) >= 22
    assert counts["multi_source"] >= 8 and counts["unanswerable"] >= 10
    assert sum("date" in c.tags for c in suite.cases) >= 8
    assert suite.thresholds["answer_accuracy"] >= 0.85 and suite.thresholds["abstention_rate"] >= 0.9


def test_eval_command_reports_each_tag(tmp_path: Path, seeded_workspace: Path) -> None:
    """`rag eval` on real retrieval: the tagged cases get their own row and their own JSON summary."""
    from click.testing import CliRunner

    from rag.cli import cli

    suite = write(tmp_path, "q.yaml", """
- {id: a, question: 'Who was the US special envoy at the talks?', answers: [Witkoff], sources: [003_a3108b83e1705bc7],
   tags: [date]}
- {id: b, question: 'Where were the talks held?', answers: [Muscat], sources: [004_62933566e88b2052]}
""")
    report = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["eval", "--retrieval-only", "--questions", str(suite), "--json", str(report),
                                      "--workspace", str(seeded_workspace)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert set(data["by_tag"]) == {"date"}
    assert data["by_tag"]["date"]["hit_at_k"] == float(data["cases"][0]["metrics"]["hit_at_k"])
    assert any(line.split("│")[1].strip() == "date" for line in result.output.splitlines() if line.count("│") > 2)
