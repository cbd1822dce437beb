"""Multi-part questions: split a question into the parts it asks, and ask the model again, one part at
a time, for the parts a verified answer left unanswered.

`split` is deterministic and splits only forms where each part is a question of its own:
  - two or more question sentences: "How much is the deal worth? Do Reuters and CNN give the same figure?"
  - "X, and <wh> Y?": "When was Arafat flown to France, and on what day of the week did he die?"
  - "X and <wh> Y?" (no comma) when X opens with a question word as well: "Who won the vote and who lost it?"
It does not split a question that asks one slot with two fillers ("Who did Bush choose as secretary of
state and national security adviser?": "and" + a noun phrase), "between X and Y", a first half that holds
an embedded wh-clause ("Who said what the plan would cost and when it would start?"), a part under three
words ("Who met him, and when?"), or a run of more than MAX_PARTS questions (a pasted list, not a question).

`unanswered`: the parts no clause of a kept sentence answers: none fills the part's slot (rag.answer.asked)
while naming a word of the part's own (one its other parts do not share, not a name when it has other words:
"died" for "on what day of the week did he die").
`complete`: for each unanswered part (at most MAX_ASKS), the same numbered sources and the part as the
question (`prompts/answer_part_user.txt`, the whole question given as context); its sentences are
verified by rag.answer.cite and the supported ones appended, so citation numbers stay those of the
sources. An abstention whose parts verify becomes a partial answer; each part still unanswered gets a
line in the answer's notice (`prompts/part_unanswered.txt`).

`depth`: how many chunks a question retrieves: k, and half as many again for each further part it asks
(each part needs passages of its own). Does not retrieve (the parts are answered from the sources
the first answer read), and does not judge support itself.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Callable, Generator, Sequence, TypeVar

from rag.answer import asked, cite, claims, second
from rag.answer.assistant import Assistant
from rag.backends.llm import SAFETY_MARGIN, count_messages, relay
from rag.core.types import Answer, Citation, Sentence, Source, Timings, Usage
from rag.retrieval.context import messages as prompt_messages
from rag.text.lexicon import FRAMING, LIGHT_VERBS, canonical
from rag.text.markers import place_markers
from rag.text.words import content_words, key_terms

MAX_PARTS = 4  # more question sentences than this is a list, not one question: left whole
MAX_ASKS = 2  # extra model calls per question at most (each costs about one answer's time)
MIN_PART_WORDS = 3
MIN_PART_TOKENS = 16  # answer room below which a part is not asked
# A part's answer is one or two sentences: the default model's whole answers (1-3 sentences) in the saved
# seeds, Wikinews dev and RGB reports of 2026-11-30 are 23 tokens p50, 70 p95, 192 max (169 answers, chars/4),
# so 96 ends a part's answer early only when it rambles, and bounds what a part can add to the wait.
PART_TOKENS = 96

_WH = r"(?:who|whom|whose|what|which|when|where|why|how)"
_PREP = r"(?:on|in|at|by|from|to|for|during|of|with|under|since|until|after|before|against|into|about)"
_WH_START = re.compile(rf"^(?:{_PREP}\s+)?{_WH}\b", re.I)
_WH_ANY = re.compile(rf"\b{_WH}\b", re.I)
_COMMA_AND_WH = re.compile(rf",\s+and\s+(?=(?:{_PREP}\s+)?{_WH}\b)", re.I)
_LIST_WH = re.compile(rf",\s+(?=(?:{_PREP}\s+)?{_WH}\b)", re.I)
_AND_WH = re.compile(rf"\s+and\s+(?=(?:{_PREP}\s+)?{_WH}\b)", re.I)
_EMBEDDED = re.compile(rf"\b{_WH}\b|\bwhether\b|\bbetween\b", re.I)
_QUESTIONS = re.compile(r"(?<=\?)\s+(?=[\"'“A-Z])")

T = TypeVar("T")


def depth(question: str, k: int) -> int:
    """Chunks to retrieve for `question`: k, plus ceil(k/2) per part after the first. On the Wikinews dev
    suite's 14 multi-part questions, ranked by the whole question, every part's gold answer is in the top
    4 chunks for 6 of them and in the top 6 for 10 (ranks 5-6: rice-critic, brisbane, lycos, checkpoint)."""
    return k + (len(split(question)) - 1) * -(-k // 2)


def split(question: str) -> tuple[str, ...]:
    """The parts of a multi-part question, each ending in "?"; (question,) when it asks one thing."""
    sentences = [s.strip() for s in _QUESTIONS.split(question.strip()) if s.strip()]
    if len(sentences) > 1 and not all(s.endswith("?") for s in sentences):
        sentences = [question.strip()]
    parts = [p for s in sentences for p in _clauses(s)]
    if len(parts) < 2 or len(parts) > MAX_PARTS:
        return (question,)
    return tuple(dict.fromkeys(parts))


def _clauses(sentence: str) -> list[str]:
    """One question sentence split at ", and <wh>" (a list before it: "A, which B, and when C") or at
    " and <wh>", where every part stands alone."""
    body = sentence.rstrip("?").strip()
    for pattern in (_COMMA_AND_WH, _AND_WH):
        for m in pattern.finditer(body):
            head, tail = body[:m.start()], body[m.end():]
            items = _LIST_WH.split(head) if pattern is _COMMA_AND_WH else [head]
            if len(items) > 1 and not _WH_ANY.search(items[0]):  # "Besides the programme, what ...": an opener
                items = [f"{items[0]}, {items[1]}"] + items[2:]
            if len(tail.split()) >= MIN_PART_WORDS and all(
                    _stands(item, needs_wh_head=pattern is _AND_WH or i > 0) for i, item in enumerate(items)):
                return [_question(item) for item in items] + _clauses(_question(tail))
    return [_question(body)]


def _stands(head: str, needs_wh_head: bool) -> bool:
    """A clause that is a question of its own: three words or more, no second question word in it."""
    if len(head.split()) < MIN_PART_WORDS or (needs_wh_head and not _WH_START.match(head)):
        return False
    opening = _WH_ANY.search(head)  # "Besides the nuclear programme, what was ...": its first question word
    rest = head[opening.end():] if opening else head
    return not _EMBEDDED.search(rest)  # a second wh-word in the head: "and <wh>" may continue it


def _question(text: str) -> str:
    text = text.strip().rstrip("?,; ").strip()
    return text[:1].upper() + text[1:] + "?"


def _words(text: str) -> set[str]:
    return content_words(canonical(text))


def _own(part: str, parts: Sequence[str]) -> set[str]:
    """The part's content words that no other part shares; its lower-case ones (what it asks about:
    "die", "figure", "replaced") when it has any, since a name ("Iranian") is the topic of every part."""
    others = set().union(*(_words(p) for p in parts if p != part))
    own = {w for w in _words(part) - FRAMING - LIGHT_VERBS if not any(claims.same_word(w, o) for o in others)}
    plain = own - key_terms(canonical(part))
    return plain or own


def answers(part: str, parts: Sequence[str], sentence: str) -> bool:
    """The sentence fills the part's slot and names a word of the part's own."""
    ask = asked.parse(part)
    if not asked.fills(ask, sentence):
        return False
    own = _own(part, parts)
    if not own:
        return asked.on_topic(ask, sentence)
    return any(_same(w, o) for w in _words(sentence) for o in own)


def _same(a: str, b: str) -> bool:
    """claims.same_word, and short verbs with an ending ("die"/"died", "win"/"wins"), which it leaves out."""
    short, long_ = sorted((a, b), key=len)
    return claims.same_word(a, b) or (long_.startswith(short) and long_[len(short):] in ("d", "ed", "s", "es", "ing"))


def unanswered(parts: Sequence[str], sentences: Sequence[str]) -> list[str]:
    """The parts that no clause of a sentence answers (all of them for a multi-part question without
    sentences): in "Forest attacked the plans, and the pub trade body for 40,000 pubs called them a ban",
    the name answers the first part only, and the clause that names the second part's words names no one."""
    if len(parts) < 2:
        return []
    clauses = [c for s in sentences for c in claims.clauses(s)]
    return [p for p in parts if not any(answers(p, parts, c) for c in clauses)]


