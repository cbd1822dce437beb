"""Deterministic extraction from one article's text, without the model: body sentences, attributed
quotes ("who said what"), the people named with their role, and sentences about what is still open.

Regular expressions over English news prose; they miss unusual phrasings rather than guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.sentences import split_sentences

ENDS = re.compile(r"[.!?][\"')\]]*$")

_LEADING = frozenset("while as but and however although though when after meanwhile still yet then so also "
                     "despite in on at for".split())
_NOUNS = (r"officials?|residents?|spokes(?:man|woman|person)|ministers?|diplomats?|analysts?|sources?|"
          r"observers?|experts?|negotiators?|envoys?|representatives?|critics?|leaders?|witness(?:es)?|"
          r"members?|aides?|advis[eo]rs?|lawmakers?|people|person|students?|officers?|citizens?")
_GROUP = rf"(?:(?:an?|the|one|two|three|several|some|many|another)\s+)?(?:[A-Za-z-]+\s+){{0,3}}?(?:{_NOUNS})\b"
_NAME = r"[A-Z][\w'.-]*(?:\s+(?:[A-Z][\w'.-]*|of|al|bin|de|van|von))*"
_WHO = rf"(?P<who>{_GROUP}|{_NAME})"
_VERB = (r"(?:said|says|told|noted|notes|added|stated|warned|explained|stressed|insisted|argued|declared|"
         r"announced|remarked|wrote|described|describes|called|calls|termed|terms|deemed|labell?ed|dubbed|"
         r"emphasi[sz]ed|put it)")
_SAID = r'"(?P<said>[^"]{2,400}?)[,.]?"'
_QUOTE_PATTERNS = tuple(re.compile(p) for p in (
    rf"{_SAID}\s*,?\s*{_VERB}\s+{_WHO}",                                   # "...," said one official
    rf"{_SAID}\s*,?\s*{_WHO}\s+{_VERB}\b",                                 # "...," Araghchi said
    rf"\b[Aa]s\s+{_WHO}\s+{_VERB},?\s*{_SAID}",                             # As one resident noted, "..."
    rf"\b{_VERB}(?:\s+(?:as\s+)?(?:an?\s+)?){_SAID}\s+by\s+{_WHO}",         # deemed a "..." by officials
    rf"{_WHO}\s+(?:(?:has|have|had|also)\s+)*{_VERB}\b[^\"]{{0,120}}?{_SAID}",  # Iran has termed it a "..."
))
_OPEN = re.compile(
    r"\b(?:unclear|unknown|uncertain|undecided|unresolved|remains? to be seen|yet to be|pending|open question"
    r"|(?:has|have|had) (?:not|yet to) (?:yet )?(?:been )?(?:finali[sz]ed|decided|confirmed|announced|agreed|set)"
    r"|not (?:yet )?(?:been )?(?:finali[sz]ed|decided|confirmed|announced|disclosed|clear|known)"
    r"|(?:is|are) expected to|remains? (?:scarce|open|unclear|unknown)|no (?:immediate )?(?:follow-up )?date)\b",
    re.IGNORECASE)
_ROLE = (r"(?:(?:[A-Z][\w.-]*|foreign|special|prime|deputy|senior|chief|defen[cs]e|interior|finance|state|"
         r"top|lead|supreme|vice)\s+){0,3}"
         r"(?:[Mm]inister|[Ee]nvoy|[Pp]resident|[Ss]ecretary(?: of [A-Z]\w+)?|[Ss]pokes(?:man|woman|person)|"
         r"[Aa]mbassador|[Cc]hancellor|[Gg]overnor|[Mm]ayor|[Gg]eneral|[Dd]irector|[Ll]eader|[Nn]egotiator|"
         r"[Aa]dvis[eo]r|[Cc]ommander|[Kk]ing|[Qq]ueen|[Ss]ultan|[Ee]mir|[Pp]ope|[Cc]hairm[ae]n|CEO)")
_PERSON = re.compile(rf"(?P<role>{_ROLE})\s+(?P<name>[A-Z][a-z']+(?:\s+(?:al-|bin\s+)?[A-Z][a-z']+){{1,2}})(?![\w-])")


@dataclass(frozen=True)
class Quote:
    """Who said what: the speaker as the article names them, the quoted words and the whole sentence."""

    speaker: str
    said: str
    sentence: str


def body_sentences(text: str, title: str = "") -> list[tuple[int, int, str]]:
    """(paragraph, position in paragraph, sentence) of the body; the title line and headings are skipped."""
    out = []
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    for i, para in enumerate(paras):
        if (i == 0 and para == " ".join(title.split())) or not ENDS.search(para):
            continue
        out += [(i, j, s) for j, s in enumerate(split_sentences(para))]
    return out


def find_quotes(text: str) -> list[Quote]:
    """Attributed quotes: '"...," said one senior official.', 'Araghchi described them as "positive"'."""
    found: dict[tuple[str, str], Quote] = {}
    for _, _, sentence in body_sentences(text):
        if '"' not in sentence:
            continue
        for pattern in _QUOTE_PATTERNS:
            for m in pattern.finditer(sentence):
                speaker, said = _speaker(m.group("who")), m.group("said").strip(" ,.")
                if speaker and said and (speaker.lower(), said.lower()) not in found:
                    found[(speaker.lower(), said.lower())] = Quote(speaker, said, sentence)
    seen: set[str] = set()  # one speaker per quoted passage: the first pattern that matched wins
    return [q for q in found.values() if not (q.said.lower() in seen or seen.add(q.said.lower()))]


def _speaker(raw: str) -> str:
    words = raw.split()
    while words and words[0].lower() in _LEADING:
        words = words[1:]
    return " ".join(words).strip(" ,.")


def find_open_questions(text: str) -> list[str]:
    """Sentences saying something is unclear, unknown, pending, not yet finalised or expected to happen."""
    return list(dict.fromkeys(s for _, _, s in body_sentences(text) if _OPEN.search(s)))


@dataclass(frozen=True)
class Person:
    """Someone the article names with a role: "US special envoy Steve Witkoff"."""

    name: str
    role: str
    sentence: str


def find_people(text: str) -> list[Person]:
    """People named with a role, once each (by surname), in the order the article names them."""
    found: dict[str, Person] = {}
    for _, _, sentence in body_sentences(text):
        for m in _PERSON.finditer(sentence):
            name, role = m.group("name"), re.sub(r"^(?:The|A|An)\s+", "", " ".join(m.group("role").split()))
            found.setdefault(name.split()[-1].lower(), Person(name, role, sentence))
    return list(found.values())
