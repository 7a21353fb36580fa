"""The rule templates a space can publish (issue 6 point 7; seeds 000 and 003), shown on joining and beside the
composer."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RuleTemplate:
    key: str
    title: Promise
    text: Promise


TEMPLATES: tuple[RuleTemplate, ...] = (
    RuleTemplate(
        "no_medical_advice",
        _("No medical advice"),
        _("Share your experience, not instructions. Never tell someone to start, stop or change a medicine or a "
          "treatment: that is for them and their clinician."),
    ),
    RuleTemplate(
        "no_promotion",
        _("No product promotion or sales"),
        _("No selling, affiliate links, discount codes or \u201cmessage me\u201d offers."),
    ),
    RuleTemplate(
        "be_kind",
        _("Be kind, no pile-ons"),
        _("Disagree with ideas, not people. If a thread turns on someone, step back and tell a moderator."),
    ),
    RuleTemplate(
        "keep_stories_here",
        _("Keep members\u2019 stories in the group"),
        _("What members share here stays here: do not copy it elsewhere or name people outside the group."),
    ),
    RuleTemplate(
        "stay_on_topic",
        _("Stay on topic"),
        _("Keep threads to living with the condition; start a new thread for something new."),
    ),
)  # fmt: skip
TEMPLATE_KEYS = tuple(template.key for template in TEMPLATES)
# A new space publishes all of them until its organisers choose.
DEFAULT_TEMPLATES = TEMPLATE_KEYS


def templates_for(keys: list[str]) -> list[RuleTemplate]:
    chosen = set(keys)
    return [template for template in TEMPLATES if template.key in chosen]
