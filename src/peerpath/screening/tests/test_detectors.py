"""The screening detectors one by one (issue 6 point 8): what each flags, what it must leave alone, and what its
findings carry. The corpus test (test_corpus.py) measures them together; these pin the behaviour a moderator sees."""

from __future__ import annotations

import pytest

from peerpath.screening.categories import Category, Decision
from peerpath.screening.core import DECIDING_CONFIDENCE, ClaimRule, Context, screen
from peerpath.screening.detectors import ALL, crisis, medical, misinformation, personal_data, promotion

EMPTY = Context()


def deciding(detector: object, text: str, context: Context = EMPTY) -> list[str]:
    """The evidence of the findings that decide (confidence at or above DECIDING_CONFIDENCE)."""
    findings = detector.detect(text, context)  # type: ignore[attr-defined]
    return [finding.evidence for finding in findings if finding.confidence >= DECIDING_CONFIDENCE]


def test_every_category_has_a_detector_and_crisis_runs_first() -> None:
    assert [detector.category for detector in ALL] == [
        Category.CRISIS, Category.MEDICAL_INSTRUCTIONS, Category.PROMOTION, Category.MISINFORMATION,
        Category.PERSONAL_DATA,
    ]  # fmt: skip
    assert len({detector.name for detector in ALL}) == len(ALL)


# --- Crisis --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I can't go on",
        "I\u2019ve got the pills ready",  # a curly apostrophe, as phones type it
        "this is my last post, thank you all",
        "I want to end it",
        "I hurt myself again last night",
        "Nobody would even notice if I was gone.",
        "I KEEP THINKING ABOUT KILLING MYSELF",
    ],
)
def test_crisis_flags_intent_plans_and_goodbyes(text: str) -> None:
    assert deciding(crisis.DETECTOR, text)


@pytest.mark.parametrize(
    "text",
    [
        "my friend said she wanted to die and we got her help",
        "if you are having thoughts of suicide call 988",
        "I used to self-harm as a teenager but I haven't for ten years.",
        "> I want to end it\n\nPlease, if you wrote this, call Samaritans on 116 123.",
        "This fatigue is killing me.",
        "This is my last post before my surgery tomorrow!",
    ],
)
def test_crisis_leaves_support_other_people_and_the_past_below_the_deciding_confidence(text: str) -> None:
    assert deciding(crisis.DETECTOR, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I am thinking about suicide.",
        "I keep thinking about suicide every day now.",
        "I do not want to be here any more.",
        "I might as well not be alive.",
        "Everything would be easier if I just stopped existing.",
        "i dont want to be alive anymore",  # no capitals, no apostrophe
        "I cannot carry on like this",
        "The urge to cut is really bad tonight.",
        "I want to hurt myself.",
        "Long week. Bloods on Monday, physio on Wednesday. I've been planning my suicide. Anyway, how are you all?",
        "My sister has been self-harming and I've been thinking about suicide too.",  # the writer's own clause
    ],
)
def test_crisis_flags_plainly_worded_thoughts_in_full_or_contracted_forms(text: str) -> None:
    assert deciding(crisis.DETECTOR, text)


@pytest.mark.parametrize(
    "text",
    [
        "the pain is killing me",
        "I'm not suicidal, just exhausted",
        "if you are having thoughts of suicide please call 988",
        "I'm dying to know how the new clinic is.",
        "I could kill for a coffee.",
        "At the end of my tether with the DWP forms.",
        "My sister has been self-harming and I don't know how to help her.",
        "I'm going to end it with my boyfriend.",
        "I can't go on the trip next week.",
    ],
)
def test_crisis_leaves_figures_of_speech_denial_and_other_people_below_the_deciding_confidence(text: str) -> None:
    assert deciding(crisis.DETECTOR, text) == []


def test_a_crisis_finding_quotes_the_sentence_as_written_not_as_matched() -> None:
    [finding] = crisis.DETECTOR.detect("Hello all. I Do Not want to be here any more.", EMPTY)
    assert finding.evidence == "I Do Not want to be here any more."


