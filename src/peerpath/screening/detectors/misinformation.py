"""Known misinformation: the curated claims (MisinformationClaim rows, read as `Context.claims`), only in spaces about
the claim's condition when it names one (issue 6 point 8). The finding carries the claim's correction and source, for
the moderator and for a fact note (issue 6 point 11).

Two passes (issue 15 point 3). First the phrases, as words in order. Then by meaning: each sentence that shares a
distinctive word with a claim (at most MAX_SENTENCES a post, those sharing most first, so a 20,000-character post
stays fast) is embedded with the static sentence encoder (screening/encoder.py) and compared with the claim and its
phrases, embedded once and cached. A sentence that doubts or corrects the claim ("it's a myth that", "vaccines do
NOT cause autism") is kept below the deciding confidence, unless another clause of it restates the claim plainly
("they say vaccines are safe but they cause autism"). Without the encoder the phrases work alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from peerpath.screening import encoder
from peerpath.screening.categories import Category
from peerpath.screening.core import ClaimRule, Context, Finding
from peerpath.screening.detectors.text import is_quote, normalise, sentence_list

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
# Cosine similarity (static encoder, unit vectors) at or above which a sentence restates a claim or one of its
# phrases; tuned on the claims' own paraphrases and the public *.tune.jsonl sets, never on the held-out ones.
SIMILAR = 0.77
MAX_SENTENCES = 24
MIN_WORDS = 4
MAX_SENTENCE_CHARACTERS = 400
_NEGATED = re.compile(rf"\b{_NEGATION}|\bnot?\b|n't\b|\bnever\b|\bnothing\b|\bneither\b", re.IGNORECASE)
_CLAUSES = re.compile(r"[,;:]?\s+\b(?:but|however|yet|although|though|whereas|while)\b|;", re.IGNORECASE)
# Words a claim shares with too many ordinary sentences to mark it out.
_COMMON_WORDS = """a about after all also an and any are as at be been being but by can cause caused causes causing
    could cure
    cured cures curing did do does doing don't for from get gets give gives got has have how i if in is it its just
    kill killed kills killing like make makes more most much my no not of on once one only or other our out people
    really so some than that the their them then there these they this those to too treat treats up us very was we
    were what when which who will with won't would you your better bad good best worse than better works work help
    helps body take taking instead every all"""
_COMMON = frozenset(_COMMON_WORDS.split())


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
        rules = [rule for rule in context.claims if applies(rule, context.conditions)]
        if not rules:
            return []
        # Only phrases whose every word is in the post are searched for: a long post stays fast.
        words = set(_WORD.findall(text.lower()))
        findings: list[Finding] = []
        for rule in rules:
            phrases = [phrase for phrase in rule.phrases if words.issuperset(_WORD.findall(phrase.lower()))]
            finding = self._first(text, rule, phrases) if phrases else None
            if finding is not None:
                findings.append(finding)
        found = {finding.detail["claim_id"] for finding in findings if finding.confidence >= HIGH}
        rest = [rule for rule in rules if rule.claim_id not in found]
        if rest:
            findings.extend(_by_meaning(text, tuple(rest)))
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


# --- By meaning ---------------------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    return word[:6]


def anchors(rule: ClaimRule) -> frozenset[str]:
    """The claim's distinctive words (six-letter stems), from its wording and its phrases."""
    return _anchors(rule.claim, rule.phrases)


@lru_cache(maxsize=1024)
def _anchors(claim: str, phrases: tuple[str, ...]) -> frozenset[str]:
    words = _WORD.findall(" ".join((claim, *phrases)).lower())
    return frozenset(_stem(word) for word in words if word not in _COMMON and len(word) > 2)


@lru_cache(maxsize=64)
def _claim_vectors(texts: tuple[str, ...]) -> np.ndarray | None:
    """Every claim's wording and phrases, embedded once per list of claims."""
    return encoder.encode(list(texts))


