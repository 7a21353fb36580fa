"""What screening looks for, and what a space may do with a text screened into each category."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What screening looks for, and what a member may report."""

    CRISIS = "crisis", _("Crisis: suicidal or self-harm intent")
    MEDICAL_INSTRUCTIONS = "medical_instructions", _("Medical instructions")
    PROMOTION = "promotion", _("Product promotion or spam")
    MISINFORMATION = "misinformation", _("Known misinformation")
    PERSONAL_DATA = "personal_data", _("Personal data")


class Decision(models.TextChoices):
    """What a space does with a post screened into a category (issue 6 point 8)."""

    PUBLISH_AND_FLAG = "flag", _("Publish it and flag it for a moderator")
    HOLD = "hold", _("Hold it for review before it is published")
    REFUSE = "refuse", _("Refuse it, with an explanation to the writer")


# The default per category: a crisis post is published (never silently hidden: the writer sees help at once and
# the moderators are alerted) and flagged urgent; medical instructions and misinformation are published and flagged
# for a fact note; the others are held for a human look.
DEFAULT_DECISIONS: dict[str, str] = {
    Category.CRISIS: Decision.PUBLISH_AND_FLAG,
    Category.MEDICAL_INSTRUCTIONS: Decision.PUBLISH_AND_FLAG,  # for a fact note or a moderator (issue 15 point 5)
    Category.PROMOTION: Decision.HOLD,
    Category.MISINFORMATION: Decision.PUBLISH_AND_FLAG,
    Category.PERSONAL_DATA: Decision.HOLD,
}
