"""Scale-out: the same ingest, ask and eval against a real `chroma run` server and a real
`python -m llama_cpp.server` with the tiny model, both on 127.0.0.1 with free ports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.servers import chroma_cmd, free_port, llama_cmd, server
from rag import desk as app
from rag.answer.ask import ask
from rag.cli import cli
from rag.core.config import PROJECT_ROOT
from rag.core.errors import LLMError, StoreError
from tests.conftest import SEEDS, tiny_settings

pytestmark = pytest.mark.slow
TINY_GGUF = PROJECT_ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"



@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("servers")
    chroma_port, llm_port = free_port(), free_port()
    chroma = chroma_cmd(tmp / "chroma", chroma_port)
    llm = llama_cmd(TINY_GGUF, llm_port, "smollm2-135m")
    with server(chroma, f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", tmp / "chroma.log"), \
         server(llm, f"http://127.0.0.1:{llm_port}/v1/models", tmp / "llm.log"):
        yield f"http://127.0.0.1:{chroma_port}", f"http://127.0.0.1:{llm_port}/v1"


def test_ingest_ask_and_eval_through_the_servers(servers, tmp_path: Path, embedder, tiny_assistant):
    chroma_url, llm_url = servers
    s = tiny_settings(tmp_path / "ws", chroma_url=chroma_url, llm_url=llm_url, llm_model="smollm2-135m")
    env = {"RAG_CHROMA_URL": chroma_url, "RAG_LLM_URL": llm_url, "RAG_LLM_MODEL": "smollm2-135m",
           "RAG_N_CTX": "2048"}
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", str(SEEDS)], env=env)
    assert first.exit_code == 0 and "3 added" in first.output, first.output
    assert "3 unchanged" in runner.invoke(cli, ["ingest", str(SEEDS)], env=env).output

    index = app.open_index(s, embedder)
    assert sorted(index.documents()) == sorted(tiny_assistant.index.documents())
    remote = app.assistant(s, index)
    question = "Who was the US special envoy at the talks?"
    served = ask(remote, question, max_tokens=32)
    local = ask(tiny_assistant, question, max_tokens=32)
    assert [h.chunk.chunk_id for h in served.hits] == [h.chunk.chunk_id for h in local.hits]
    assert served.timings.prompt_tokens > 100 and served.timings.completion_tokens > 0
    for c in served.citations:
        assert c.n in {src.n for src in served.sources}
    # token budgeting uses the server's own tokenizer: the same count as the in-process model
    text = "Araghchi and Witkoff met in Muscat."
    assert remote.llm.count_tokens(text) == tiny_assistant.llm.count_tokens(text)

    out = runner.invoke(cli, ["ask", question, "--json", "--max-tokens", "24"], env=env)
    data = json.loads(out.output)
    assert set(data) == {"question", "answer", "abstained", "stopped", "citations", "sentences", "sources", "timings", "notice"}

    suite = tmp_path / "mini.yaml"
    suite.write_text("cases:\n  - id: envoy\n    question: Who was the US special envoy?\n    answers: [Witkoff]\n"
                     "    sources: ['003_a3108b83e1705bc7']\n  - id: paris\n    question: What is the capital of France?\n"
                     "    unanswerable: true\n")
    result = runner.invoke(cli, ["eval", "--questions", str(suite), "--json", str(tmp_path / "r.json")], env=env)
    report = json.loads((tmp_path / "r.json").read_text())
    assert result.exit_code == 0, result.output
    assert report["summary"]["hit_at_k"] == 1.0 and report["summary"]["abstention_rate"] == 1.0


def test_dead_servers_give_clear_errors_quickly(tmp_path: Path, embedder):
    dead = f"http://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="Chroma"):
        app.open_index(tiny_settings(tmp_path / "ws", chroma_url=dead), embedder)
    s = tiny_settings(tmp_path / "ws", llm_url=dead + "/v1")
    llm = app.load_llm(s)
    with pytest.raises(LLMError, match="cannot reach the model server"):
        list(llm.stream([{"role": "user", "content": "hi"}], 8, 0.0, 10.0))
    assert time.monotonic() - t0 < 30
    result = CliRunner().invoke(cli, ["ask", "Who?"], env={"RAG_CHROMA_URL": dead})
    assert result.exit_code == 2 and "Chroma" in result.output and "Traceback" not in result.output


def test_chroma_server_going_away_mid_ingest_is_reported_and_a_rerun_completes(tmp_path: Path, embedder):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = chroma_cmd(tmp_path / "chroma", port)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        for f in SEEDS.iterdir():
            (corpus / f"{i}_{f.name}").write_text(f.read_text() + f"\n\nEdition {i}.\n")
    from rag.ingest.pipeline import ingest

    s = tiny_settings(tmp_path / "ws", chroma_url=url)
    with server(cmd, url + "/api/v2/heartbeat", tmp_path / "c1.log") as proc:
        index = app.open_index(s, embedder)

        def stop_half_way(i: int, n: int, name: str) -> None:
            if i == n // 2 and proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait(10)

        report = ingest([corpus], index.store, embedder, chunk_tokens=128, chunk_overlap=24, max_bytes=10**7,
                        progress=stop_half_way)
    assert report.failed and len(report.added) + len(report.failed) == 18
    assert all("Chroma" in why for _, why in report.failed)
    with server(cmd, url + "/api/v2/heartbeat", tmp_path / "c2.log"):
        index = app.open_index(s, embedder)
        again = ingest([corpus], index.store, embedder, chunk_tokens=128, chunk_overlap=24, max_bytes=10**7)
        docs = index.documents()
        assert len(docs) == 18 and len(again.unchanged) + len(again.added) == 18
        ids = index.store._chunks.get(include=[])["ids"]
        assert len(ids) == len(set(ids)) == sum(r.n_chunks for r in docs.values())


def test_copies_see_each_others_writes_in_lexical_search(servers, tmp_path: Path, embedder):
    """App copies over one Chroma server: what one process writes, adds, changes or removes is found
    (or no longer found) by the lexical half of the others, whether they share a workspace or not."""
    from rag.retrieval.retrieve import retrieve

    chroma_url, _ = servers
    here = app.open_index(tiny_settings(tmp_path / "a", chroma_url=chroma_url), embedder)
    retrieve(here, "warm up", 4, mode="lexical")  # each copy has its index in memory before the writes
    same_ws = app.open_index(tiny_settings(tmp_path / "a", chroma_url=chroma_url), embedder)
    news = tmp_path / "news"
    news.mkdir()
    article = news / "crossing.txt"
    env = {**os.environ, "RAG_CHROMA_URL": chroma_url, "RAG_WORKSPACE": str(tmp_path / "b"), "PYTHONPATH": str(PROJECT_ROOT)}

    def other_process(*args: str) -> None:  # another app copy: its own process and workspace
        done = subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr

    def lexical_docs(index, query: str) -> set[str]:
        return {h.chunk.doc_id for h in retrieve(index, query, 4, mode="lexical")}

    article.write_text("Quillonby council votes on a crossing\n\nThe council of Quillonby voted to build a zebra "
                       "crossing outside the school after a long campaign by parents.\n")
    other_process("ingest", str(news))
    for index in (here, same_ws):
        assert lexical_docs(index, "Quillonby zebra crossing") == {"crossing"}
    article.write_text("Marrowdale council votes on a crossing\n\nThe council of Marrowdale voted against the "
                       "pelican crossing that parents had asked for.\n")
    other_process("ingest", str(news))
    for index in (here, same_ws, app.open_index(tiny_settings(tmp_path / "a", chroma_url=chroma_url), embedder)):
        assert lexical_docs(index, "Marrowdale pelican") == {"crossing"}
        assert "crossing" not in lexical_docs(index, "Quillonby zebra")
    other_process("remove", "crossing")
    for index in (here, same_ws):
        assert "crossing" not in lexical_docs(index, "Marrowdale pelican crossing")