def doubts(text: str) -> bool:
    """The text asks about a claim or debunks it ("is it true that…?", "it's a myth that…")."""
    return bool(_DOUBT.search(text))


def _doubted(clause: str, claim_negative: bool) -> bool:
    return bool(_DOUBT.search(clause)) or (not claim_negative and bool(_NEGATED.search(clause)))


def _by_meaning(text: str, rules: tuple[ClaimRule, ...]) -> list[Finding]:
    """Sentences that restate a claim in other words (see the module's docstring)."""
    wanted = {rule.claim_id: anchors(rule) for rule in rules}
    every = frozenset().union(*wanted.values())
    candidates: list[tuple[int, str, frozenset[str]]] = []
    for sentence in sentence_list(text):  # the text is normalised already; normalise changes it no more
        if is_quote(sentence) or len(sentence) > MAX_SENTENCE_CHARACTERS:
            continue
        words = _WORD.findall(sentence.lower())
        stems = frozenset(_stem(word) for word in words) & every
        if not stems or len(words) < MIN_WORDS:
            continue
        candidates.append((len(stems), sentence, stems))
        # "They say vaccines are safe but they cause autism": the clause after "but" is read on its own too.
        clauses = [clause.strip() for clause in _CLAUSES.split(sentence) if clause and clause.strip()]
        for clause in clauses if len(clauses) > 1 else ():
            clause_words = _WORD.findall(clause.lower())
            clause_stems = frozenset(_stem(word) for word in clause_words) & every
            if clause_stems and len(clause_words) >= MIN_WORDS - 1:
                candidates.append((len(clause_stems), clause, clause_stems))
    if not candidates:
        return []
    candidates = sorted(candidates, key=lambda candidate: -candidate[0])[:MAX_SENTENCES]
    owners: list[int] = []
    texts: list[str] = []
    for index, rule in enumerate(rules):
        for wording in (rule.claim, *rule.phrases):
            owners.append(index)
            texts.append(wording.lower())
    claim_vectors = _claim_vectors(tuple(texts))
    # Without the full stop: the claims are written without one, and a static encoder weighs it as a word.
    sentence_vectors = encoder.encode([sentence.rstrip(" .!?") for _count, sentence, _stems in candidates])
    if claim_vectors is None or sentence_vectors is None:
        return []
    # einsum, not @: a small product through a multi-threaded BLAS waits milliseconds for its threads.
    similarity = np.einsum("ij,kj->ik", sentence_vectors, claim_vectors)
    owner = np.asarray(owners)
    findings: dict[str, Finding] = {}
    for row, (_count, sentence, stems) in enumerate(candidates):
        for column in np.argsort(-similarity[row])[:4]:
            score = float(similarity[row, column])
            if score < SIMILAR:
                break
            rule = rules[int(owner[column])]
            if rule.claim_id in findings or not stems & wanted[rule.claim_id]:
                continue
            claim_negative = bool(_NEGATED.search(texts[column]))
            clauses = [clause for clause in _CLAUSES.split(sentence) if clause and clause.strip()]
            about = [clause for clause in clauses if _anchored(clause, wanted[rule.claim_id])] or [sentence]
            doubted = all(_doubted(clause, claim_negative) for clause in about)
            detail = {"claim_id": rule.claim_id, "claim": rule.claim, "correction": rule.correction,
                      "source_url": rule.source_url, "similarity": f"{score:.2f}"}  # fmt: skip
            findings[rule.claim_id] = Finding(
                Category.MISINFORMATION, LOW if doubted else HIGH * min(1.0, score + 0.1), sentence[:200],
                "misinformation", detail,
            )  # fmt: skip
    return list(findings.values())


def _anchored(clause: str, stems: frozenset[str]) -> bool:
    return any(_stem(word) in stems for word in _WORD.findall(clause.lower()))


DETECTOR = MisinformationDetector()
