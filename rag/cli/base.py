"""The `rag` command group, its shared options and consoles. Commands live in sibling modules.

Answers go to stdout; progress, logs and errors to stderr. RagError becomes a one-line error.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.text import Text

from rag.core.config import Settings, load_settings
from rag.core.errors import RagError
from rag.desk import NewsDesk

# emoji=False: article text and quotes are printed verbatim (":x:" stays ":x:", not an emoji)
out = Console(highlight=False, soft_wrap=True, emoji=False)
if not out.is_terminal:  # piped output: do not squeeze tables into 80 columns
    out = Console(highlight=False, soft_wrap=True, width=160, emoji=False)
# soft_wrap: a message is one line however narrow the terminal or pipe (an error must be greppable)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class Group(click.Group):
    """Turns our own errors into a one-line message and exit status 2, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as e:
            err.print(Text("error: ", style="red") + Text(" ".join(str(e).split())))  # never markup
            sys.exit(2)


COMMON = [
    click.option("--workspace", type=click.Path(path_type=Path), help="Directory for the store and caches [RAG_WORKSPACE]."),
    click.option("--model", help="Chat model preset or path to a .gguf [RAG_MODEL]."),
    click.option("--embed-model", help="Embedding model preset [RAG_EMBED_MODEL]."),
    click.option("--n-threads", type=int, help="CPU threads [RAG_N_THREADS]."),
    click.option("--n-ctx", type=int, help="Model context size; 0 = the preset's [RAG_N_CTX]."),
    click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [RAG_CHROMA_URL]."),
    click.option("--llm-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 [RAG_LLM_URL]."),
    click.option("--models-dir", type=click.Path(path_type=Path), help="Where model files live [RAG_MODELS_DIR]."),
]


def settings_options(fn: Callable) -> Callable:
    for option in reversed(COMMON):
        fn = option(fn)
    return fn


def settings(flags: dict[str, Any], **more: Any) -> Settings:
    keys = {f for f in Settings.__dataclass_fields__}
    given = {k: v for k, v in {**flags, **more}.items() if k in keys and v is not None}
    return load_settings(given)


def desk(flags: dict[str, Any], **more: Any) -> NewsDesk:
    """The application over the workspace the flags, environment and rag.toml name."""
    return NewsDesk(settings(flags, **more))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def cli(verbose: bool) -> None:
    """A local, source-grounded news assistant: cited answers and briefings from your articles."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pypdf", "trafilatura", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
