"""Settings in one place: defaults < `rag.toml` < `RAG_*` environment variables < command-line flags.

Each setting has one name, used as the dataclass field, the toml key, the env var (RAG_<NAME>) and
the CLI flag (--<name-with-dashes>). This module only reads settings; it loads nothing.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from rag.core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    workspace: Path = Path(".rag")
    models_dir: Path = PROJECT_ROOT / "models"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    model: str = "qwen2.5-coder-1.5b"
    embed_model: str = "minilm-l6-int8"
    n_threads: int = 2
    n_ctx: int = 0  # 0: the preset's context size
    # llama.cpp prompt evaluation (time to first token): `python -m bench.llama_settings` measures them
    n_batch: int = 512  # tokens per llama_decode call
    n_ubatch: int = 512  # tokens per physical batch (at most n_batch)
    flash_attn: int = 1  # 1: flash attention; TTFT x0.89, same text (bench.llama_settings, default model, 2026-11-30)
    type_k: str = "f16"  # KV cache types: f16, q8_0 or q4_0 (a quantized V cache needs flash_attn 1)
    type_v: str = "f16"
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 256
    gen_timeout_s: float = 180.0
    k: int = 4
    chunk_tokens: int = 128
    chunk_overlap: int = 24
    max_file_mb: float = 20.0
    max_question_chars: int = 2000
    min_relevance: float = 0.15  # below: abstain without asking the model
    # Tokens of source text (the rendered numbered sources) the model reads: the retrieved sentences that
    # bear on the question, with the neighbours they need (rag.retrieval.focus); 0 = whole retrieved
    # chunks. Left at 0 by measurement (python -m bench.context_curve, 2026-11-29, default model's
    # tokenizer): the gold answer stays in the prompt within one case of whole chunks on seeds, Wikinews
    # dev and RGB dev only from 400 (median prompts 526/532/421 tokens, target 350); at 220 (median prompt
    # 348/351/344) it is lost in 2/28, 4/71 and 2/50 more cases. The full-eval A/B is in README.
    context_tokens: int = 0
    # 1: a multi-part question ("..., and how many ...?") whose verified answer leaves a part unanswered
    # asks the model again for that part alone, over the same sources (rag.answer.multipart); 0: off
    answer_parts: int = 1
    # 1: when the checker refuses an answer, the model answers once more from the sources less those the
    # refused answer cited, and that answer is kept when it verifies under a stricter rule (its evidence
    # must hold the question's relation verbs; rag.answer.reread); 0: off
    reread: int = 1
    # 1: when the answer still stands refused, the model answers once more from only the sentences of the same
    # sources that bear on the question (rag.answer.reread.ask_narrow, under the same stricter rule); 0: off.
    # Measured on the refused answers of the four suites (README, "A narrowed reading"): Wikinews dev 2 right
    # answers gained, 1 unanswerable question answered; RGB dev, counterfactual and seeds unchanged.
    narrow: int = 1
    # 1: a supported sentence that fills the asked slot although its evidence holds none of the question's
    # relation verbs ("Bao Shusheng replaced Vohor [1]" on a passage about an assault) is put to the chat
    # model as a yes/no entailment question; a "no" takes its citation away (rag.answer.second). Off: with
    # qwen2.5-coder-1.5b (bench.second_opinion, 85 borderline sentences of the saved reports and pair sets,
    # 2.2 s a call) it caught 3 of 4 Wikinews unanswerable answers (abstention 0.71 -> 0.93) but threw
    # away 4 right Wikinews answers (accuracy 0.72 -> 0.66, false abstention 0.01 -> 0.14) and 3 RGB ones.
    second_opinion: int = 0
    chroma_url: str | None = None
    llm_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None

    @property
    def store_dir(self) -> Path:
        return self.workspace / "store"

    @property
    def cache_dir(self) -> Path:
        return self.workspace / "cache"

    def replace(self, **changes: Any) -> "Settings":
        changed = dataclasses.replace(self, **coerce(changes))
        _check(changed)
        return changed


def _field_types() -> dict[str, str]:
    return {f.name: str(f.type) for f in fields(Settings)}


def coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    """Convert raw strings (env, toml, flags) to each field's type; unknown names are an error."""
    types = _field_types()
    out: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in types:
            raise ConfigError(f"unknown setting '{name}' (known: {', '.join(sorted(types))})")
        if raw is None:
            continue
        kind = types[name]
        try:
            if "Path" in kind:
                if not str(raw).strip():  # Path("") is the current directory: never what was meant
                    raise ConfigError(f"setting '{name}' is empty; give a directory")
                out[name] = Path(raw).expanduser()
            elif kind.startswith("int"):
                out[name] = int(raw)
            elif kind.startswith("float"):
                out[name] = float(raw)
            else:
                out[name] = str(raw) if raw != "" or "None" not in kind else None
        except (TypeError, ValueError):
            raise ConfigError(f"setting '{name}' must be {kind.split(' ')[0]}, got {raw!r}") from None
    return out


