"""Text helpers the detectors share: sentences, and the words around a match."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at . ! ? or a line break; Markdown quotes ("> ") are someone else's words, kept as their own lines.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Curly quotes made straight, so that a phone's curly apostrophe reads as a straight one."""
    return text.translate(_APOSTROPHES)


def sentences(text: str) -> Iterator[str]:
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if sentence:
            yield sentence


def is_quote(sentence: str) -> bool:
    return sentence.lstrip().startswith(">")


def excerpt(text: str, start: int, end: int, *, around: int = 0) -> str:
    return text[max(start - around, 0) : end + around].strip()
