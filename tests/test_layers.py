"""The layers of the package, kept in order by a walk over every import in rag/ (function-level ones
too): a module imports only its own layer and the layers below it; the two front ends never import
each other, and never a backend directly (they go through the application object, rag.desk)."""
from __future__ import annotations

import ast
from pathlib import Path

from rag.core.config import PROJECT_ROOT

LAYERS = ("core", "backends", "text", "ingest", "retrieval", "answer", "briefing", "evaluation", "desk",
          "cli|web")  # data flows left to right; "a|b" are siblings that may not import each other
FRONT_ENDS = ("cli", "web")
ALLOWED = {("rag.cli.chat_cmd", "rag.web.chat")}  # `rag chat` is the command that serves the web front end


def layer_of(module: str) -> tuple[int, str] | None:
    """(layer number, top-level name) of a dotted `rag.*` module; None for `rag` itself."""
    parts = module.split(".")
    if parts[0] != "rag" or len(parts) < 2:
        return None
    top = parts[1]
    for i, names in enumerate(LAYERS):
        if top in names.split("|"):
            return i, top
    raise AssertionError(f"rag.{top} is in no layer: add it to LAYERS")


def imports(path: Path, package: str) -> list[str]:
    """Every module `path` imports, absolute, relative imports resolved against `package`."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from rag.x import y` may name a module y of package rag.x: keep the longer name then
            out += [f"{base}.{a.name}" for a in node.names] if base.count(".") < 2 else [base]
    return out


def violations(root: Path) -> list[str]:
    """Imports in the package at `root` (a folder named rag) that break the layering."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        me = layer_of(module)
        if me is None:
            continue
        for target in imports(path, module if path.name == "__init__.py" else module.rsplit(".", 1)[0]):
            other = layer_of(target)
            if other is None or other[1] == me[1] or (module, target) in ALLOWED:
                continue
            if other[0] > me[0]:
                found.append(f"{module} imports {target}: a higher layer")
            elif other[0] == me[0]:
                found.append(f"{module} imports {target}: the front ends never import each other")
            elif me[1] in FRONT_ENDS and other[1] == "backends":
                found.append(f"{module} imports {target}: a front end goes through rag.desk, not a backend")
    return found


def test_every_import_goes_down_the_layers():
    assert violations(PROJECT_ROOT / "rag") == []


def test_the_check_catches_an_upward_import_and_a_front_end_reaching_a_backend(tmp_path: Path):
    pkg = tmp_path / "rag"
    for name, text in {"__init__.py": "", "core/__init__.py": "", "core/types.py": "from rag.answer import ask\n",
                       "answer/__init__.py": "", "answer/ask.py": "from rag.core import types\n",
                       "cli/__init__.py": "", "cli/x.py": "def f():\n    from rag.backends import chroma\n",
                       "web/__init__.py": "", "web/y.py": "from rag.cli import x\n"}.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    assert violations(pkg) == [
        "rag.cli.x imports rag.backends.chroma: a front end goes through rag.desk, not a backend",
        "rag.core.types imports rag.answer.ask: a higher layer",
        "rag.web.y imports rag.cli.x: the front ends never import each other",
    ]
