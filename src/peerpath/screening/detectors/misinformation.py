"""Known misinformation: the curated claims (MisinformationClaim rows, read as `Context.claims`), matched as words in
order, and only in spaces about the claim's condition when it names one (issue 6 point 8). The finding carries the
claim's correction and source, for the moderator and for a fact note (issue 6 point 11).
"""

from __future__ import annotations

import re
from functools import lru_cache

from peerpath.screening.categories import Category
from peerpath.screening.core import ClaimRule, Context, Finding
from peerpath.screening.detectors.text import normalise

_WORD = re.compile(r"[\w']+")
# Between two words of a phrase a few other words may stand ("insulin is basically poison").
GAP_WORDS = 2
# Someone asking about a claim or debunking it is not spreading it.
_DOUBT = re.compile(
    r"\?|\b(?:is (?:it|this|that) true|myth|not true|isn'?t true|false|debunk\w*|nonsense|rubbish|no evidence|"
    r"don'?t believe|do not believe|misinformation|not the case|told me that|claims? that|people say|keep hearing)\b",
    re.IGNORECASE,
)

# A negation between the words turns the claim round: "vaccines do not cause autism".
_NEGATION = r"(?:not|no|never|don't|doesn't|isn't|aren't|won't|can't|cannot|didn't|wont|dont|doesnt|isnt)\b"

HIGH, LOW = 0.8, 0.35


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase's words in order, a few words apart at most, compiled once per phrase."""
    words = [re.escape(word) for word in _WORD.findall(phrase.lower())]
    space = r"[^\w.!?\n]+"  # within one sentence
    gap = rf"(?:{space}(?!{_NEGATION})[\w']+){{0,{GAP_WORDS}}}?{space}"
    return re.compile(r"\b" + gap.join(words) + r"\b", re.IGNORECASE)


def applies(rule: ClaimRule, conditions: frozenset[str]) -> bool:
    """A claim about a condition applies to spaces about it or about a kind of it ("diabetes" covers
    "type-2-diabetes")."""
    if not rule.condition_slugs:
        return True
    return any(
        condition == slug or condition.endswith("-" + slug) or condition.startswith(slug + "-")
        for slug in rule.condition_slugs
        for condition in conditions
    )


class MisinformationDetector:
    name: str = "misinformation"
    category: str = Category.MISINFORMATION

    def detect(self, text: str, context: Context) -> list[Finding]:
        text = normalise(text)
        # Only phrases whose every word is in the post are searched for: a long post stays fast.
        words = set(_WORD.findall(text.lower()))
        candidates = [
            (rule, phrases)
            for rule in context.claims
            if applies(rule, context.conditions)
            and (phrases := [phrase for phrase in rule.phrases if words.issuperset(_WORD.findall(phrase.lower()))])
        ]
        if not candidates:
            return []
        findings: list[Finding] = []
        for rule, phrases in candidates:
            finding = self._first(text, rule, phrases)
            if finding is not None:
                findings.append(finding)
        return findings

    def _first(self, text: str, rule: ClaimRule, phrases: list[str]) -> Finding | None:
        """The claim's first match outside a quote, judged by the sentence it stands in."""
        for phrase in phrases:
            for match in phrase_pattern(phrase).finditer(text):
                sentence = _sentence_around(text, match.start(), match.end())
                if sentence.lstrip().startswith(">"):
                    continue  # someone else's words, quoted
                confidence = LOW if _DOUBT.search(sentence) else HIGH
                detail = {"claim_id": rule.claim_id, "claim": rule.claim, "correction": rule.correction,
                          "source_url": rule.source_url}  # fmt: skip
                return Finding(self.category, confidence, match.group(), self.name, detail)
        return None


def _sentence_around(text: str, start: int, end: int) -> str:
    begin = max(text.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [index for index in (text.find(mark, end) for mark in ".!?\n") if index != -1]
    return text[begin : min(ends) + 1 if ends else len(text)]


DETECTOR = MisinformationDetector()
