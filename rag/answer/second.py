"""A second opinion from the local model on the sentences the word rules cannot settle.

`borderline`: the sentences of slot questions the question's-verbs rule would have refused (rag.answer.asked keeps that
rule off, since it also threw away right answers that paraphrase the source): the question has relation
verbs ("replaced", "claimed"), the sentence fills the slot it asks for, and the evidence sentence holds
none of those verbs in any form or curated synonym ("Bao Shusheng replaced Serge Vohor [1]" against
"Vohor was accused of assaulting the Chinese ambassador, Bao Shusheng").
`entails`: one short yes/no prompt (prompts/entail_*.txt) on the evidence and the claim, 2 tokens at
temperature 0; None when the reply is neither yes nor no or the model fails (the checker then keeps
its own verdict). `judge_for`: the `judge(claim, evidence)` callable rag.answer.cite.verify takes, or
None when the setting `second_opinion` is 0.

Does not score support or place citations (rag.answer.support, rag.answer.cite), and asks the model
nothing for a sentence that is not borderline.
"""
from __future__ import annotations

import re
from typing import Callable

from rag.answer import asked, claims
from rag.answer.assistant import Assistant
from rag.backends.llm import complete
from rag.core.errors import LLMError, Stopped
from rag.core.ports import ChatModel
from rag.core.prompts import Prompts
from rag.text.lexicon import canonical
from rag.text.markers import fence
from rag.text.words import content_words

Judge = Callable[[str, str], "bool | None"]

ENTAIL_TOKENS = 2  # "yes" / "no" and at most one more piece
ENTAIL_TIMEOUT_S = 30.0
_VERDICT = re.compile(r"^\W*(yes|no)\b", re.I)


def borderline(question: str, sentence: str, evidence_sentence: str) -> bool:
    """The question asks for a slot (rag.answer.asked: not a yes/no or "what happened" question) and has
    relation verbs, the sentence fills the slot, and the evidence holds none of those verbs (word forms
    and the lexicon's synonyms count as the verb)."""
    ask = asked.parse(question)
    if ask.kind is None or not ask.verbs or not evidence_sentence.strip() or not asked.fills(ask, sentence):
        return False
    words = content_words(canonical(evidence_sentence))
    return not any(claims.same_word(v, w) or claims.same_word(w, v) for v in ask.verbs for w in words)


def verdict(reply: str) -> bool | None:
    """True for a reply that opens with "yes", False for "no", None otherwise."""
    m = _VERDICT.match(reply or "")
    return None if m is None else m.group(1).lower() == "yes"


def entails(llm: ChatModel, prompts: Prompts, claim: str, evidence: str,
            timeout_s: float = ENTAIL_TIMEOUT_S) -> bool | None:
    """The model's yes/no on whether `evidence` states `claim`; None when unclear or the model fails."""
    messages = [{"role": "system", "content": prompts.text("entail_system")},
                {"role": "user", "content": prompts.render("entail_user", evidence=fence(evidence.strip()),
                                                           claim=fence(claim.strip()))}]
    try:
        return verdict(complete(llm, messages, ENTAIL_TOKENS, 0.0, timeout_s).text)
    except Stopped:
        raise
    except LLMError:
        return None


def judge_for(a: Assistant) -> Judge | None:
    """The model's judge for rag.answer.cite.verify, or None when the setting `second_opinion` is off.
    One verdict per (claim, evidence): a sentence cited to two chunks of one article asks once."""
    if not a.settings.second_opinion:
        return None
    seen: dict[tuple[str, str], bool | None] = {}
    timeout = min(ENTAIL_TIMEOUT_S, a.settings.gen_timeout_s)

    def judge(claim: str, evidence: str) -> bool | None:
        if (claim, evidence) not in seen:
            seen[claim, evidence] = entails(a.llm, a.prompts, claim, evidence, timeout)
        return seen[claim, evidence]
    return judge
