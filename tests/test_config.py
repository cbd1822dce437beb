"""Settings precedence: defaults < rag.toml < RAG_* env < flags; bad values are one-line errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.core.config import Settings, load_settings
from rag.core.errors import ConfigError


def test_precedence(tmp_path: Path):
    toml = tmp_path / "rag.toml"
    toml.write_text('model = "from-toml"\nk = 3\nn_threads = 4\n')
    env = {"RAG_MODEL": "from-env", "RAG_K": "5"}
    s = load_settings({"k": 7}, environ=env, toml_path=toml)
    assert (s.model, s.k, s.n_threads) == ("from-env", 7, 4)
    s = load_settings({}, environ=env, toml_path=toml)
    assert (s.model, s.k) == ("from-env", 5)
    s = load_settings({}, environ={}, toml_path=toml)
    assert (s.model, s.k) == ("from-toml", 3)
    assert load_settings({}, environ={}, toml_path=tmp_path / "missing.toml").model == Settings().model


def test_required_env_vars_are_read():
    env = {"RAG_WORKSPACE": "/tmp/w", "RAG_MODEL": "m", "RAG_EMBED_MODEL": "e", "RAG_N_THREADS": "3",
           "RAG_N_CTX": "1024", "RAG_CHROMA_URL": "http://127.0.0.1:9"}
    s = load_settings({}, environ=env, toml_path=Path("/nonexistent"))
    assert (s.workspace, s.model, s.embed_model, s.n_threads, s.n_ctx, s.chroma_url) == (
        Path("/tmp/w"), "m", "e", 3, 1024, "http://127.0.0.1:9")


def test_bad_values_are_clear_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="'n_threads' must be int"):
        load_settings({}, environ={"RAG_N_THREADS": "many"}, toml_path=tmp_path / "x")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        bad = tmp_path / "rag.toml"
        bad.write_text('colour = "red"\n')
        load_settings({}, environ={}, toml_path=bad)
    with pytest.raises(ConfigError, match="k must be between"):
        load_settings({"k": 0}, environ={}, toml_path=tmp_path / "x")
    broken = tmp_path / "broken.toml"
    broken.write_text("model = \n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings({}, environ={}, toml_path=broken)
