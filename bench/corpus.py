"""A synthetic news corpus for the benchmarks, made by recombining the sentences of seeds/.

Each article takes 14-26 sentences drawn from the seed articles, groups them into paragraphs and
renames its people and places and changes its numbers through its own substitution table, so
articles are article-sized, read like the seeds and are mostly not near-duplicates of each other
(some will be, as in real news). Deterministic: the same seed number gives the same files.
Does not produce meaningful news: the text is for timing ingest and retrieval, not for answering.
"""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Iterator, Sequence

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’]))\s+(?=[A-Z\"“])")
_NAME = re.compile(r"\b[A-Z][a-z]{3,}\b")
_NUMBER = re.compile(r"\b\d+\b")
_SYLLABLES = ("ka", "ra", "vel", "mon", "dor", "si", "ta", "lin", "bar", "zu", "en", "ol", "mar", "ti", "gan",
              "per", "sa", "lo", "ven", "dri", "ko", "ash", "rin", "bel")
_COMMON = frozenset("This That These Those There Their They While However When After Before Despite Sources "
                    "Critics Both Iranian Officials Some Many Most Such With From Into Over Under Although "
                    "Still Meanwhile Still Since Until Where What Which Who Whose Whether Without".split())


def seed_sentences(seeds_dir: Path | Sequence[Path]) -> list[str]:
    """Distinct sentences of the articles in one folder or several (paragraphs of a few words, like
    bylines, are left out)."""
    seen: dict[str, None] = {}
    dirs = [seeds_dir] if isinstance(seeds_dir, Path) else list(seeds_dir)
    for path in sorted(p for d in dirs for p in d.glob("*.txt")):
        for para in path.read_text(encoding="utf-8").splitlines():
            if len(para.split()) < 8:
                continue
            for s in _SENTENCE_END.split(para.strip()):
                if len(s.split()) >= 5:
                    seen.setdefault(s.strip(), None)
    return list(seen)


def _names(rng: random.Random, n: int) -> list[str]:
    out = set()
    while len(out) < n:
        out.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(out)


class Recombiner:
    """Makes articles and chunk-sized passages from the seed sentences."""

    def __init__(self, seeds_dir: Path | Sequence[Path], seed: int = 1234):
        self.sentences = seed_sentences(seeds_dir)
        if not self.sentences:
            raise ValueError(f"no sentences found in {seeds_dir}")
        self.rng = random.Random(seed)
        entities = {m for s in self.sentences for m in _NAME.findall(s)} - _COMMON
        self.entities = sorted(entities)
        self.names = _names(random.Random(seed + 1), 400)

    def _table(self) -> dict[str, str]:
        """This article's renaming: about two thirds of the entities get a new name."""
        return {e: self.rng.choice(self.names) for e in self.entities if self.rng.random() < 0.65}

    def _rewrite(self, sentence: str, table: dict[str, str]) -> str:
        s = _NAME.sub(lambda m: table.get(m.group(), m.group()), sentence)
        return _NUMBER.sub(lambda m: str(self.rng.randint(10 ** (len(m.group()) - 1) if len(m.group()) > 1 else 1,
                                                          10 ** len(m.group()) - 1)), s)

    def passage(self, sentences: int = 5) -> str:
        """A chunk-sized passage (about 100-150 words)."""
        table = self._table()
        return " ".join(self._rewrite(s, table) for s in self.rng.sample(self.sentences, sentences))

    def article(self) -> str:
        """Title line, a blank line, then paragraphs of 2-4 sentences: 14-26 sentences in all."""
        table = self._table()
        n = min(self.rng.randint(14, 26), len(self.sentences))
        picked = [self._rewrite(s, table) for s in self.rng.sample(self.sentences, n)]
        title = " ".join(picked[0].split()[:10]).rstrip(".,;:")
        paras, i = [], 0
        while i < len(picked):
            k = self.rng.randint(2, 4)
            paras.append(" ".join(picked[i : i + k]))
            i += k
        return title + "\n\n" + "\n\n".join(paras) + "\n"

    def articles(self, n: int) -> Iterator[str]:
        for _ in range(n):
            yield self.article()


def write_corpus(seeds_dir: Path | Sequence[Path], out_dir: Path, n: int, seed: int = 1234) -> list[Path]:
    """Write `n` articles as out_dir/gen_00000.txt ...; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(Recombiner(seeds_dir, seed).articles(n)):
        p = out_dir / f"gen_{i:05d}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths
