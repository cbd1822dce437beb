"""`rag chat`: the Gradio app, bound to 127.0.0.1 unless told otherwise (and then only with a password)."""
from __future__ import annotations

from typing import Any

import click

from rag.cli.base import cli, desk, err, settings_options
from rag.core.errors import ConfigError


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to serve on.")
@click.option("--auth", help="USER:PASS required to use the app (needed for a non-loopback --host).")
@click.option("--no-auth", is_flag=True, help="Allow a non-loopback --host without a password.")
@settings_options
def chat(host: str, port: int, auth: str | None, no_auth: bool, **flags: Any) -> None:
    """Open the chat in the browser: streamed, cited answers, documents and briefings."""
    from rag.web.chat import check_exposure, check_reachable, launch  # gradio is slow to import

    credentials = None
    if auth:
        user, sep, password = auth.partition(":")
        if not sep:
            raise ConfigError("--auth takes USER:PASS")
        credentials = (user, password)
    d = desk(flags)  # settings are checked before anything is served
    check_exposure(host, credentials, no_auth)  # refuse before saying "serving on"
    check_reachable(host)
    err.print(f"serving on http://{host}:{port} (Ctrl+C to stop)")
    launch(d, host=host, port=port, auth=credentials, no_auth=no_auth)
