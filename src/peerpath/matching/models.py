"""Matching profiles (issue 17): what a member looking for a buddy, or a mentor offering to be one, says about
themselves beyond the illness, in one programme, and their consent to be matched.

Consent to be matched is its own consent, apart from any other: a profile is in the programme's pool only while
`consent_given_at` is set and `consent_withdrawn_at` is not (selectors.pool). A date of birth is never stored: the
age band is what the person chose to say.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from peerpath.core.models import BaseModel
from peerpath.matching.vocabulary import AgeBand, Gender, Role

ABOUT_MAX = 500
GOALS_TEXT_MAX = 500


class MatchProfile(BaseModel):
    """One person's profile in one programme's matching pool, in one role (looking for a buddy, or offering)."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="match_profiles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="match_profiles")
    role = models.CharField(max_length=10, choices=Role.choices)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    life_stages = models.JSONField(default=list, blank=True)  # vocabulary.LifeStage values
    goals = models.JSONField(default=list, blank=True)  # vocabulary.Goal values
    goals_text = models.TextField(max_length=GOALS_TEXT_MAX, blank=True)
    languages = models.JSONField(default=list)  # BCP 47 codes, at least one
    formats = models.JSONField(default=list)  # vocabulary.Format values, at least one
    # Only when they chose to meet in person: the place they gave (a town or a US ZIP code), resolved offline by
    # directory.geo, and how far they would travel.
    place = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    max_km = models.PositiveSmallIntegerField(null=True, blank=True)
    availability = models.JSONField(default=list, blank=True)  # vocabulary.Slot values, in their own time zone
    timezone = models.CharField(max_length=64, blank=True)  # IANA name
    interests = models.JSONField(default=list, blank=True)  # vocabulary.Interest values
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    wants_gender = models.JSONField(default=list, blank=True)  # vocabulary.Gender values; empty: no preference
    avoid = models.JSONField(default=list, blank=True)  # vocabulary.Avoid values
    about = models.TextField(max_length=ABOUT_MAX, blank=True)  # shown on the intro card
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Mentors only, set by a coordinator: may be matched with members under 18.
    approved_for_adolescents = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user", "role"], name="match_profile_once_per_role"),
            models.CheckConstraint(
                condition=Q(approved_for_adolescents=False) | Q(role=Role.MENTOR), name="match_profile_approval_mentor"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="match_profile_place_whole",
            ),
        ]
        indexes = [models.Index(fields=["programme", "consent_withdrawn_at", "consent_given_at"], name="match_pool")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.pk})"

    @property
    def consented(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class ProfileCondition(BaseModel):
    """A condition the person lives with (or cares for someone with), and where they are with it."""

    profile = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="conditions")
    condition = models.ForeignKey("directory.Condition", on_delete=models.PROTECT, related_name="+")
    stages = models.JSONField(default=list, blank=True)  # vocabulary.ConditionStage values

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["profile", "condition"], name="profile_condition_once")]
