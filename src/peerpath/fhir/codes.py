"""The code systems, profiles and status maps the FHIR layer uses, in one place (docs/fhir.md explains each choice).

Where a standard code exists and we could check it, we use it: SNOMED CT 410606002 "Social service procedure" is the
category the HL7 Gravity SDOH Clinical Care ServiceRequest example carries. We found no SNOMED CT concept for "peer
support" that we could verify, so the service itself is coded in PeerPath's own code system rather than with a guessed
SNOMED code. The BMJ Box 1 reasons and the lifecycle statuses are PeerPath codes too.
"""

from __future__ import annotations

from peerpath.prescriptions.models import Prescription
from peerpath.programmes.models import Channel, CoreFunction

Status = Prescription.Status

FHIR_CONTENT_TYPE = "application/fhir+json"

CODE_SYSTEM_BASE = "https://peerpath.example/fhir/CodeSystem"
SUPPORT_KIND_SYSTEM = f"{CODE_SYSTEM_BASE}/support-kind"
PEER_SUPPORT_SYSTEM = f"{CODE_SYSTEM_BASE}/peer-support"
REASON_SYSTEM = f"{CODE_SYSTEM_BASE}/prescription-reason"
LIFECYCLE_SYSTEM = f"{CODE_SYSTEM_BASE}/prescription-status"
TASK_OUTPUT_SYSTEM = f"{CODE_SYSTEM_BASE}/task-output"
CONSENT_DATA_SYSTEM = f"{CODE_SYSTEM_BASE}/consent-data"
ACTIVITY_SYSTEM = f"{CODE_SYSTEM_BASE}/activity"
CONTACT_CHANNEL_SYSTEM = f"{CODE_SYSTEM_BASE}/peer-contact-channel"
# The one PeerPath code system served as a resource too (GET /fhir/r4/CodeSystem/peer-support-functions), so a
# receiving system can look its codes up: its canonical URL is the system its codings carry.
PEER_SUPPORT_FUNCTIONS_ID = "peer-support-functions"
PEER_SUPPORT_FUNCTION_SYSTEM = f"{CODE_SYSTEM_BASE}/{PEER_SUPPORT_FUNCTIONS_ID}"

SNOMED = "http://snomed.info/sct"
SOCIAL_SERVICE_PROCEDURE = ("410606002", "Social service procedure")  # as in the Gravity SDOHCC examples
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
BCP47 = "urn:ietf:bcp:47"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"

_SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition"
SERVICE_REQUEST_PROFILE = f"{_SDOHCC}/SDOHCC-ServiceRequest"
TASK_PROFILE = f"{_SDOHCC}/SDOHCC-TaskForReferralManagement"
CONSENT_PROFILE = f"{_SDOHCC}/SDOHCC-Consent"

# Prescription lifecycle → ServiceRequest.status (the order as the clinician sees it).
SERVICE_REQUEST_STATUS: dict[str, str] = {
    Status.DRAFT: "draft",
    Status.SENT: "active",
    Status.ACCEPTED: "active",
    Status.ACTIVE: "active",
    Status.LAPSED: "active",
    Status.COMPLETED: "completed",
    Status.CANCELLED: "revoked",
    Status.DECLINED: "revoked",
    Status.EXPIRED: "revoked",
}

# Prescription lifecycle → Task.status (the fulfilment as the group's host sees it). businessStatus always carries
# the exact PeerPath status, so "lapsed" (still in progress, two periods missed) and "expired" stay distinguishable.
# Expired is "cancelled", not "failed": nobody attempted the task, the invitation simply went unanswered.
TASK_STATUS: dict[str, str] = {
    Status.DRAFT: "draft",
    Status.SENT: "requested",
    Status.ACCEPTED: "accepted",
    Status.ACTIVE: "in-progress",
    Status.LAPSED: "in-progress",
    Status.COMPLETED: "completed",
    Status.DECLINED: "rejected",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "cancelled",
}

PERIOD_UNIT = {"week": "wk", "month": "mo"}


def lifecycle_statuses(mapping: dict[str, str], fhir_status: str) -> set[str]:
    """The PeerPath statuses that show as this FHIR status (for searches by status)."""
    return {ours for ours, theirs in mapping.items() if theirs == fhir_status}


# Every status a search may ask for, per resource type (FHIR's own value sets, not only the ones we produce).
SERVICE_REQUEST_STATUSES = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)
TASK_STATUSES = frozenset(
    {
        "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress", "on-hold",
        "failed", "completed", "entered-in-error",
    }
)  # fmt: skip
CONSENT_STATUSES = frozenset({"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"})


# The four core functions of peer support (programmes.CoreFunction), each with its display and definition, in English
# whatever the language of the request. The code is the value PeerPath stores.
PEER_SUPPORT_FUNCTIONS: dict[str, tuple[str, str]] = {
    CoreFunction.DAILY_MANAGEMENT: (
        "Help with daily management",
        "Helping the person carry out their care plan in everyday life: solving problems, building skills, and "
        "fitting healthy routines into their days.",
    ),
    CoreFunction.SOCIAL_EMOTIONAL: (
        "Social and emotional support",
        "Encouragement and a listening ear for the stress and worries of living with a condition, and help to stay "
        "motivated.",
    ),
    CoreFunction.LINKAGE: (
        "Linkage to clinical care and community resources",
        "Helping the person reach clinical care when they need it and find community resources, and bridging "
        "between them and their care team.",
    ),
    CoreFunction.FOLLOW_UP: (
        "Ongoing, proactive follow-up",
        "Support that continues over time and reaches out to the person, rather than waiting to be asked.",
    ),
}

# A contact's channel as a v3 ParticipationMode, where one says it exactly (a text message, a group meeting and the
# shared activities have none that does): the channel's own PeerPath code is always sent too.
CHANNEL_PARTICIPATION_MODE: dict[str, tuple[str, str]] = {
    Channel.PHONE: ("PHONE", "telephone"),
    Channel.VIDEO: ("VIDEOCONF", "videoconferencing"),
    Channel.HOME_VISIT: ("FACE", "face-to-face"),
}
