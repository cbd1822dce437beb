"""Section "peer": the same seed questions through a plain LlamaIndex pipeline (CitationQueryEngine
over Chroma, same model file, same embedder; see pipeline.py), scored by the same rules as ours
(bench.scoring), side by side: answer accuracy, abstention, citation precision, time per question.

LlamaIndex lives in its own virtualenv, bench/peer/.venv, created here on first use from
requirements.txt (pip takes llama-cpp-python from its wheel cache, so nothing is rebuilt); it is
never a dependency of rag. When it cannot be installed the section says so and the run goes on.
Full: 6 questions (4 answerable, 2 unanswerable) with the default model (its prompts are about
twice ours, ~25 s a question); quick: 2 of the quality section's questions with the fast model.
Our side is taken from the "quality" section when it ran the same model on those questions in this
invocation, else run here.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.context import DEFAULT_MODEL, FAST_MODEL, ROOT, SEEDS, Context, pick
from bench.quality import cases_for, evaluate
from bench.report import Result, Table, progress
from bench.scoring import score, summarize
from rag.backends import models

HERE = Path(__file__).resolve().parent
VENV, REQUIREMENTS = HERE / ".venv", HERE / "requirements.txt"
INSTALL_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 2400  # the LlamaIndex run is killed after this (half in quick mode); answers so far are kept


def ensure_venv() -> tuple[Path | None, str]:
    """(the peer venv's python, what was done) or (None, why it could not be installed)."""
    py = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py, "reused bench/peer/.venv"
    t0 = time.perf_counter()
    progress("peer: creating bench/peer/.venv and installing LlamaIndex (once; a few minutes)")
    try:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        cached = sorted({str(p.parent) for p in (Path.home() / ".cache" / "pip" / "wheels").rglob("llama_cpp_python-*.whl")})
        links = [a for d in cached for a in ("--find-links", d)]
        proc = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *links,
                               "-r", str(REQUIREMENTS)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"could not create the peer virtualenv: {e}"
    if proc.returncode != 0:
        errors = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip() and "is ignored" not in ln]
        return None, "pip could not install bench/peer/requirements.txt: " + " | ".join(errors[-4:])
    stamp.write_text(want)
    return py, f"installed bench/peer/.venv in {time.perf_counter() - t0:.0f} s"


def run_peer(py: Path, ctx: Context, model: str, cases: list) -> tuple[dict, dict[str, dict]]:
    """Run pipeline.py in the peer venv; returns (its setup line, answers by case id)."""
    s = ctx.settings(model=model)
    chat = models.require(s.models_dir, models.get_preset(s.models_dir, model, kind="chat"))[0]
    embed = models.require(s.models_dir, models.get_preset(s.models_dir, s.embed_model, kind="embed"))
    args = {"model": str(chat), "onnx": str(next(p for p in embed if p.suffix == ".onnx")),
            "tokenizer": str(next(p for p in embed if p.suffix == ".json")), "seeds": str(SEEDS),
            "n_threads": s.n_threads, "n_ctx": 4096, "max_tokens": s.max_tokens,
            "questions": [{"id": c.id, "question": c.question} for c in cases]}
    (ctx.tmp / "peer-args.json").write_text(json.dumps(args))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}
    log = ctx.tmp / "peer.log"
    setup, answers = {}, {}
    with open(log, "w") as err:
        proc = subprocess.Popen([str(py), str(HERE / "pipeline.py"), str(ctx.tmp / "peer-args.json")], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        watchdog = threading.Timer(RUN_TIMEOUT_S * (0.5 if ctx.quick else 1), proc.kill)
        watchdog.start()
        for line in proc.stdout:  # type: ignore[union-attr]
            if not line.startswith("{"):
                continue
            obj = json.loads(line)
            if "setup" in obj:
                setup = obj["setup"]
            else:
                answers[obj["id"]] = obj
                progress(f"peer: LlamaIndex {len(answers)}/{len(cases)} {obj['id']} ({obj['seconds']:.1f} s)")
        proc.wait()
        watchdog.cancel()
    if proc.returncode != 0 and not answers:
        tail = log.read_text()[-600:].replace("\n", " | ")
        raise RuntimeError(f"the LlamaIndex pipeline failed (status {proc.returncode}): {tail}")
    return setup, answers


def run(ctx: Context) -> Result:
    model = FAST_MODEL if ctx.quick else DEFAULT_MODEL
    if ctx.quick:  # a subset of the quality section's quick questions, so our side is reused
        cases = pick(cases_for(ctx), 1, 1)
    else:
        cases = pick(ctx.question_cases(), 4, 2)
    py, how = ensure_venv()
    if py is None:
        return Result(skipped=how, data={"install": how})
    progress(f"peer: {how}; LlamaIndex on {len(cases)} questions with {model}")
    setup, answers = run_peer(py, ctx, model, cases)
    peer_rows = [score(c, answers[c.id]["answer"], {s["n"]: s["text"] for s in answers[c.id]["sources"]},
                       answers[c.id]["seconds"]) for c in cases if c.id in answers]
    ours_by_id = {r["case"]: r for r in ctx.shared.get("quality", {}).get(model, [])}
    if not all(c.id in ours_by_id for c in cases):
        progress(f"peer: running ours on the same {len(cases)} questions")
        _, scored, _ = evaluate(ctx, model, cases)
        ours_by_id = {r["case"]: r for r in scored}
        source = "run by this section"
    else:
        source = "from the quality section"
    ours_rows = [ours_by_id[c.id] for c in cases]
    a, b = summarize(ours_rows), summarize(peer_rows)
    r = Result(data={"model": model, "install": how, "peer_setup": setup, "ours": a, "llamaindex": b,
                     "ours_cases": ours_rows, "llamaindex_cases": peer_rows, "ours_source": source})
    t = Table(f"ours vs LlamaIndex CitationQueryEngine: {len(cases)} seed questions, {model}",
              ["metric", "ours", "LlamaIndex"])
    for key, label in (("answer_accuracy", "answer accuracy (answerable)"),
                       ("abstention_rate", "abstains on unanswerable"),
                       ("false_abstention_rate", "abstains on answerable"),
                       ("citation_precision", "citation precision: [n] shown to the reader"),
                       ("model_citation_precision", "citation precision: the model's own [n]"),
                       ("cites_per_answer", "citations shown per answer"),
                       ("seconds_p50", "seconds per question p50"), ("seconds_mean", "seconds per question mean")):
        t.add(label, a[key], b[key])
    r.tables.append(t)
    r.notes.append(f"ours {source}; LlamaIndex: model loaded in {setup.get('load_s', 0):.1f} s, {setup.get('documents')} "
                   f"documents indexed into {setup.get('nodes')} nodes in {setup.get('index_s', 0):.1f} s")
    r.notes.append("citation precision = share of [n] markers whose source supports the sentence (rag.answer.cite.support); "
                   "ours shows only the citations its verifier accepted, so the 'shown' row is high by design; the "
                   "'model's own' row scores the model's text before our verifier (LlamaIndex has none: same text)")
    r.notes.append("LlamaIndex defaults (top-2 retrieval, 512-token citation chunks, its citation prompt) except: ChatML "
                   "chat format, temperature 0, max_tokens and n_ctx as rag's; abstention = an 'I don't know'/"
                   "'not in the sources' phrasing or an empty answer")
    if len(peer_rows) < len(cases):
        r.notes.append(f"the LlamaIndex run answered only {len(peer_rows)} of {len(cases)} questions")
    return r