@dataclass(frozen=True)
class Reply:
    """One part's extra ask: the model's text, what it cost, and its verified sentences."""

    part: str
    raw: str
    usage: Usage
    prompt_tokens: int
    verification: cite.Verification | None  # None when the part was not asked (no room) or nothing came

    @property
    def kept(self) -> tuple[Sentence, ...]:
        v = self.verification
        return tuple(s for s in v.sentences if s.supported) if v is not None and v.answers else ()


def complete(a: Assistant, question: str, answer: Answer, max_tokens: int, temperature: float, t0: float,
             token: Callable[[str], T]) -> Generator[T, None, Answer]:
    """Ask again for each part `answer` leaves unanswered; stream those tokens (wrapped by `token`)
    and return the answer with the parts' verified sentences appended."""
    parts = split(question)
    if len(parts) < 2 or answer.stopped or not answer.sources:
        return answer
    said = [] if answer.abstained else [s.text for s in answer.sentences if s.supported]
    todo = unanswered(parts, said)
    replies: list[Reply] = []
    for part in todo[:MAX_ASKS]:
        yield token("\n\n" + a.prompts.render("answer_part_heading", part=part) + "\n")
        reply = yield from ask_part(a, question, part, answer.sources, max_tokens, temperature, token)
        replies.append(reply)
        if reply.usage.truncated == "stopped":
            break
    return merge(a, answer, replies, [p for p in todo if not any(r.part == p and r.kept for r in replies)], t0)


