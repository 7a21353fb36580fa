"""The curated list of known false claims the misinformation detector reads (issue 6 point 8): who may edit it,
its changes (atomic, audited, phrases validated) and loading the shipped starting list
(moderation/data/misinformation.json).

The list is shared by every organisation, so its editors are the people trusted with an organisation's settings:
coordinators and admins of any organisation (the gates are in access.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from peerpath.accounts.models import User
from peerpath.accounts.selectors import managed_organisations
from peerpath.audit.services import record
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.directory.models import Condition
from peerpath.moderation.actions import check_moderates
from peerpath.moderation.models import FactCheck, MisinformationClaim
from peerpath.moderation.services import example_record
from peerpath.screening import fact_checks

DATA_FILE = Path(__file__).parent / "data" / "misinformation.json"
MAX_PHRASES = 20
PHRASE_LENGTH = (2, 100)
CLAIM_LENGTH = 200
CORRECTION_LENGTH = 2000


def _check_editor(actor: User) -> None:
    if not managed_organisations(actor).exists():
        raise PermissionDenied(_("Only coordinators and admins edit the list of known false claims."))


def claims_list(*, condition: Condition | None = None, include_inactive: bool = True) -> QuerySet[MisinformationClaim]:
    """The claims, active first, optionally only those about one condition."""
    claims = MisinformationClaim.objects.select_related("condition", "updated_by").order_by("-active", "claim")
    if condition is not None:
        claims = claims.filter(condition=condition)
    if not include_inactive:
        claims = claims.filter(active=True)
    return claims


# --- Validation ---------------------------------------------------------------------------------------------------


def clean_phrases(phrases: list[str] | str) -> list[str]:
    """Lower-cased, trimmed, de-duplicated phrases: 1 to 20 of them, each 2 to 100 characters."""
    items = phrases.splitlines() if isinstance(phrases, str) else list(phrases)
    cleaned: list[str] = []
    for item in items:
        phrase = " ".join(str(item).split()).lower()
        if not phrase or phrase in cleaned:
            continue
        low, high = PHRASE_LENGTH
        if not low <= len(phrase) <= high:
            raise DomainError(
                _("Each phrase must be %(low)s to %(high)s characters: “%(phrase)s” is not.")
                % {"low": low, "high": high, "phrase": phrase[:40]},
                field="phrases",
            )
        if not any(character.isalnum() for character in phrase):
            raise DomainError(_("Each phrase needs at least one word: “%(phrase)s”.") % {"phrase": phrase},
                              field="phrases")  # fmt: skip
        cleaned.append(phrase)
    if not cleaned:
        raise DomainError(_("Give at least one phrase that expresses the claim, one a line."), field="phrases")
    if len(cleaned) > MAX_PHRASES:
        raise DomainError(_("At most %(n)s phrases for one claim.") % {"n": MAX_PHRASES}, field="phrases")
    return cleaned


@dataclass(frozen=True)
class ClaimData:
    claim: str
    phrases: list[str]
    correction: str
    source_url: str
    source_title: str = ""
    condition: Condition | None = None


def _clean(data: ClaimData) -> ClaimData:
    claim = " ".join(data.claim.split())
    if not claim:
        raise DomainError(_("Write the claim, as people put it."), field="claim")
    if len(claim) > CLAIM_LENGTH:
        raise DomainError(_("Keep the claim under %(n)s characters.") % {"n": CLAIM_LENGTH}, field="claim")
    correction = data.correction.strip()
    if not correction:
        raise DomainError(_("Write the correction: what is known instead."), field="correction")
    if len(correction) > CORRECTION_LENGTH:
        raise DomainError(
            _("Keep the correction under %(n)s characters.") % {"n": CORRECTION_LENGTH}, field="correction"
        )
    source_url = data.source_url.strip()
    try:
        URLValidator(schemes=["https", "http"])(source_url)
    except ValidationError:
        raise DomainError(_("Give the source as a web address starting https://."), field="source_url") from None
    if len(source_url) > 500:
        raise DomainError(_("The source address is too long (500 characters at most)."), field="source_url")
    source_title = data.source_title.strip()
    if len(source_title) > 200:
        raise DomainError(_("Keep the source title under 200 characters."), field="source_title")
    return ClaimData(claim=claim, phrases=clean_phrases(data.phrases), correction=correction,
                     source_url=source_url, source_title=source_title, condition=data.condition)  # fmt: skip


def _audit_details(claim: MisinformationClaim) -> dict[str, Any]:
    return {"claim": claim.claim, "phrases": list(claim.phrases), "active": claim.active,
            "condition": claim.condition.slug if claim.condition is not None else None}  # fmt: skip


# --- Changes ------------------------------------------------------------------------------------------------------


@transaction.atomic
def claim_create(*, actor: User, data: ClaimData) -> MisinformationClaim:
    _check_editor(actor)
    clean = _clean(data)
    claim = MisinformationClaim.objects.create(
        condition=clean.condition, claim=clean.claim, phrases=clean.phrases, correction=clean.correction,
        source_url=clean.source_url, source_title=clean.source_title, updated_by=actor,
    )  # fmt: skip
    record(action="moderation.claim_created", actor=actor, target=claim, details=_audit_details(claim))
    return claim


@transaction.atomic
def claim_update(*, actor: User, claim: MisinformationClaim, data: ClaimData, active: bool) -> MisinformationClaim:
    _check_editor(actor)
    claim = MisinformationClaim.objects.select_for_update().get(pk=claim.pk)  # PostgreSQL: no outer join
    before = _audit_details(claim)
    clean = _clean(data)
    claim.condition, claim.claim, claim.phrases = clean.condition, clean.claim, clean.phrases
    claim.correction, claim.source_url, claim.source_title = clean.correction, clean.source_url, clean.source_title
    claim.active, claim.updated_by = active, actor
    claim.save()
    after = _audit_details(claim)
    changed = sorted(key for key in after if after[key] != before[key])
    record(action="moderation.claim_updated", actor=actor, target=claim,
           details={**{f"old_{key}": before[key] for key in changed}, **{f"new_{key}": after[key] for key in changed},
                    "changed": changed})  # fmt: skip
    return claim


@transaction.atomic
def claim_set_active(*, actor: User, claim: MisinformationClaim, active: bool) -> MisinformationClaim:
    """Deactivate a claim (the detector stops reading it) or bring it back; the row stays for the record."""
    _check_editor(actor)
    claim = MisinformationClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.active != active:
        claim.active, claim.updated_by = active, actor
        claim.save(update_fields=["active", "updated_by", "updated_at"])
        record(action="moderation.claim_activated" if active else "moderation.claim_deactivated", actor=actor,
               target=claim, details={"claim": claim.claim})  # fmt: skip
    return claim


# --- From a post in the queue (issue 15 point 3) --------------------------------------------------------------------


def suggested_phrase(item: Any) -> str:
    """What the post says that reads as a claim: the misinformation finding's evidence when screening found one,
    else the post's first sentence; lower case, at most a phrase's length."""
    screening = item.post.screenings.first()
    evidence = next(
        (
            str(finding.get("evidence", ""))
            for finding in (screening.findings if screening is not None else [])
            if finding.get("category") == "misinformation" and finding.get("evidence")
        ),
        "",
    )
    text = evidence or next(iter(re.split(r"(?<=[.!?])\s+|\n+", item.post.body.strip())), "")
    phrase = " ".join(text.split()).lower().strip(" .!?")
    return phrase[: PHRASE_LENGTH[1]].rsplit(" ", 1)[0] if len(phrase) > PHRASE_LENGTH[1] else phrase


@transaction.atomic
def claim_phrase_add(*, actor: User, item: Any, claim: MisinformationClaim, phrase: str) -> MisinformationClaim:
    """A moderator says a post in their queue restates a known claim: its words join the claim's phrases, so
    screening matches them from now on, and the post is kept as a labelled example of misinformation."""
    check_moderates(actor, item.space)
    claim = MisinformationClaim.objects.select_for_update().get(pk=claim.pk)
    if not claim.active:
        raise DomainError(_("That claim is deactivated: choose an active one, or add a new claim."), field="claim")
    added = clean_phrases([phrase])[0]
    if added in claim.phrases:
        raise DomainError(_("That phrase is already one of the claim's phrases."), field="phrase")
    phrases = clean_phrases([*claim.phrases, added])
    claim.phrases, claim.updated_by = phrases, actor
    claim.save(update_fields=["phrases", "updated_by", "updated_at"])
    example_record(post=item.post, label="misinformation", decided_by=actor, once=True)
    record(action="moderation.claim_phrase_added", actor=actor, organisation=item.space.organisation, target=claim,
           details={"claim": claim.claim, "phrase": added, "post": str(item.post_id)})  # fmt: skip
    return claim


@transaction.atomic
def claim_create_from_item(*, actor: User, item: Any, data: ClaimData) -> MisinformationClaim:
    """A moderator adds a new known claim from a post in their queue (its correction and source as for any claim)."""
    check_moderates(actor, item.space)
    clean = _clean(data)
    claim = MisinformationClaim.objects.create(
        condition=clean.condition, claim=clean.claim, phrases=clean.phrases, correction=clean.correction,
        source_url=clean.source_url, source_title=clean.source_title, updated_by=actor,
    )  # fmt: skip
    example_record(post=item.post, label="misinformation", decided_by=actor, once=True)
    record(action="moderation.claim_created", actor=actor, organisation=item.space.organisation, target=claim,
           details={**_audit_details(claim), "post": str(item.post_id)})  # fmt: skip
    return claim


@dataclass(frozen=True)
class LoadReport:
    created: int
    existing: int
    skipped: list[str]


@transaction.atomic
def load_claims(path: Path = DATA_FILE) -> LoadReport:
    """Load the shipped starting list. Idempotent: a claim already there (same words, same condition) is left as
    it is, so coordinators' edits and deactivations survive a reload. A claim whose condition is not loaded yet is
    skipped and named in the report."""
    document = json.loads(path.read_text(encoding="utf-8"))
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    created, existing, skipped = 0, 0, []
    for entry in document["claims"]:
        slug = entry.get("condition")
        condition = conditions.get(slug) if slug else None
        if slug and condition is None:
            skipped.append(f"{entry['claim']} (condition {slug} is not loaded)")
            continue
        if MisinformationClaim.objects.filter(claim__iexact=entry["claim"], condition=condition).exists():
            existing += 1
            continue
        clean = _clean(ClaimData(claim=entry["claim"], phrases=entry["phrases"], correction=entry["correction"],
                                 source_url=entry["source_url"], source_title=entry.get("source_title", ""),
                                 condition=condition))  # fmt: skip
        claim = MisinformationClaim.objects.create(
            condition=condition, claim=clean.claim, phrases=clean.phrases, correction=clean.correction,
            source_url=clean.source_url, source_title=clean.source_title,
        )  # fmt: skip
        record(action="moderation.claim_created", actor=None, target=claim,
               details={**_audit_details(claim), "source": "starting list"})  # fmt: skip
        created += 1
    return LoadReport(created=created, existing=existing, skipped=skipped)


# --- Fact-check lists (screening/fact_checks.py) ------------------------------------------------------------------

FACT_CHECK_LENGTH = 1000
# A fact-check list's line: {"statement", "rating": "false" | "true"} or, as the evaluation sets are written,
# {"text", "label": "misinformation" | "none"}.
_RATINGS = {"false": True, "true": False, "misinformation": True, "none": False}


class FactCheckFileError(ValueError):
    """A fact-check list that cannot be read; the message names the line."""


@dataclass(frozen=True)
class FactCheckRow:
    statement: str
    rated_false: bool


def read_fact_checks(path: Path) -> list[FactCheckRow]:
    """Every line of a JSONL fact-check list, or FactCheckFileError naming the first bad line."""
    rows: list[FactCheckRow] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise FactCheckFileError(f"line {number} is not JSON ({error.msg})") from None
            if not isinstance(entry, dict):
                raise FactCheckFileError(f"line {number} is not a JSON object")
            statement = entry.get("statement", entry.get("text"))
            rating = str(entry.get("rating", entry.get("label", ""))).lower()
            if not isinstance(statement, str) or not " ".join(statement.split()):
                raise FactCheckFileError(f'line {number} has no statement ("statement" or "text")')
            if rating not in _RATINGS:
                raise FactCheckFileError(
                    f"line {number}: rating {rating!r} is not one of {', '.join(sorted(_RATINGS))}"
                )
            rows.append(FactCheckRow(" ".join(statement.split())[:FACT_CHECK_LENGTH], _RATINGS[rating]))
    return rows


def _fact_check_digest(statement: str) -> str:
    return hashlib.sha256(" ".join(statement.lower().split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FactCheckReport:
    created: int
    existing: int


@transaction.atomic
def load_fact_checks(rows: list[FactCheckRow], *, source: str, source_url: str = "") -> FactCheckReport:
    """Add a fact-check list's statements with their sentence vectors, all or nothing; a statement already there
    is left as it is. Raises DomainError when the sentence transformer is missing (nothing is saved)."""
    source = source.strip()[:200]
    if not source:
        raise DomainError(_("Name the fact-check list's source."), field="source")
    if source_url:
        try:
            URLValidator(schemes=["https"])(source_url)
        except ValidationError:
            raise DomainError(_("The source's address must be an https:// address."), field="source_url") from None
    known = set(FactCheck.objects.values_list("digest", flat=True))
    new: dict[str, FactCheckRow] = {}
    for row in rows:
        digest = _fact_check_digest(row.statement)
        if digest not in known:
            new.setdefault(digest, row)
    vectors = fact_checks.embed([row.statement for row in new.values()]) if new else None
    if new and vectors is None:
        raise DomainError(_("The sentence transformer is not installed (run `make install`): nothing was loaded."))
    FactCheck.objects.bulk_create(
        FactCheck(statement=row.statement, rated_false=row.rated_false, source=source, source_url=source_url,
                  digest=digest, model=fact_checks.MODEL, vector=vector.astype("float32").tobytes())
        for (digest, row), vector in zip(new.items(), vectors if vectors is not None else [], strict=True)
    )  # fmt: skip
    record(action="moderation.fact_checks_loaded", actor=None,
           details={"source": source, "created": len(new), "existing": len(rows) - len(new)})  # fmt: skip
    return FactCheckReport(created=len(new), existing=len(rows) - len(new))
