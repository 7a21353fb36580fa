"""Moderation of spaces' forums (issue 6 points 7-12): rules, screening results, reports, the review queue, actions,
mutes, appeals, fact notes, the curated misinformation list and crisis resources.

Seeds 000 and 003: groups correct misinformation through norms and moderators, with the rules "no medical advice" and
"no product promotion"; a good moderator makes a group; a crisis post must never go unseen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.core.models import BaseModel
from peerpath.screening.categories import DEFAULT_DECISIONS, Category, Decision

__all__ = ["DEFAULT_DECISIONS", "Category", "Decision"]  # the screening categories, as the moderation models use them


class SpacePolicy(BaseModel):
    """A space's rules and screening choices. A space without a row uses the defaults."""

    space = models.OneToOneField("spaces.Space", on_delete=models.CASCADE, related_name="moderation_policy")
    # Keys of moderation.rules.TEMPLATES that the space publishes, and its own rules.
    rule_templates = models.JSONField(default=list, blank=True)
    own_rules = models.TextField(blank=True, max_length=3000)
    # Category -> Decision; categories not named use DEFAULT_DECISIONS.
    decisions = models.JSONField(default=dict, blank=True)
    # Hold a new member's first posts for review (issue 6 point 10).
    hold_first_posts = models.BooleanField(default=False)


class Screening(BaseModel):
    """What the detectors found in one version of a post, and what was decided."""

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="screenings")
    # [{"category": ..., "confidence": 0.0-1.0, "evidence": "...", "detector": "..."}]
    findings = models.JSONField(default=list)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)  # blank: nothing found
    elapsed_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at"]


class Report(BaseModel):
    """A member's report of a post (issue 6 point 10); one per member and post."""

    class Reason(models.TextChoices):
        MISINFORMATION = "misinformation", _("Misinformation")
        MEDICAL_INSTRUCTIONS = "medical_instructions", _("Medical instructions")
        PROMOTION = "promotion", _("Promotion or spam")
        UNKIND = "unkind", _("Unkind or a pile-on")
        CRISIS = "crisis", _("Someone may be in crisis")
        OTHER = "other", _("Something else")

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="moderation_report_once")]


class QueueItem(BaseModel):
    """One post waiting for a moderator. Crisis items are urgent and come first; the queue shows how long each has
    waited and the dashboard the time to first action."""

    class Source(models.TextChoices):
        SCREENING = "screening", _("Screening")
        REPORTS = "reports", _("Members' reports")
        FIRST_POST = "first_post", _("A new member's first post")
        APPEAL = "appeal", _("An appeal")
        ESCALATION = "escalation", _("Escalated to a clinician")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        RESOLVED = "resolved", _("Dealt with")

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="queue_items")
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    category = models.CharField(max_length=30, blank=True)  # a Category, or a Report.Reason
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    first_action_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-urgent", "created_at"]
        indexes = [models.Index(fields=["space", "status", "-urgent", "created_at"], name="moderation_queue_idx")]
        constraints = [
            models.UniqueConstraint(fields=["post"], condition=Q(status="open"), name="moderation_one_open_item")
        ]

    @property
    def is_crisis(self) -> bool:
        """A crisis item is its own kind of work (issue 15 point 7): crisis outcomes only, never the spam actions."""
        return self.urgent or self.category == Category.CRISIS


class Action(BaseModel):
    """One moderation action: the space's moderation log (issue 6 point 12)."""

    class Kind(models.TextChoices):
        APPROVE = "approve", _("Approved")
        HIDE = "hide", _("Hidden")
        ASK_EDIT = "ask_edit", _("Asked the author to edit")
        WARN = "warn", _("Warned")
        MUTE = "mute", _("Muted")
        REMOVE = "remove", _("Removed from the space")
        ESCALATE = "escalate", _("Escalated to a clinician")
        FACT_NOTE = "fact_note", _("Added a fact note")
        RESTORE = "restore", _("Restored on appeal")
        UPHOLD = "uphold", _("Upheld on appeal")
        AUTO_HIDE = "auto_hide", _("Hidden after three reports")
        RECATEGORISE = "recategorise", _("Corrected the category")
        CRISIS_OUTCOME = "crisis_outcome", _("Recorded what happened (crisis)")

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="moderation_actions")
    post = models.ForeignKey("forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the member acted on
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # None: PeerPath itself (three reports)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["space", "-created_at"], name="moderation_action_space_idx")]


class Mute(BaseModel):
    """A member may read but not post in a space until `until`."""

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["space", "user", "until"], name="moderation_mute_idx")]