def test_a_crisis_finding_quotes_the_sentence_for_the_moderator() -> None:
    [finding] = crisis.DETECTOR.detect("Lovely weather. I want to end it. Sorry.", EMPTY)
    assert finding.evidence == "I want to end it."
    assert finding.detector == "crisis"


def test_a_crisis_post_is_flagged_and_never_refused_even_when_the_space_refuses_crisis_posts() -> None:
    result = screen("I want to end it all tonight.", EMPTY, {Category.CRISIS: Decision.REFUSE})
    assert result.is_crisis
    assert result.decision == Decision.PUBLISH_AND_FLAG


# --- Medical instructions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "stop taking your metformin",
        "double your insulin",
        "you should come off beta blockers",
        "take 3 of them",
        "Honestly, chuck the Lantus.",
    ],
)
def test_medical_instructions_flags_telling_someone_to_change_a_treatment(text: str) -> None:
    assert deciding(medical.DETECTOR, text)


@pytest.mark.parametrize(
    "text",
    [
        "I stopped taking metformin after talking to my GP",
        "My consultant doubled my insulin in the summer.",
        "Please don't stop taking anything without talking to your doctor first.",
        "What time of day do you all take your blood pressure tablets?",
        "> stop taking your metformin\n\nThat is not what my nurse said at all.",
    ],
)
def test_medical_instructions_leaves_experience_and_the_rules_own_advice_alone(text: str) -> None:
    assert deciding(medical.DETECTOR, text) == []


# --- Promotion -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Use code HEALTH20 for 20% off",
        "DM me for details!",
        "I sell CBD oil, only £29.99 a bottle",
        "Great socks https://www.amazon.co.uk/dp/B0X?tag=aff-21",
        "https://x.example/a https://x.example/b https://x.example/c",
    ],
)
def test_promotion_flags_shops_prices_codes_and_dm_me(text: str) -> None:
    assert deciding(promotion.DETECTOR, text)


@pytest.mark.parametrize(
    "text",
    [
        "Diabetes UK have a free leaflet: https://www.diabetes.org.uk/guide-to-diabetes",
        "The prescription charge is £9.90 an item.",
        "Message me if you ever want to chat about the assessment.",
        "We agreed a code word for bad days.",
    ],
)
def test_promotion_leaves_leaflets_costs_and_friendship_alone(text: str) -> None:
    assert deciding(promotion.DETECTOR, text) == []


# --- Misinformation ------------------------------------------------------------------------------------------------

INSULIN = ClaimRule(
    claim_id="c1", claim="Insulin is poison", phrases=("insulin is poison",), correction="Insulin keeps people alive.",
    source_url="https://www.nhs.uk/conditions/type-1-diabetes/", condition_slugs=frozenset({"diabetes"}),
)  # fmt: skip
VACCINES = ClaimRule(
    claim_id="c2", claim="Vaccines cause autism", phrases=("vaccines cause autism",), correction="They do not.",
    source_url="https://www.cdc.gov/vaccine-safety/about/autism.html",
)  # fmt: skip


def test_misinformation_matches_a_phrase_as_words_in_order_and_carries_the_correction() -> None:
    context = Context(conditions=frozenset({"type-2-diabetes"}), claims=(INSULIN,))
    [finding] = misinformation.DETECTOR.detect("Honestly, insulin is basically poison for you.", context)
    assert finding.confidence >= DECIDING_CONFIDENCE
    assert finding.evidence == "insulin is basically poison"
    assert finding.detail["correction"] == "Insulin keeps people alive."
    assert finding.detail["source_url"] == INSULIN.source_url
    assert finding.as_json()["detail"]["claim_id"] == "c1"  # type: ignore[index]


