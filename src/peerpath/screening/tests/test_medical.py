"""Medical instructions in everyday words (issue 15 point 5) are flagged for a fact note or a moderator, not held;
experience with a clinician in it is not."""

from __future__ import annotations

import pytest

from peerpath.screening.categories import Category, Decision
from peerpath.screening.core import DECIDING_CONFIDENCE, Context, screen
from peerpath.screening.detectors import medical


def flagged(text: str) -> bool:
    return any(finding.confidence >= DECIDING_CONFIDENCE for finding in medical.DETECTOR.detect(text, Context()))


@pytest.mark.parametrize(
    "text",
    [
        "I doubled my insulin and my numbers came right down.",
        "Honestly just stop taking it, you'll feel better.",
        "Try melatonin, it knocked me out.",
        "Take two of the 500s when it flares.",
        "I just stopped taking them and felt fine.",
        "you can stop taking it once the rash goes",
    ],
)
def test_everyday_instructions_and_copied_dose_changes_are_flagged(text: str) -> None:
    assert flagged(text)


@pytest.mark.parametrize(
    "text",
    [
        "My consultant doubled my insulin in the summer and it took a while to get used to.",
        "I came off sertraline last year very slowly with my GP's help.",
        "I stopped taking metformin after talking to my GP.",
        "Has anyone tried melatonin for jet lag?",
        "I forgot my evening dose last night, the pharmacist said not to double up.",
    ],
)
def test_experience_with_a_clinician_and_questions_are_not_flagged(text: str) -> None:
    assert not flagged(text)


def test_medical_instructions_are_published_and_flagged_by_default() -> None:
    result = screen("Just double your insulin when you eat out.", Context())
    assert result.categories == [Category.MEDICAL_INSTRUCTIONS]
    assert result.decision == Decision.PUBLISH_AND_FLAG
