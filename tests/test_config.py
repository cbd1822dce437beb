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
    with pytest.raises(ConfigError, match="'k' must be between"):
        load_settings({"k": 0}, environ={}, toml_path=tmp_path / "x")
    broken = tmp_path / "broken.toml"
    broken.write_text("model = \n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings({}, environ={}, toml_path=broken)


@pytest.mark.parametrize("name, raw", [
    ("max_tokens", "0"), ("max_tokens", "-3"), ("n_ctx", "-5"), ("n_ctx", "100"), ("max_file_mb", "-1"),
    ("max_file_mb", "0"), ("k", "abc"), ("gen_timeout_s", "0"), ("temperature", "nan"), ("chunk_tokens", "0"),
    ("max_question_chars", "0"), ("min_relevance", "7"), ("n_threads", "0"), ("workspace", ""),
    ("models_dir", "  "), ("model", " "), ("chroma_url", "localhost:8000"), ("llm_url", "ftp://x"),
    ("n_batch", "8"), ("n_ubatch", "100000"), ("flash_attn", "2"), ("type_k", "q5_1"), ("type_v", "q5_1"),
])
def test_every_setting_is_bounded_at_load_and_the_message_names_it(tmp_path: Path, name: str, raw: str):
    with pytest.raises(ConfigError, match=f"'{name}'") as caught:
        load_settings({}, environ={f"RAG_{name.upper()}": raw}, toml_path=tmp_path / "x")
    assert "\n" not in str(caught.value)


def test_a_quantized_v_cache_needs_flash_attention(tmp_path: Path):
    assert load_settings({"type_v": "q8_0"}, environ={}, toml_path=tmp_path / "x").flash_attn == 1  # the default
    with pytest.raises(ConfigError, match="'type_v' q8_0 needs flash_attn 1"):
        load_settings({"type_v": "q8_0", "flash_attn": 0}, environ={}, toml_path=tmp_path / "x")


def test_max_tokens_must_fit_the_context_and_replace_checks_too(tmp_path: Path):
    with pytest.raises(ConfigError, match="'max_tokens'.*'n_ctx'"):
        load_settings({"n_ctx": 1024, "max_tokens": 2048}, environ={}, toml_path=tmp_path / "x")
    s = load_settings({}, environ={}, toml_path=tmp_path / "x")
    with pytest.raises(ConfigError, match="'max_tokens'"):
        s.replace(max_tokens=0)
    assert s.replace(max_tokens=64).max_tokens == 64


def test_empty_workspace_from_the_command_line_is_refused(tmp_path: Path):
    from click.testing import CliRunner

    from rag.cli import cli

    result = CliRunner().invoke(cli, ["sources"], env={"RAG_WORKSPACE": ""})
    assert result.exit_code == 2 and "'workspace' is empty" in result.output
    assert not (tmp_path / "store").exists()
