"""The words of a matching profile (issue 17): what a member or a mentor says about themselves beyond the illness,
each from a short list both sides recognise, so that an explanation can say "both are parents of young children" in
the same words the person chose. Shared by the profile pages (models, forms) and the matcher (engine)."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MENTEE = "mentee", _("Looking for a buddy or mentor")
    MENTOR = "mentor", _("Offering to be a buddy or mentor")


class ConditionStage(models.TextChoices):
    """Where a person is with a condition."""

    NEWLY_DIAGNOSED = "newly_diagnosed", _("Newly diagnosed (the first year)")
    FEW_YEARS = "few_years", _("Living with it for a few years")
    MANY_YEARS = "many_years", _("Living with it for many years")
    TRANSPLANT = "transplant", _("Had a transplant")
    NEW_TECHNOLOGY = "new_technology", _("Starting a new technology (a pump, a sensor, a device)")
    DIAGNOSED_AS_CHILD = "diagnosed_as_child", _("Diagnosed as a child")
    DIAGNOSED_AS_ADULT = "diagnosed_as_adult", _("Diagnosed as an adult")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    AGE_18_25 = "18_25", _("18 to 25")
    AGE_26_40 = "26_40", _("26 to 40")
    AGE_41_60 = "41_60", _("41 to 60")
    AGE_61_75 = "61_75", _("61 to 75")
    OVER_75 = "over_75", _("Over 75")


class LifeStage(models.TextChoices):
    STUDENT = "student", _("A student")
    WORKING = "working", _("Working")
    PARENT_YOUNG = "parent_young", _("A parent of young children")
    PARENT = "parent", _("A parent")
    CARER = "carer", _("Caring for someone")
    RETIRED = "retired", _("Retired")
    PREGNANCY = "pregnancy", _("Pregnant or planning a pregnancy")
    TRANSITION = "transition", _("Moving from children's to adult care")


class Goal(models.TextChoices):
    """What a person wants from a buddy (a mentor: what they can offer)."""

    DAILY_MANAGEMENT = "daily_management", _("Help with day-to-day management")
    EMOTIONAL = "emotional", _("Someone who understands how it feels")
    NEW_DIAGNOSIS = "new_diagnosis", _("Getting through a new diagnosis")
    TECHNOLOGY = "technology", _("Getting used to a new technology")
    WORK_STUDY = "work_study", _("Work or study with the condition")
    FAMILY = "family", _("Family life and relationships")
    EXERCISE = "exercise", _("Staying active")
    FOOD = "food", _("Food and eating")
    APPOINTMENTS = "appointments", _("Making the most of appointments")
    TRANSPLANT = "transplant", _("Before or after a transplant")


class Format(models.TextChoices):
    TEXT = "text", _("Messages")
    PHONE = "phone", _("Phone calls")
    VIDEO = "video", _("Video calls")
    IN_PERSON = "in_person", _("Meeting in person")


class Slot(models.TextChoices):
    """When a person is usually free (in their own time zone)."""

    WEEKDAY_MORNING = "weekday_morning", _("Weekday mornings")
    WEEKDAY_AFTERNOON = "weekday_afternoon", _("Weekday afternoons")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND_MORNING = "weekend_morning", _("Weekend mornings")
    WEEKEND_AFTERNOON = "weekend_afternoon", _("Weekend afternoons")
    WEEKEND_EVENING = "weekend_evening", _("Weekend evenings")


class Interest(models.TextChoices):
    WALKING = "walking", _("Walking")
    SPORT = "sport", _("Sport")
    COOKING = "cooking", _("Cooking")
    MUSIC = "music", _("Music")
    READING = "reading", _("Reading")
    GAMING = "gaming", _("Games")
    CRAFTS = "crafts", _("Arts and crafts")
    GARDENING = "gardening", _("Gardening")
    TRAVEL = "travel", _("Travel")
    FAITH = "faith", _("Faith and community")
    TECHNOLOGY = "technology", _("Technology")
    FILM = "film", _("Film and TV")


class Gender(models.TextChoices):
    """How a person describes themselves, only if they choose to; used only to honour the other side's preference."""

    WOMAN = "woman", _("A woman")
    MAN = "man", _("A man")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("In another way")


class Avoid(models.TextChoices):
    """What a person does not want in a buddy: each excludes a candidate outright (a hard constraint)."""

    SAME_AREA = "same_area", _("Someone living near me (I would rather keep it apart from my local life)")
    MUCH_OLDER = "much_older", _("Someone much older than me (two age bands or more)")
    MUCH_YOUNGER = "much_younger", _("Someone much younger than me (two age bands or more)")
    IN_PERSON = "in_person", _("Meeting in person")


StrOrPromise = str | Promise

# The soft fields the score weighs, with the default weight a coordinator starts from (0-10 each; a programme sets its
# own). Hard constraints are not weighed: they exclude.
SOFT_FIELDS: tuple[tuple[str, StrOrPromise, int], ...] = (
    ("condition", _("The same condition"), 10),
    ("condition_stage", _("The same point with it"), 6),
    ("life_stage", _("Life stage"), 5),
    ("age", _("Age"), 3),
    ("goals", _("What they want from a buddy"), 6),
    ("availability", _("When they are free"), 4),
    ("interests", _("Interests"), 2),
    ("format", _("How they like to talk"), 2),
)
DEFAULT_WEIGHTS: dict[str, int] = {name: weight for name, _label, weight in SOFT_FIELDS}
WEIGHT_RANGE = (0, 10)
