"""Start and stop the scale-out servers on loopback: a `chroma run` store and a
`python -m llama_cpp.server` model server. Used by the scale-out benchmark and tests."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chroma_cmd(path: Path, port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path),
            "--host", "127.0.0.1", "--port", str(port)]


def llama_cmd(model: Path, port: int, alias: str, n_ctx: int = 2048, n_threads: int = 2) -> list[str]:
    """As the README's scale-out section starts it: `--logits_all false`, since the server's default
    (true) computes the vocabulary's logits for every prompt token (+30% answer time here)."""
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(n_threads),
            "--n_threads_batch", str(n_threads), "--logits_all", "false", "--model_alias", alias]


@contextlib.contextmanager
def server(cmd: list[str], ready_url: str, log: Path, timeout_s: float = 90) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until `ready_url` answers, and always stop it afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited early:\n{log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(ready_url, timeout=2).status_code < 500:
                        break
                time.sleep(0.5)
            else:
                raise RuntimeError(f"{cmd[0]} did not start in {timeout_s} s")
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
