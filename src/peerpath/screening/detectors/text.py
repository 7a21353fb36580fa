"""Text helpers the detectors share: sentences, and the words around a match."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# A sentence ends at . ! ? or a line break; Markdown quotes ("> ") are someone else's words, kept as their own lines.
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Curly quotes made straight, so that a phone's curly apostrophe reads as a straight one."""
    if text.isascii():
        return text
    # The same as text.translate(_APOSTROPHES), many times quicker on a long text beyond ASCII.
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')


# Full forms, and contractions typed without the apostrophe, made one contracted form, so that a pattern written
# for "don't" also reads "do not" and "dont". Only whole words change, and never . ! ? or a line break, so a text's
# sentences stay the same sentences. "i have", "i will", "ill" and "id" are left alone: they are words of their own.
_CONTRACTIONS = {
    "can not": "can't", "cannot": "can't", "cant": "can't", "do not": "don't", "dont": "don't",
    "does not": "doesn't", "doesnt": "doesn't", "did not": "didn't", "didnt": "didn't", "will not": "won't",
    "wont": "won't", "would not": "wouldn't", "wouldnt": "wouldn't", "could not": "couldn't", "couldnt": "couldn't",
    "should not": "shouldn't", "shouldnt": "shouldn't", "is not": "isn't", "isnt": "isn't", "are not": "aren't",
    "arent": "aren't", "was not": "wasn't", "wasnt": "wasn't", "were not": "weren't", "werent": "weren't",
    "have not": "haven't", "havent": "haven't", "has not": "hasn't", "hasnt": "hasn't", "had not": "hadn't",
    "hadnt": "hadn't", "i am": "i'm", "im": "i'm", "ive": "i've", "i would": "i'd", "youre": "you're",
    "you are": "you're", "theyre": "they're", "thats": "that's", "whats": "what's", "gonna": "going to",
    "wanna": "want to", "gotta": "got to", "any more": "anymore", "my self": "myself", "no-one": "nobody",
    "no one": "nobody",
}  # fmt: skip
_WORDS = (re.escape(key).replace(r"\ ", r"[ \t]+") for key in sorted(_CONTRACTIONS, key=len, reverse=True))
_CONTRACTION = re.compile(rf"\b(?:{'|'.join(_WORDS)})\b")
_SPACES = re.compile(r"[ \t]+")


def contracted(text: str) -> str:
    """Lower case, curly quotes straight, runs of spaces one space, and the contracted form of "do not", "dont",
    "i am", "cannot", "any more"… (see _CONTRACTIONS), for matching only: quote the text as the writer wrote it."""
    lowered = _SPACES.sub(" ", normalise(text).lower())
    return _CONTRACTION.sub(lambda match: _CONTRACTIONS[_SPACES.sub(" ", match.group())], lowered)


def sentences(text: str) -> Iterator[str]:
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if sentence:
            yield sentence


@lru_cache(maxsize=8)
def sentence_list(text: str) -> tuple[str, ...]:
    """The sentences of the normalised text, kept for the last few texts: several detectors read the same post."""
    return tuple(sentences(normalise(text)))


@lru_cache(maxsize=8)
def contracted_sentences(text: str) -> tuple[tuple[str, str], ...]:
    """Each sentence of the normalised text beside its contracted form, kept for the last few texts."""
    return tuple((sentence, contracted(sentence)) for sentence in sentence_list(text))


def forget() -> None:
    """Drop the kept sentences (a benchmark times each text from scratch)."""
    sentence_list.cache_clear()
    contracted_sentences.cache_clear()


def is_quote(sentence: str) -> bool:
    return sentence.lstrip().startswith(">")


def excerpt(text: str, start: int, end: int, *, around: int = 0) -> str:
    return text[max(start - around, 0) : end + around].strip()
