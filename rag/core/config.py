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
        return dataclasses.replace(self, **coerce(changes))


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


def _check(s: Settings) -> None:
    if s.k < 1 or s.k > 50:
        raise ConfigError(f"k must be between 1 and 50, got {s.k}")
    if s.chunk_overlap >= s.chunk_tokens:
        raise ConfigError("chunk_overlap must be smaller than chunk_tokens")
    if s.n_threads < 1:
        raise ConfigError("n_threads must be at least 1")
    if not 0.0 <= s.temperature <= 2.0:
        raise ConfigError(f"temperature must be between 0 and 2, got {s.temperature}")