def ask_part(a: Assistant, question: str, part: str, sources: Sequence[Source], max_tokens: int,
             temperature: float, token: Callable[[str], T]) -> Generator[T, None, Reply]:
    """One part asked of the model over the same numbered sources; its text streamed and verified."""
    messages = prompt_messages(a.prompts, "answer_part_user", sources, question=question, part=part)
    prompt = count_messages(a.llm, messages)
    room = min(max_tokens, PART_TOKENS, a.llm.n_ctx - prompt - SAFETY_MARGIN)
    if room < MIN_PART_TOKENS:
        return Reply(part, "", Usage(), 0, None)
    got = yield from relay(a.llm, messages, room, temperature, a.settings.gen_timeout_s, token)
    raw, usage = got.text, got.usage
    judge = None if usage.truncated == "stopped" else second.judge_for(a)  # a stopped ask asks nothing more
    checked = cite.verify(raw, sources, part, judge) if raw.strip() else None
    return Reply(part, raw, usage, usage.prompt_tokens or prompt, checked)


def merge(a: Assistant, answer: Answer, replies: Sequence[Reply], missing: Sequence[str], t0: float) -> Answer:
    """The answer with each reply's supported sentences appended (those that add a word), a notice line per
    part still unanswered, and the calls' costs added; an abstention stays one when no part verified."""
    shown = [_words(s.text) for s in answer.sentences] if not answer.abstained else []
    added: list[Sentence] = []
    for r in replies:
        for s in r.kept:
            words = _words(s.text)
            if not any(words <= seen for seen in shown):  # a sentence that says nothing new is left out
                shown.append(words)
                added.append(s)
    t = answer.timings
    timings = Timings(t.retrieve_ms, t.ttft_ms, (time.perf_counter() - t0) * 1000,
                      t.prompt_tokens + sum(r.prompt_tokens for r in replies),
                      t.completion_tokens + sum(r.usage.completion_tokens for r in replies))
    raw = "\n\n".join([answer.raw] + [r.raw for r in replies if r.raw])
    stopped = any(r.usage.truncated == "stopped" for r in replies)
    if answer.abstained and not added:
        return replace(answer, timings=timings, raw=raw, stopped=stopped)
    lines = [] if stopped else [a.prompts.render("part_unanswered", part=p) for p in missing]
    notice = "; ".join(n for n in [answer.notice, *lines] if n) or None
    base = () if answer.abstained else answer.sentences
    text = " ".join(place_markers(s.text, s.citations) for s in added)
    text = text if answer.abstained else (answer.answer + "\n" + text if text else answer.answer)
    cited = {n for s in added for n in s.citations}
    citations = _citations(() if answer.abstained else answer.citations,
                           [c for r in replies if r.verification for c in r.verification.citations
                            if c.verified and c.n in cited])
    return replace(answer, answer=text, abstained=False, citations=citations, sentences=base + tuple(added),
                   timings=timings, notice=notice, raw=raw, stopped=stopped)


def _citations(first: Sequence[Citation], more: Sequence[Citation]) -> tuple[Citation, ...]:
    """One citation per source number: a verified one over a rejected one, the first answer's first."""
    best: dict[int, Citation] = {}
    for c in [*first, *more]:
        if c.n not in best or (c.verified and not best[c.n].verified):
            best[c.n] = c
    ordered = sorted(best.values(), key=lambda c: c.n)
    return tuple([c for c in ordered if c.verified] + [c for c in ordered if not c.verified])
