"""Each detector's precision and recall on the labelled corpus (issue 6 point 8): tests/corpus/posts.jsonl holds 376
realistic posts in the voice of people with long-term conditions, with hard negatives (support that mentions
suicide, people's own medication changes, a charity's free leaflet, times and doses that look like numbers).

Read the figures as in-sample: the detectors were tuned on this corpus. Its last 46 posts were written after tuning
on the first 330, and before any retuning the detectors caught 1 of their 10 crisis posts, 1 of 5 medical
instructions, 2 of 4 promotions (with 1 false alarm) and all 4 misinformation and 4 personal-data posts. Real posts
will score lower than this table; widen the corpus with missed real posts (anonymised) as moderators find them.

The crisis detector has a second set, tests/corpus/crisis_heldout.jsonl: 77 crisis posts (full and contracted forms,
no capitals, typos, "kms", passive hopelessness, plans, goodbyes, self-harm urges, UK and US English, long posts with
the crisis sentence in the middle) and 78 hard negatives (support for others, a relative, the past, denial, "the pain
is killing me", "dying to know", training, news). It was written after a review found plainly worded crisis posts
missed ("I am thinking about suicide", "I do not want to be here any more"), and before the detector was changed.
The detector as it was then caught 27 of the 77 crisis posts (recall 0.351) with 9 false alarms (precision 0.750),
while scoring 1.000 and 1.000 on posts.jsonl: the gap between the two is how far in-sample figures flatter. The
detector was then rewritten (contracted forms matched, general first-person patterns for thinking about, planning
or researching suicide, not wanting to be here, stopping existing, self-harm urges, who a clause is about) and scores
76 of 77 (recall 0.987) with no false alarm on the held-out set, and still 1.000 and 1.000 on posts.jsonl; the miss
is "It's my birthday and I don't want to see another one.". Once tuned against (with two ad-hoc probes of 30 further
sentences each, also tuned against), the held-out set is no longer held out: those after-figures are in-sample too,
and wording none of these sets has will still be missed. Real crisis posts the
detector misses must be added (anonymised) to crisis_heldout.jsonl as moderators find them, and the figures read as
an upper bound until a fresh set written without looking at the patterns has been scored.

Since issue 15 the shipped classifiers (screening/weights/) run here too, as they do for the forum; they were
trained on public tuning data only, never on these posts, and the floors below were kept unchanged with them.

Run with -s to see the tables; they are also in every assertion's message. Crisis recall must stay at 0.95 or above:
a crisis post nobody sees is the worst hazard in the log. The other floors are what the detectors meet today, kept
honest so that a change that makes them worse fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerpath.moderation.claims import DATA_FILE
from peerpath.screening.categories import Category
from peerpath.screening.core import DECIDING_CONFIDENCE, ClaimRule, Context, screen

CORPUS = Path(__file__).parent / "corpus" / "posts.jsonl"
CRISIS_HELDOUT = Path(__file__).parent / "corpus" / "crisis_heldout.jsonl"

FLOORS: dict[str, tuple[float, float]] = {  # category: (precision, recall)
    Category.CRISIS: (0.9, 0.95),
    Category.MEDICAL_INSTRUCTIONS: (0.9, 0.9),
    Category.PROMOTION: (0.9, 0.9),
    Category.MISINFORMATION: (0.9, 0.9),
    Category.PERSONAL_DATA: (0.9, 0.9),
}


def shipped_claims() -> tuple[ClaimRule, ...]:
    """The shipped starting list, as the detector reads it once loaded."""
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(
        ClaimRule(
            claim_id=str(index),
            claim=entry["claim"],
            phrases=tuple(entry["phrases"]),
            correction=entry["correction"],
            source_url=entry["source_url"],
            condition_slugs=frozenset({entry["condition"]}) if entry["condition"] else frozenset(),
        )
        for index, entry in enumerate(document["claims"])
    )


def corpus_context() -> Context:
    """A space about every condition the claims name, so that every claim applies."""
    claims = shipped_claims()
    conditions = frozenset(slug for claim in claims for slug in claim.condition_slugs)
    return Context(conditions=conditions, claims=claims, author_handle="hopeful-heron")


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Score:
    category: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(
    path: Path = CORPUS, categories: tuple[str, ...] = tuple(Category.values)
) -> tuple[dict[str, Score], list[str]]:
    context = corpus_context()
    scores = {category: Score(category) for category in categories}
    mistakes = []
    for post in load_corpus(path):
        result = screen(post["text"], context)
        found = {str(f.category) for f in result.findings if f.confidence >= DECIDING_CONFIDENCE}
        for category, score in scores.items():
            expected, got = category in post["labels"], category in found
            if expected and got:
                score.tp += 1
            elif got:
                score.fp += 1
                mistakes.append(f"  false {category}: {post['text'][:90]}")
            elif expected:
                score.fn += 1
                mistakes.append(f"  missed {category}: {post['text'][:90]}")
            else:
                score.tn += 1
    return scores, mistakes


def table(scores: dict[str, Score]) -> str:
    lines = [f"{'category':<22}{'posts':>6}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}"]
    for score in scores.values():
        lines.append(
            f"{score.category:<22}{score.tp + score.fn:>6}{score.tp:>5}{score.fp:>5}{score.fn:>5}"
            f"{score.precision:>11.3f}{score.recall:>8.3f}"
        )
    return "\n".join(lines)


def test_the_corpus_is_big_and_varied_enough() -> None:
    posts = load_corpus()
    crisis = [post for post in posts if Category.CRISIS in post["labels"]]
    clean = [post for post in posts if not post["labels"]]
    assert len(posts) >= 300
    assert len(crisis) >= 60
    assert len(clean) >= 100, "hard negatives are what keep precision honest"
    assert all(set(post["labels"]) <= set(Category.values) for post in posts)
    assert len({post["text"] for post in posts}) == len(posts), "a post appears twice"


def test_detectors_meet_their_precision_and_recall_floors() -> None:
    scores, mistakes = evaluate()
    report = "\n" + table(scores) + "\n" + "\n".join(mistakes)
    print(report)
    crisis = scores[Category.CRISIS]
    assert crisis.recall >= 0.95, f"crisis recall fell below 0.95{report}"
    for category, (precision, recall) in FLOORS.items():
        score = scores[category]
        assert score.precision >= precision, f"{category} precision {score.precision:.3f} < {precision}{report}"
        assert score.recall >= recall, f"{category} recall {score.recall:.3f} < {recall}{report}"


def test_the_crisis_heldout_set_is_big_and_varied_enough() -> None:
    posts = load_corpus(CRISIS_HELDOUT)
    assert len([post for post in posts if post["labels"] == [Category.CRISIS]]) >= 60
    assert len([post for post in posts if post["labels"] == []]) >= 60, "hard negatives keep precision honest"
    assert all(set(post["labels"]) <= {Category.CRISIS} for post in posts)
    assert len({post["text"] for post in posts}) == len(posts), "a post appears twice"
    assert not {post["text"] for post in posts} & {post["text"] for post in load_corpus()}, "a post is in both sets"


def test_crisis_recall_and_precision_on_the_heldout_set() -> None:
    """Only the crisis category is scored: the set's negatives are hard negatives for crisis alone."""
    scores, mistakes = evaluate(CRISIS_HELDOUT, (Category.CRISIS,))
    report = "\n" + table(scores) + "\n" + "\n".join(mistakes)
    print(report)
    crisis = scores[Category.CRISIS]
    assert crisis.recall >= 0.95, f"crisis recall {crisis.recall:.3f} < 0.95 on the held-out set{report}"
    assert crisis.precision >= 0.8, f"crisis precision {crisis.precision:.3f} < 0.8 on the held-out set{report}"


@pytest.mark.parametrize("text", ["I can't go on.", "This is my last post, thank you all for everything."])
def test_crisis_posts_decide_to_publish_and_flag_by_default(text: str) -> None:
    result = screen(text, corpus_context())
    assert result.is_crisis
    assert result.decision == "flag"
