"""A small fact-check list for tests: statements written here in the style of fact-checkers' ratings (regression
checks only; the public evaluation is docs/moderation-evaluation.md)."""

from __future__ import annotations

FALSE = (
    "Drinking hot water every fifteen minutes kills the coronavirus",
    "5G phone masts spread COVID-19",
    "Eating garlic prevents infection with the new coronavirus",
    "Vaccines cause autism in children",
    "Insulin is more dangerous than diabetes itself",
)
TRUE = (
    "Hand dryers are not effective in killing the coronavirus",
    "Washing your hands with soap and water protects you from infection",
    "Vaccines are tested for safety in large trials before they are licensed",
)
SOURCE = "Test fact-checkers"
SOURCE_URL = "https://example.org/checks"

RESTATES = "My aunt swears that sipping hot water all day long washes the corona virus away and kills it."
ASKS = "Is it true that hot water kills the coronavirus?"
UNRELATED = "I walked the dog this morning and then made a cup of tea with my neighbour."
RESTATES_TRUE = "Hand dryers won't kill the virus, wash your hands instead."