def test_a_claim_about_a_condition_is_looked_for_only_in_spaces_about_it() -> None:
    text = "Insulin is poison."
    assert misinformation.DETECTOR.detect(text, Context(conditions=frozenset({"copd"}), claims=(INSULIN,))) == []
    assert misinformation.DETECTOR.detect(text, Context(conditions=frozenset({"diabetes"}), claims=(INSULIN,)))


def test_a_claim_for_any_condition_is_looked_for_everywhere() -> None:
    assert misinformation.DETECTOR.detect("vaccines cause autism", Context(claims=(VACCINES,)))


@pytest.mark.parametrize(
    "text",
    [
        "Is it true that vaccines cause autism?",
        "It's a myth that vaccines cause autism.",
        "Vaccines do not cause autism.",
        "vaccines causing autism",
    ],
)
def test_asking_about_or_debunking_a_claim_does_not_decide(text: str) -> None:
    assert deciding(misinformation.DETECTOR, text, Context(claims=(VACCINES,))) == []


# --- Personal data -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("Ring me on 07700 900123", "07700 900123"),
        ("Call (555) 201-4477 tonight", "(555) 201-4477"),
        ("On WhatsApp: +44 7700 900456", "+44 7700 900456"),
        ("My email is sarah.jones1972@gmail.com", "sarah.jones1972@gmail.com"),
        ("Post it to 8 Rose Terrace", "8 Rose Terrace"),
        ("Our postcode is M14 5RT", "M14 5RT"),
        ("my neighbour John Smith keeps parking there", "my neighbour John Smith"),
    ],
)
def test_personal_data_flags_numbers_addresses_and_other_peoples_names(text: str, evidence: str) -> None:
    assert evidence in deciding(personal_data.DETECTOR, text)


@pytest.mark.parametrize(
    "text",
    [
        "My appointment is on 12/03/2025 at 10:30.",
        "HbA1c 48 mmol/mol, sugars 7.8 at 3pm, 40mg in the morning.",
        "Samaritans are on 116 123 and the Diabetes UK helpline is 0345 123 2399.",
        "Email the nurses at helpline@britishlivertrust.org.uk",
        "My consultant Dr Shah is lovely.",
        "Blood pressure 142/91, heart rate 62 lying and 118 standing.",
    ],
)
def test_personal_data_leaves_times_results_helplines_and_clinicians_alone(text: str) -> None:
    assert deciding(personal_data.DETECTOR, text) == []


def test_the_writers_own_handle_is_not_someone_elses_name() -> None:
    context = Context(author_handle="JaneDoe")
    assert deciding(personal_data.DETECTOR, "My name is Jane Doe, hello all", context) == []
    assert deciding(personal_data.DETECTOR, "My name is Jane Doe, hello all")


# --- All together --------------------------------------------------------------------------------------------------


def test_an_ordinary_post_has_no_findings() -> None:
    result = screen("Pacing on work days: I plan rest breaks before I need them.", Context(claims=(VACCINES,)))
    assert result.findings == []
    assert result.decision == ""


def test_a_post_with_several_problems_takes_the_strongest_decision() -> None:
    text = "Stop taking your metformin. DM me for the capsules I sell, only £20."
    result = screen(text, EMPTY)
    assert set(result.categories) == {Category.MEDICAL_INSTRUCTIONS, Category.PROMOTION}
    assert result.decision == Decision.HOLD
    refused = screen(text, EMPTY, {Category.PROMOTION: Decision.REFUSE})
    assert refused.refused


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("I've always fantasized about leaving this earth.", True),
        ("I want to leave the world a better place for my kids.", False),
        ("I don't think I'm going to make it to the end of the year.", True),
        ("I don't think I'll make it to the meeting on time.", False),
        ("I daydream about what life would be without me here.", True),
        ("I hardly see myself making it through that age.", True),
        ("Does hanging hurt?", True),
        ("I know that I have to die.", True),
    ],
)
def test_crisis_reads_wordings_found_in_the_public_tuning_posts(text: str, flagged: bool) -> None:
    assert bool(deciding(crisis.DETECTOR, text)) is flagged
