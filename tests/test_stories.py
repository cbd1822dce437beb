"""Stories: the grouping rule on hand-made vectors, B-cubed's formula, incremental and stable ids,
the registry field, `rag stories` and `rag ask --story` on the seeds, and (slow) the grouping of
the Wikinews dev corpus against its gold stories."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEEDS, tiny_settings

from rag import desk as app
from rag.cli import cli
from rag.core.config import PROJECT_ROOT
from rag.core.errors import ConfigError, UnknownSourceError
from rag.core.types import DocRecord
from rag.evaluation.stories import bcubed, read_gold
from rag.ingest.pipeline import ingest
from rag.retrieval import story_index
from rag.retrieval.stories import Article, assign, label, name_terms, summarize

# The shared corpora sit beside the clone (../shared in CI); RAG_TEST_CORPORA points elsewhere.
WIKINEWS = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora") / "wikinews-dev"
WIKINEWS_FLOOR = 0.88  # measured: 0.908 all at once in any order (one at a time: 0.889-0.916; bench.stories)


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def art(doc_id: str, v: np.ndarray, names: str = "", date: str | None = None, dup: str | None = None) -> Article:
    return Article(doc_id, v, frozenset(names.split()), date, dup)


# the grouping rule ---------------------------------------------------------------------------
def test_close_vectors_share_a_story_and_far_ones_do_not():
    arts = [art("a1", unit(1, 0.1, 0)), art("a2", unit(1, 0, 0.1)), art("b1", unit(0, 1, 0)), art("c1", unit(0, 0, 1))]
    got = assign([], arts)
    assert got == {"a1": "a1", "a2": "a1", "b1": "b1", "c1": "c1"}


def test_shared_rare_names_join_what_vectors_alone_keep_apart():
    far_a, far_b = unit(1, 0, 0, 0), unit(0, 0, 1, 0)  # cosine 0: vectors say "apart"
    others = [art(f"x{i}", unit(0, 1, 0, 0.1 * i), "common") for i in range(4)]  # apart from both
    apart = assign([], [art("p", far_a, "hookes"), art("q", far_b, "adelaide")] + others)
    together = assign([], [art("p", far_a, "hookes adelaide"), art("q", far_b, "hookes adelaide")] + others)
    assert apart["q"] == "q" and together["q"] == "p"


def test_a_near_duplicate_joins_its_original_whatever_its_vector():
    got = assign([], [art("orig", unit(1, 0, 0)), art("copy", unit(0, 1, 0), dup="orig")])
    assert got["copy"] == "orig"


def test_articles_far_apart_in_time_open_separate_stories():
    same = unit(1, 0, 0)
    got = assign([], [art("y2004", same, "cup", "2004-11-20"), art("y2005", same, "cup", "2005-11-20"),
                      art("undated", same, "cup")])
    assert got["y2005"] == "y2005" and got["y2004"] == "y2004"
    assert got["undated"] in ("y2004", "y2005")  # no date: no window applies


def test_new_articles_attach_to_existing_stories_which_never_move():
    first = assign([], [art("b", unit(1, 0, 0), date="2004-11-16"), art("c", unit(0, 1, 0), date="2004-11-16")])
    existing = [(art("b", unit(1, 0, 0), date="2004-11-16"), first["b"]),
                (art("c", unit(0, 1, 0), date="2004-11-16"), first["c"])]
    # an earlier article about b's event arrives later: it joins b's story, whose id stays "b"
    later = assign(existing, [art("a", unit(1, 0.05, 0), date="2004-11-15"), art("d", unit(0, 0, 1))])
    assert later == {"a": "b", "d": "d"}
    assert assign(existing, []) == {}


def test_the_oldest_new_article_names_its_story_and_order_of_input_does_not():
    xs = [art("z", unit(1, 0, 0), date="2004-11-14"), art("m", unit(1, 0.1, 0), date="2004-11-15"),
          art("a", unit(1, 0, 0.1))]
    assert assign([], xs) == assign([], xs[::-1]) == {"z": "z", "m": "z", "a": "z"}


def test_an_article_that_bridges_two_stories_merges_them_and_the_retired_id_still_finds_the_story():
    a, b = art("a", unit(1, 0, 0), "alpha"), art("b", unit(0, 1, 0), "beta")
    first = assign([], [a, b])
    assert first == {"a": "a", "b": "b"}  # nothing in common: two stories
    # c is like both: it joins a's story (similarity 0.71), which is then 0.35 alike to b's on average
    later = assign([(a, "a"), (b, "b")], [art("c", unit(1, 1, 0), "alpha beta")])
    assert later == {"c": "a", "b": "a"}  # the larger story keeps its id; b's articles are reported moved
    docs = {d: rec(d, d, later.get(d, first.get(d, ""))) for d in "abc"}
    assert story_index.resolve(docs, "b") == "a" and story_index.resolve(docs, "a") == "a"
    assert story_index.resolve(docs, "nope") == "nope"


def test_grouping_from_scratch_does_not_depend_on_input_order():
    xs = [art(f"{g}{i}", unit(*(np.eye(3)[k] + 0.15 * np.array([i, -i, i % 2]))), f"n{g} m{i}")
          for k, g in enumerate("pqr") for i in range(3)]
    first = assign([], xs)
    assert len(set(first.values())) == 3
    for seed in range(4):
        assert assign([], [xs[i] for i in np.random.default_rng(seed).permutation(len(xs))]) == first


def test_ids_stay_findable_as_articles_arrive_one_at_a_time():
    rng = np.random.default_rng(0)
    centres = np.eye(4)
    xs = [art(f"d{i:02d}", unit(*(centres[i % 4] + 0.6 * rng.standard_normal(4))), f"k{i % 4}") for i in range(16)]
    story: dict[str, str] = {}
    issued: set[str] = set()
    for i, a in enumerate(xs):
        story.update(assign([(x, story[x.doc_id]) for x in xs[:i]], [a]))
        issued |= set(story.values())
        docs = {d: rec(d, d, s) for d, s in story.items()}
        for sid in issued:  # every id ever shown names a story now, one holding the article it was named after
            now = story_index.resolve(docs, sid)
            assert now in story.values() and story[sid] == now
    assert len(set(story.values())) < len(xs)


def test_name_terms_keep_names_and_drop_numbers_and_calendar_words():
    terms = name_terms("Kmart to buy Sears", "On Monday, November 17, Kmart said it paid $11 billion for Sears.")
    assert {"kmart", "sears"} <= terms and not {"monday", "november", "17", "11"} & terms


def rec(doc_id: str, title: str, story: str, publisher: str | None = None, date: str | None = None) -> DocRecord:
    return DocRecord(doc_id, title, "v", "", "", "", 1, 1, publisher=publisher, date=date, story=story)


def test_summaries_have_outlets_date_span_and_a_central_title_not_a_site_name():
    records = {r.doc_id: r for r in [
        rec("a", "The Japan Times Online", "s", "Japan Times", "2004-11-18"),
        rec("b", "Chinese submarine enters Japanese waters", "s", "BBC", "2004-11-10"),
        rec("c", "Sub", "s", None, None), rec("d", "The Japan Times Online", "t", "Japan Times", "2004-11-01")]}
    vectors = {"a": unit(1, 0), "b": unit(1, 0.2), "c": unit(1, 0.1), "d": unit(0, 1)}
    s, t = summarize(records, vectors)
    assert (s.story_id, s.outlets, s.first, s.last, s.doc_ids) == ("s", ("BBC", "Japan Times"), "2004-11-10",
                                                                     "2004-11-18", ("b", "a", "c"))
    assert s.label == "Chinese submarine enters Japanese waters" and t.label == "The Japan Times Online"
    assert label([rec("x", " ".join(f"w{i}" for i in range(14)), "x")], {}, {}).endswith("w9...")


# scoring -------------------------------------------------------------------------------------
def test_bcubed_exact_values():
    gold = {"a": "1", "b": "1", "c": "1", "d": "2"}
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "extra": "z"}  # "extra" is in no gold story: not scored
    r = bcubed(pred, gold)
    # precision: a,b 2/2; c,d 1/2 -> 3/4; recall: a,b 2/3; c 1/3; d 1/1 -> (2/3+2/3+1/3+1)/4 = 2/3
    assert (r.precision, round(r.recall, 12), r.articles, r.stories, r.gold_stories) == (0.75, round(2 / 3, 12), 4, 2, 2)
    assert r.f1 == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert bcubed(gold, gold).f1 == 1.0 and bcubed({}, gold).f1 == 0.0


def test_read_gold(tmp_path: Path):
    path = tmp_path / "stories.json"
    path.write_text(json.dumps([{"story": 3, "doc_ids": ["a", "b"]}, {"story": 4, "doc_ids": ["c"]}]))
    assert read_gold(path) == {"a": "3", "b": "3", "c": "4"}


# the store, the desk and the front ends ------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_rag_stories_groups_the_three_seeds_into_one_story(tmp_path: Path):
    corpus = tmp_path / "seeds"
    shutil.copytree(SEEDS, corpus)
    assert run("ingest", str(corpus)).exit_code == 0
    rows = json.loads(run("stories", "--json").output)
    assert len(rows) == 1 and sorted(rows[0]["doc_ids"]) == sorted(p.stem for p in SEEDS.iterdir())
    assert rows[0]["story"] in rows[0]["doc_ids"] and "DailyBeat" in rows[0]["outlets"]
    table = run("stories")
    assert table.exit_code == 0 and rows[0]["story"] in table.output and "1 stories" in table.output
    assert json.loads(run("stories", "--json", "--publisher", "dailybeat").output) == rows
    assert json.loads(run("stories", "--json", "--publisher", "Reuters").output) == []
    bad = CliRunner().invoke(cli, ["stories", "--since", "2004-02-31"])
    assert bad.exit_code == 2 and "since must be a date" in bad.output
    unknown = CliRunner().invoke(cli, ["ask", "Who?", "--story", rows[0]["story"][:-1]])
    assert unknown.exit_code == 2 and f"the closest: {rows[0]['story']}" in unknown.output


def test_old_workspaces_are_grouped_on_demand_and_new_articles_attach(tmp_path: Path, embedder):
    s = tiny_settings(tmp_path / "ws")
    index = app.open_index(s, embedder)
    files = sorted(SEEDS.iterdir())
    ingest(files[:2], index.store, embedder, chunk_tokens=s.chunk_tokens, chunk_overlap=s.chunk_overlap,
           max_bytes=10**7)  # the pipeline alone: no story field written, like a workspace from before
    assert all(r.story is None for r in index.documents().values())
    desk = app.NewsDesk(s, index=index)
    (before,) = desk.stories()
    assert all(r.story == before.story_id and r.names for r in index.documents().values())
    assert set(index.store.document_field(list(index.documents()), "lead")) == {f.stem for f in files[:2]}
    versions = {d: r.version for d, r in index.documents().items()}
    written = index.store.document_leads(versions)
    index.store.set_stories({d: {"lead": ""} for d in versions})  # as if written before leads were
    remade = index.store.document_leads(versions)
    assert set(remade) == set(versions) and all(float(written[d] @ remade[d]) > 0.999 for d in versions)
    desk.ingest([files[2]])
    (after,) = desk.stories()
    assert after.story_id == before.story_id and set(after.doc_ids) == {f.stem for f in files}
    assert story_index.update(index.store) == {}  # nothing left to group
    retired = next(d for d in after.doc_ids if d != after.story_id)  # as if its story had merged into this one
    assert desk.story(retired).story_id == after.story_id
    assert desk.stories(since="2100-01-01") == []
    with pytest.raises(UnknownSourceError, match="no story 'nope'"):
        desk.story("nope")
    with pytest.raises(ConfigError):
        desk.stories(since="yesterday")


@pytest.mark.slow
@pytest.mark.skipif(not WIKINEWS.is_dir(), reason="needs ../shared/corpora/wikinews-dev")
def test_wikinews_dev_stories_match_the_gold_grouping(tmp_path: Path, embedder):
    s = tiny_settings(tmp_path / "ws")
    desk = app.NewsDesk(s, index=app.open_index(s, embedder))
    desk.ingest([WIKINEWS / "docs"])
    found = desk.stories()
    score = bcubed({d: x.story_id for x in found for d in x.doc_ids}, read_gold(WIKINEWS / "stories.json"))
    assert score.articles >= 90 and score.f1 >= WIKINEWS_FLOOR, score
