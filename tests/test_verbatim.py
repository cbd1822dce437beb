"""Article text, titles and quotes reach the terminal verbatim: rich neither turns ":x:" into an
emoji nor reads "[bold]" as markup, in `rag show`, `rag sources` and `rag ask`'s quotes."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rag.cli import cli
from rag.cli.ask_cmd import print_verified
from rag.core.types import Answer, Citation, Sentence

TITLE = "Fans react :thumbs_up: to [bold]loud[/bold] match"
BODY = ("The crowd chanted :x: and :thumbs_up: at the final whistle of the derby in the city stadium. "
        "Officials said [red]no one[/red] was hurt and that the stands would reopen next week for the cup.")


def test_show_and_sources_print_article_text_verbatim(tmp_path: Path):
    article = tmp_path / "a" / "match.txt"
    article.parent.mkdir()
    article.write_text(f"{TITLE}\n\n{BODY}\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(article.parent)]).exit_code == 0
    shown = runner.invoke(cli, ["show", "match"])
    assert shown.exit_code == 0 and ":x: and :thumbs_up:" in shown.output and "[red]no one[/red]" in shown.output
    assert "\u274c" not in shown.output and "\U0001f44d" not in shown.output
    listed = runner.invoke(cli, ["sources"])
    assert listed.exit_code == 0 and ":thumbs_up: to [bold]loud[/bold]" in listed.output, listed.output


def test_ask_quotes_and_unverified_sentences_are_verbatim(capsys):
    quote = "The crowd chanted :x: at the [bold]final[/bold] whistle."
    answer = Answer("q", "They chanted :x: [1].", False,
                    citations=(Citation(1, "match", TITLE, "match:0", quote, True),),
                    sentences=(Sentence("Nobody [i]was[/i] hurt :x:.", (), False),))
    print_verified(answer)
    printed = capsys.readouterr().out
    assert quote in printed and TITLE in printed and "Nobody [i]was[/i] hurt :x:." in printed
    assert "They chanted :x: [1]." in printed and "\u274c" not in printed