def from_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from None
    return dict(data.get("rag", data))


def from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    return {f.name: environ[f"RAG_{f.name.upper()}"] for f in fields(Settings) if f"RAG_{f.name.upper()}" in environ}


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    toml_path: Path | None = None,
) -> Settings:
    """Build Settings from all layers; `flags` holds only the flags the user actually gave."""
    environ = os.environ if environ is None else environ
    layers: dict[str, Any] = {}
    path = toml_path or Path(environ.get("RAG_CONFIG", "rag.toml"))
    if path.is_file():
        layers.update(from_toml(path))
    layers.update(from_env(environ))
    layers.update({k: v for k, v in (flags or {}).items() if v is not None})
    settings = Settings(**coerce(layers))
    _check(settings)
    return settings


# (lowest, highest) allowed for each numeric setting, checked once when settings are built.
BOUNDS: dict[str, tuple[float, float]] = {
    "n_threads": (1, 512), "n_ctx": (0, 1 << 20), "seed": (-1, (1 << 32) - 1), "temperature": (0.0, 2.0),
    "max_tokens": (1, 1 << 16), "gen_timeout_s": (0.001, 7 * 86400), "k": (1, 50), "chunk_tokens": (8, 8192),
    "chunk_overlap": (0, 8191), "max_file_mb": (0.001, 100_000), "max_question_chars": (1, 1 << 20),
    "min_relevance": (-1.0, 1.0), "context_tokens": (0, 1 << 20), "n_batch": (32, 8192), "n_ubatch": (32, 8192),
    "flash_attn": (0, 1), "answer_parts": (0, 1), "reread": (0, 1), "narrow": (0, 1), "second_opinion": (0, 1),
}
KV_TYPES = ("f16", "q8_0", "q4_0")  # llama.cpp KV cache types offered as type_k / type_v
MIN_N_CTX = 512  # a context smaller than this cannot hold the system prompt, a question and one source
MIN_CONTEXT_TOKENS = 64  # a smaller source budget holds a source's frame and hardly a sentence


def _check(s: Settings) -> None:
    """Every setting within its bounds; the message names the setting."""
    for name, (low, high) in BOUNDS.items():
        value = getattr(s, name)
        if not low <= value <= high:  # also false for NaN
            raise ConfigError(f"setting '{name}' must be between {low:g} and {high:g}, got {value!r}")
    for name in ("type_k", "type_v"):
        if getattr(s, name) not in KV_TYPES:
            raise ConfigError(f"setting '{name}' must be one of {', '.join(KV_TYPES)}, got {getattr(s, name)!r}")
    if s.type_v != "f16" and not s.flash_attn:
        raise ConfigError(f"setting 'type_v' {s.type_v} needs flash_attn 1 (llama.cpp quantizes V only with it)")
    if s.n_ctx and s.n_ctx < MIN_N_CTX:
        raise ConfigError(f"setting 'n_ctx' must be 0 (the preset's) or at least {MIN_N_CTX}, got {s.n_ctx}")
    if s.n_ctx and s.max_tokens >= s.n_ctx:
        raise ConfigError(f"setting 'max_tokens' ({s.max_tokens}) must be smaller than 'n_ctx' ({s.n_ctx})")
    if 0 < s.context_tokens < MIN_CONTEXT_TOKENS:
        raise ConfigError(f"setting 'context_tokens' must be 0 (whole chunks) or at least {MIN_CONTEXT_TOKENS}, "
                          f"got {s.context_tokens}")
    if s.chunk_overlap >= s.chunk_tokens:
        raise ConfigError(f"setting 'chunk_overlap' ({s.chunk_overlap}) must be smaller than 'chunk_tokens' "
                          f"({s.chunk_tokens})")
    for name in ("model", "embed_model"):
        if not getattr(s, name).strip():
            raise ConfigError(f"setting '{name}' is empty")
    for name in ("chroma_url", "llm_url"):
        url = getattr(s, name)
        if url is not None and not (urlparse(url).scheme in ("http", "https") and urlparse(url).hostname):
            raise ConfigError(f"setting '{name}' must be an http(s) URL such as http://127.0.0.1:8000, got {url!r}")
