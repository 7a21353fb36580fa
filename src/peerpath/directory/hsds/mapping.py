"""The one table between a listing and HSDS 3.1: export and import both read it, so they cannot drift apart.

HSDS has no words for most peer-support facts (kind, cadence, moderation, group rules…). They travel as
`attribute` objects whose taxonomy term belongs to the PeerPath taxonomy below, each carrying its `value`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any

from peerpath.directory.models import SNOMED_SYSTEM, Condition, HostOrganisation, Listing
from peerpath.directory.services import ListingData

# Every derived id is a uuid5 in this namespace, so an export is deterministic and re-exports keep their ids.
NAMESPACE = uuid.UUID("7f1d5a3e-2c4b-5e6f-8a9b-0c1d2e3f4a5b")

PEERPATH_TAXONOMY_URI = "https://peerpath.invalid/hsds/peer-support"
PEERPATH_TAXONOMY_NAME = "PeerPath peer-support fields"
SNOMED_TAXONOMY_NAME = "SNOMED CT"
HSDS_VERSION = "3.1"


def derived_id(owner: object, role: str) -> str:
    """A stable id for an object derived from a listing or host ("location", "schedule", "attribute:kind")."""
    return str(uuid.uuid5(NAMESPACE, f"{owner}:{role}"))


PEERPATH_TAXONOMY_ID = derived_id("taxonomy", "peerpath")
SNOMED_TAXONOMY_ID = derived_id("taxonomy", "snomed")


def _to_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in {"true", "yes", "1"}:
        return True
    if lowered in {"false", "no", "0"}:
        return False
    return None


def _to_int(value: str) -> int | None:
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if 0 <= number <= 32767 else None


def _choice(choices: list[str]) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        value = value.strip()
        return value if value in choices else None

    return parse


def _text(value: str) -> str | None:
    return value


def peer_term(code: str, label: str) -> dict[str, Any]:
    return {
        "id": derived_id("term", code),
        "code": code,
        "name": label,
        "description": label,
        "taxonomy": PEERPATH_TAXONOMY_NAME,
        "taxonomy_id": PEERPATH_TAXONOMY_ID,
    }


@dataclass(frozen=True)
class PeerField:
    """One listing field carried as an HSDS attribute: its term code, label, and how its value is read back."""

    field: str
    code: str
    label: str
    parse: Callable[[str], Any]
    many: bool = False  # one attribute per item (life stages)

    @property
    def term(self) -> dict[str, Any]:
        return peer_term(self.code, self.label)

    def read(self, value: str) -> Any:
        """The attribute's value as the field takes it; an unreadable value falls back to the field's default."""
        parsed = self.parse(value)
        if isinstance(parsed, str):
            return parsed.strip()[: getattr(Listing._meta.get_field(self.field), "max_length", None)]
        if parsed is not None:
            return parsed
        default = ListingData.__dataclass_fields__[self.field].default
        return None if default is MISSING else default

    def values(self, listing: Listing | Any) -> list[str]:
        """The attribute values to export for this field (none when the field is empty)."""
        value = getattr(listing, self.field)
        if self.many:
            return [str(item) for item in value]
        if value is None or value == "":
            return []
        if isinstance(value, bool):
            return ["true" if value else "false"]
        return [str(value)]


# The table (issue 3 point 6): every ListingData field HSDS cannot say exactly, and its attribute.
PEER_FIELDS: tuple[PeerField, ...] = (
    PeerField("summary", "summary", "Summary", _text),
    PeerField("kind", "kind", "Kind of peer support", _choice(Listing.Kind.values)),
    PeerField("format", "format", "Format", _choice(Listing.Format.values)),
    PeerField("cadence", "cadence", "How often", _choice(Listing.Cadence.values)),
    PeerField("typical_attendance", "typical_attendance", "Typical attendance", _to_int),
    PeerField("audience", "audience", "Audience", _choice(Listing.Audience.values)),
    PeerField("life_stages", "life_stage", "Life stage", _choice(Listing.LifeStage.values), many=True),
    PeerField("is_free", "is_free", "Free to join", _to_bool),
    PeerField("fee_text", "fee_text", "Fee", _text),
    PeerField("moderation", "moderation", "Moderation", _choice(Listing.Moderation.values)),
    PeerField(
        "clinician_participation",
        "clinician_participation",
        "Clinicians take part",
        _choice(Listing.ClinicianParticipation.values),
    ),
    PeerField("rule_no_medical_advice", "rule_no_medical_advice", "Rule: no medical advice", _to_bool),
    PeerField("rule_no_promotion", "rule_no_promotion", "Rule: no product promotion", _to_bool),
    PeerField("rules_text", "rules_text", "Group rules", _text),
    PeerField("join_method", "join_method", "How to join", _choice(Listing.JoinMethod.values)),
    PeerField("accessibility_notes", "accessibility_notes", "Accessibility", _text),
    # HSDS schedules carry a UTC offset only; the IANA zone keeps meetings right across daylight saving.
    PeerField("schedule_timezone", "schedule_timezone", "Time zone (IANA)", _text),
)
PEER_FIELDS_BY_CODE = {peer_field.code: peer_field for peer_field in PEER_FIELDS}

PEER_TAXONOMY: dict[str, Any] = {
    "id": PEERPATH_TAXONOMY_ID,
    "name": PEERPATH_TAXONOMY_NAME,
    "description": "Facts about peer support that HSDS has no field for; each attribute's value holds the fact.",
    "uri": PEERPATH_TAXONOMY_URI,
    "version": "1",
}
SNOMED_TAXONOMY: dict[str, Any] = {
    "id": SNOMED_TAXONOMY_ID,
    "name": SNOMED_TAXONOMY_NAME,
    "description": "SNOMED CT clinical terms: the conditions a group is for.",
    "uri": SNOMED_SYSTEM,
}
# Export-only facts: the vetting badge (who, when), and the host's kind on the organization.
VETTING_TERM = peer_term("vetting", "Vetting")
HOST_KIND_TERM = peer_term("host_kind", "Kind of host organisation")


def peer_attributes(listing: Listing) -> list[dict[str, Any]]:
    """The PeerPath attributes of one listing's service, one per value, with stable ids."""
    found = []
    for peer_field in PEER_FIELDS:
        for value in peer_field.values(listing):
            role = f"attribute:{peer_field.code}" + (f":{value}" if peer_field.many else "")
            found.append(
                {
                    "id": derived_id(listing.pk, role),
                    "link_id": str(listing.pk),
                    "link_entity": "service",
                    "taxonomy_term_id": peer_field.term["id"],
                    "taxonomy_term": peer_field.term,
                    "label": peer_field.label,
                    "value": value,
                }
            )
    return found


def condition_term(condition: Condition) -> dict[str, Any]:
    """A condition as a SNOMED CT taxonomy term; the id depends on the code only, so listings share it."""
    return {
        "id": derived_id("snomed", condition.snomed_code),
        "code": condition.snomed_code,
        "name": condition.name,
        "description": condition.name,
        "taxonomy": SNOMED_TAXONOMY_NAME,
        "taxonomy_id": SNOMED_TAXONOMY_ID,
        "term_uri": f"http://snomed.info/id/{condition.snomed_code}",
    }


def host_kind_from(attributes: list[Any]) -> str:
    """The host kind an organization's PeerPath attribute names; a charity when it says nothing we know."""
    for attribute in attributes:
        if not isinstance(attribute, dict):
            continue
        term = attribute.get("taxonomy_term") or {}
        if isinstance(term, dict) and term.get("code") == HOST_KIND_TERM["code"]:
            value = str(attribute.get("value", "")).strip()
            if value in HostOrganisation.Kind.values:
                return value
    return HostOrganisation.Kind.CHARITY