class Appeal(BaseModel):
    """The author's one appeal against a hide; another moderator decides (issue 6 point 10)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        RESTORED = "restored", _("Post restored")
        UPHELD = "upheld", _("Hide upheld")

    post = models.OneToOneField("forum.Post", on_delete=models.CASCADE, related_name="appeal")
    text = models.CharField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)


class FactNote(BaseModel):
    """A visible correction on a post instead of deleting it (seed 003: groups correct misinformation in the
    open): what is wrong, what is known, and a source."""

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="fact_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_role = models.CharField(max_length=20)  # "clinician" or "moderator", shown with the note
    what_is_wrong = models.CharField(max_length=500)
    what_is_known = models.TextField(max_length=2000)
    source_url = models.URLField(max_length=500)
    source_title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]


class MisinformationClaim(BaseModel):
    """A known false claim, per condition (or for any), with phrases that express it, a correction and a source.
    Curated and editable by coordinators (issue 6 point 8)."""

    condition = models.ForeignKey(
        "directory.Condition", null=True, blank=True, on_delete=models.CASCADE, related_name="misinformation"
    )
    claim = models.CharField(max_length=200)
    # Lower-case phrases; a post matching any of them (as words, in order) matches the claim.
    phrases = models.JSONField(default=list)
    correction = models.TextField(max_length=2000)
    source_url = models.URLField(max_length=500)
    source_title = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["claim"]


class FactCheck(BaseModel):
    """A statement fact-checkers rated false or true, with its sentence vector: posts that restate a false one are
    flagged after publication (screening/fact_checks.py). Shared by every organisation, like the curated claims;
    loaded from a fact-check list with `peerpath moderation load-fact-checks`."""

    statement = models.TextField(max_length=1000)
    rated_false = models.BooleanField()
    source = models.CharField(max_length=200)
    source_url = models.URLField(max_length=500, blank=True)
    # sha256 of the statement with its spaces and case normalised: one row a statement.
    digest = models.CharField(max_length=64, unique=True)
    # The sentence transformer the vector comes from (fact_checks.MODEL), and the vector as float32 bytes.
    model = models.CharField(max_length=60)
    vector = models.BinaryField()

    class Meta:
        ordering = ["created_at"]


class CrisisResource(BaseModel):
    """An organisation's own help line for writers in crisis in one country, shown after that country's defaults
    (moderation.crisis.lines_for)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="crisis_resources"
    )
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    name = models.CharField(max_length=120)
    contact = models.CharField(max_length=120)  # "988", "116 123", "Text SHOUT to 85258"
    detail = models.CharField(max_length=300, blank=True)
    url = models.URLField(blank=True, max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["country", "order"]


class CrisisOutcome(BaseModel):
    """What happened on a crisis item (issue 15 point 7). Appended, never overwritten: two moderators acting on one
    item at once both keep their record. "Safe", "emergency services called" and "no risk on review" resolve the item;
    "reached out" and "passed to a clinician" leave it open; any outcome stops the re-alert clock."""

    class Kind(models.TextChoices):
        REACHED_OUT = "reached_out", _("Reached out to the writer")
        SAFE = "safe", _("The person says they are safe")
        PASSED_TO_CLINICIAN = "passed_to_clinician", _("Passed to a clinician")
        EMERGENCY_SERVICES = "emergency_services", _("Emergency services called")
        NO_RISK = "no_risk", _("No risk on review")

    item = models.ForeignKey(QueueItem, on_delete=models.CASCADE, related_name="crisis_outcomes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=20)  # "moderator" or "clinician", shown with the outcome
    kind = models.CharField(max_length=30, choices=Kind.choices)
    note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["item", "created_at"], name="moderation_outcome_item_idx")]


class CrisisRealert(BaseModel):
    """One re-alert of a crisis item nobody has recorded an outcome on: at most one per period (the unique round),
    however many schedulers sweep."""

    item = models.ForeignKey(QueueItem, on_delete=models.CASCADE, related_name="crisis_realerts")
    round = models.PositiveIntegerField()  # whole periods since the item opened
    people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "round"], name="moderation_one_realert_per_round")]


class SupportMessage(BaseModel):
    """A kind message from a moderator or clinician to the writer of a crisis post, read privately in PeerPath
    (`/moderation/messages/`) until PeerPath has private conversations."""

    item = models.ForeignKey(QueueItem, null=True, on_delete=models.SET_NULL, related_name="support_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_messages")
    body = models.TextField(max_length=2000)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="moderation_supportmsg_idx")]


NO_LABEL = "none"
LABEL_CHOICES = [*Category.choices, (NO_LABEL, _("None of these"))]


class LabelledExample(BaseModel):
    """A moderator's decision kept as a labelled text (issue 15 point 6): `peerpath moderation retrain` reads
    `values_list("text", "label")`. The text is the post's body at decision time."""

    class Source(models.TextChoices):
        QUEUE = "queue", _("The review queue")

    text = models.TextField()
    label = models.CharField(max_length=30, choices=LABEL_CHOICES)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.QUEUE)
    post = models.ForeignKey("forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
