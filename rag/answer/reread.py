"""A second reading when the checker refuses the model's answer: the model answers the question once more
from the same numbered sources less the ones its refused answer cited (`rejected`), and the new answer
is held to a stricter check (`strict`); then, if need be, a narrowed reading (`ask_narrow`, below).

Why: with a small model, a refused answer to an answerable question is most often a misreading led by one
passage (a look-alike of another year read first, the wrong name in a sentence about the right event), and
the other passages hold the answer. Told only that its answer was unsupported, in the same conversation,
the default model repeats it word for word or gives up (measured on the refused answers of RGB dev and the
seeds: 0 of 7 and 0 of 6 changed); without the passage that misled it, it answers from the others. The
numbers of the sources it keeps do not change, so citations still point where the user sees them.
A model pushed to answer again also writes answers that only echo the question around a name the passage
holds ("Ricardo Lagos chaired the commission" on a passage quoting Lagos); so a sentence of the second
answer whose evidence holds none of the question's relation verbs loses its citation (`strict`, the judge
rag.answer.second uses for borderline sentences, answering no without asking the model).

A narrowed reading (`ask_narrow`) when the answer still stands refused (the second reading refused too, or
not asked: the refused answer's sources held what it said, it just did not answer): the same question over
only the sentences of the same sources that bear on it (rag.retrieval.focus within NARROW_TOKENS), each
article under the number the user sees. The other failure of a small model is to misread the right passage
among whole chunks ("Kansas City, Kansas, boasts ..." from "Cawker City, Kansas, boasts ..."; a date given
a year no source states); leaving the misleading passage out cannot mend that, reading the answering
sentence alone often does. Its answer is held to `strict` as well.

Does not: retrieve again, renumber sources, ask more than twice, or verify the replies (rag.answer.ask
does, with `strict`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Generator, Sequence, TypeVar

from rag.answer.assistant import Assistant
from rag.answer.cite import Verification
from rag.backends.llm import SAFETY_MARGIN, count_messages, relay
from rag.core.types import Completion, DocRecord, Hit, Source
from rag.retrieval.context import messages as prompt_messages
from rag.retrieval.focus import build_focused

T = TypeVar("T")

MIN_TOKENS = 16  # answer room below which the model is not asked again
NARROW_TOKENS = 160  # source text of the narrowed reading: the sentences that bear on the question


def strict(claim: str, evidence: str) -> bool:
    """The second reading's judge: a borderline sentence (rag.answer.second.borderline) is not supported."""
    return False


def rejected(v: Verification) -> set[int]:
    """The sources the refused answer cited and the checker did not accept for any of its sentences."""
    return {c.n for c in v.citations if not c.verified} - {c.n for c in v.citations if c.verified}


def ask_again(a: Assistant, question: str, v: Verification, sources: Sequence[Source], max_tokens: int,
              temperature: float, token: Callable[[str], T]) -> Generator[T, None, Completion | None]:
    """The model's answer to `question` from `sources` less those the refused answer (checked as `v`) cited;
    None when it cited none, none would be left, or the context has no room."""
    bad = rejected(v)
    rest = [s for s in sources if s.n not in bad]
    if not bad or not rest:
        return None
    return (yield from _ask(a, question, rest, max_tokens, temperature, token))


def narrowed(a: Assistant, question: str, hits: Sequence[Hit], sources: Sequence[Source],
             docs: dict[str, DocRecord]) -> list[Source]:
    """The sentences of the articles of `sources` that bear on `question` (rag.retrieval.focus, within
    NARROW_TOKENS), each article under its number in `sources`: the numbers the user sees."""
    number = {s.doc_id: s.n for s in sources}
    mine = [h for h in hits if h.chunk.doc_id in number]
    focused = build_focused(question, mine, docs, a.prompts, a.llm.count_tokens, NARROW_TOKENS,
                            a.index.sentences)
    return [replace(s, n=number[s.doc_id]) for s in focused if s.doc_id in number]


def ask_narrow(a: Assistant, question: str, hits: Sequence[Hit], sources: Sequence[Source],
               docs: dict[str, DocRecord], max_tokens: int, temperature: float,
               token: Callable[[str], T]) -> Generator[T, None, Completion | None]:
    """The model's answer to `question` from only the sentences of `sources` that bear on it (`narrowed`);
    None when none is left or the context has no room."""
    rest = narrowed(a, question, hits, sources, docs)
    if not rest:
        return None
    return (yield from _ask(a, question, rest, max_tokens, temperature, token))


def _ask(a: Assistant, question: str, sources: Sequence[Source], max_tokens: int, temperature: float,
         token: Callable[[str], T]) -> Generator[T, None, Completion | None]:
    """The answer prompt over `sources`, streamed after the "checking again" heading; None without room."""
    messages = prompt_messages(a.prompts, "answer_user", sources, question=question)
    room = min(max_tokens, a.llm.n_ctx - count_messages(a.llm, messages) - SAFETY_MARGIN)
    if room < MIN_TOKENS:
        return None
    yield token("\n\n" + a.prompts.text("answer_reread_heading").strip() + "\n")
    return (yield from relay(a.llm, messages, room, temperature, a.settings.gen_timeout_s, token))
