"""Pure functions from PeerPath's domain objects to FHIR R4 JSON, following the HL7 Gravity SDOH Clinical Care
referral pattern: a ServiceRequest (the order), a Task (its fulfilment, with the participation summary), the Consent
and the Patient; and a peer supporter's contacts that the patient shares with the health record, as Communications
(or Procedures, for an activity done together). No database writes and no request here: the views gate, these
functions shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from peerpath.directory.models import Listing, choice_label
from peerpath.fhir import codes
from peerpath.prescriptions.adherence import Sharing, clinician_view
from peerpath.prescriptions.models import Consent, Patient, PatientIdentifier, Prescription, Reason
from peerpath.programmes.models import ACTIVITY_CHANNELS, Channel, Interaction

Json = dict[str, Any]


def instant(moment: datetime) -> str:
    """A FHIR dateTime in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def reference(resource_type: str, resource_id: Any, display: str = "") -> Json:
    result: Json = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        result["display"] = display
    return result


def _coding(system: str, code: str, display: str = "") -> Json:
    result: Json = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def _person_name(user: Any) -> str:
    return (getattr(user, "legal_name", "") or getattr(user, "handle", "") or "").strip()


def _performer_name(prescription: Prescription) -> str:
    """Who runs the group: its host organisation, or the listing's own name when no host is recorded."""
    listing = prescription.listing
    if listing is None:
        return ""
    return listing.host.name if listing.host is not None else listing.name


def latest_consent(prescription: Prescription) -> Consent | None:
    consents = list(prescription.consents.all())
    return max(consents, key=lambda consent: consent.granted_at) if consents else None


# --- ServiceRequest --------------------------------------------------------------------------------------------


def _service_code(prescription: Prescription) -> Json:
    kind = prescription.support_kind or (prescription.listing.kind if prescription.listing else "")
    coding = [_coding(codes.PEER_SUPPORT_SYSTEM, "peer-support", "Peer support")]
    if kind:
        coding.append(_coding(codes.SUPPORT_KIND_SYSTEM, kind, str(choice_label(Listing.Kind, kind))))
    return {"coding": coding, "text": prescription.what}


def _reason_codes(prescription: Prescription) -> list[Json]:
    reasons: list[Json] = []
    for code in prescription.reasons:
        if code in Reason.values:
            label = str(Reason(code).label)
            reasons.append({"coding": [_coding(codes.REASON_SYSTEM, code, label)], "text": label})
    if prescription.condition is not None:
        condition = prescription.condition
        reasons.append(
            {"coding": [_coding(codes.SNOMED, condition.snomed_code, condition.name)], "text": condition.name}
        )
    if prescription.reason_text:
        reasons.append({"text": prescription.reason_text})
    return reasons


def occurrence_timing(prescription: Prescription) -> Json:
    """The dose as a FHIR Timing: `count` times per 1 week or month, between the first and last day of the dose;
    its code's text is the dose sentence exactly as the UI and the print show it."""
    return {
        "repeat": {
            "boundsPeriod": {"start": prescription.start_date.isoformat(), "end": prescription.end_date.isoformat()},
            "frequency": prescription.dose_count,
            "period": 1,
            "periodUnit": codes.PERIOD_UNIT[prescription.per],
        },
        "code": {
            "coding": [_coding(codes.ACTIVITY_SYSTEM, prescription.activity, prescription.get_activity_display())],
            "text": prescription.dose_sentence,
        },
    }


def service_request(prescription: Prescription) -> Json:
    patient = prescription.patient
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": str(prescription.pk),
        "meta": {"profile": [codes.SERVICE_REQUEST_PROFILE], "lastUpdated": instant(prescription.updated_at)},
        "status": codes.SERVICE_REQUEST_STATUS[prescription.status],
        "intent": "order",
        "category": [
            {"coding": [_coding(codes.SNOMED, *codes.SOCIAL_SERVICE_PROCEDURE)]},
            {"coding": [_coding(codes.PEER_SUPPORT_SYSTEM, "peer-support", "Peer support")]},
        ],
        "code": _service_code(prescription),
        "subject": reference("Patient", patient.pk, patient.name),
        "occurrenceTiming": occurrence_timing(prescription),
        "authoredOn": instant(prescription.created_at),
        "requester": {"display": _person_name(prescription.clinician)},
        "note": [{"text": prescription.dose_sentence}],
    }
    reasons = _reason_codes(prescription)
    if reasons:
        resource["reasonCode"] = reasons
    if prescription.note_to_patient:
        resource["note"].append({"text": prescription.note_to_patient})
    performer = _performer_name(prescription)
    if performer:
        resource["performer"] = [{"display": performer}]
    consent = latest_consent(prescription)
    if consent is not None:
        resource["supportingInfo"] = [reference("Consent", consent.pk)]
    return resource


# --- Task ------------------------------------------------------------------------------------------------------


def _task_output(prescription: Prescription, today: date) -> list[Json]:
    """The participation summary for the health record, only while the patient consents to share it AND to a
    summary in the EHR (issue 4 point 4: the second consent is optional): after a withdrawal, for a signpost-only
    prescription, or with consent to share with the clinic alone, there is no output at all."""
    standing = next((item for item in prescription.consents.all() if item.withdrawn_at is None), None)
    if standing is None or not standing.share_ehr_summary:
        return []
    view = clinician_view(prescription, today)
    if view.sharing != Sharing.SHARED or view.adherence is None:
        return []
    adherence = view.adherence
    output: list[Json] = [
        {
            "type": {
                "coding": [_coding(codes.TASK_OUTPUT_SYSTEM, "participation-summary", "Participation summary")],
                "text": "Participation summary",
            },
            "valueString": adherence.summary,
        }
    ]
    for item in adherence.periods:
        period = item.period
        label = f"Period {period.index + 1}: {period.start.isoformat()} to {period.last_day.isoformat()}, {item.label}"
        output.append(
            {
                "type": {
                    "coding": [_coding(codes.TASK_OUTPUT_SYSTEM, "period-participation", "Participation in a period")],
                    "text": label,
                },
                "valueInteger": item.count,
            }
        )
    return output


def task(prescription: Prescription, today: date) -> Json:
    patient = prescription.patient
    status = Prescription.Status(prescription.status)
    resource: Json = {
        "resourceType": "Task",
        "id": str(prescription.pk),
        "meta": {"profile": [codes.TASK_PROFILE], "lastUpdated": instant(prescription.updated_at)},
        "status": codes.TASK_STATUS[prescription.status],
        "businessStatus": {"coding": [_coding(codes.LIFECYCLE_SYSTEM, status.value, str(status.label))],
                           "text": str(status.label)},
        "intent": "order",
        "code": {"coding": [_coding(codes.TASK_CODE_SYSTEM, "fulfill", "Fulfill the focal request")]},
        "focus": reference("ServiceRequest", prescription.pk, prescription.what),
        "for": reference("Patient", patient.pk, patient.name),
        "authoredOn": instant(prescription.created_at),
        "lastModified": instant(prescription.status_changed_at or prescription.updated_at),
        "requester": {"display": _person_name(prescription.clinician)},
        "executionPeriod": {"start": prescription.start_date.isoformat()},
    }  # fmt: skip
    if prescription.ended_at is not None:
        resource["executionPeriod"]["end"] = instant(prescription.ended_at)
    owner = _performer_name(prescription)
    if owner:
        resource["owner"] = {"display": owner}
    output = _task_output(prescription, today)
    if output:
        resource["output"] = output
    return resource


# --- Consent ---------------------------------------------------------------------------------------------------


def consent(item: Consent) -> Json:
    prescription = item.prescription
    organisation = prescription.organisation
    period: Json = {"start": instant(item.granted_at)}
    if item.withdrawn_at is not None:
        period["end"] = instant(item.withdrawn_at)
    shared = [_coding(codes.CONSENT_DATA_SYSTEM, "participation", "Participation in peer support")]
    if item.share_ehr_summary:
        shared.append(_coding(codes.CONSENT_DATA_SYSTEM, "ehr-summary", "A short summary for the health record"))
    return {
        "resourceType": "Consent",
        "id": str(item.pk),
        "meta": {"profile": [codes.CONSENT_PROFILE], "lastUpdated": instant(item.updated_at)},
        "status": "active" if item.is_active else "inactive",
        "scope": {"coding": [_coding(codes.CONSENT_SCOPE_SYSTEM, "patient-privacy", "Privacy Consent")]},
        "category": [{"coding": [_coding(codes.V3_ACT_CODE, "IDSCL", "information disclosure")]}],
        "patient": reference("Patient", item.patient_id, item.patient.name),
        "dateTime": instant(item.granted_at),
        "performer": [reference("Patient", item.patient_id)],
        "organization": [{"display": organisation.name}],
        "policyRule": {"text": "PeerPath: participation is shared with the clinic only while this consent stands"},
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [
                {
                    "role": {"coding": [_coding(codes.V3_PARTICIPATION_TYPE, "IRCP", "information recipient")]},
                    "reference": {"display": organisation.name},
                }
            ],
            "purpose": [_coding(codes.V3_ACT_REASON, "TREAT", "treatment")],
            "code": [{"coding": shared}],
            "data": [{"meaning": "related", "reference": reference("ServiceRequest", prescription.pk)}],
        },
    }


# --- Patient ---------------------------------------------------------------------------------------------------


def _identifier(identifier: PatientIdentifier) -> Json:
    result: Json = {"system": identifier.system, "value": identifier.value}
    if identifier.kind == PatientIdentifier.Kind.MRN:
        result["type"] = {
            "coding": [_coding(codes.V2_IDENTIFIER_TYPE, "MR", "Medical Record Number")],
            "text": "Medical Record Number",
        }
    elif identifier.kind == PatientIdentifier.Kind.NHS_NUMBER:
        result["type"] = {"text": "NHS number"}
    return result


def patient(record: Patient) -> Json:
    resource: Json = {
        "resourceType": "Patient",
        "id": str(record.pk),
        "meta": {"lastUpdated": instant(record.updated_at)},
        "active": True,
        "name": [{"use": "official", "family": record.family_name, "given": [record.given_name], "text": record.name}],
        "managingOrganization": {"display": record.organisation.name},
    }
    identifiers = [_identifier(item) for item in record.identifiers.all()]
    if identifiers:
        resource["identifier"] = identifiers
    name = resource["name"][0]
    if not record.family_name:
        del name["family"]
    if not record.given_name:
        del name["given"]
    telecom = []
    if record.email:
        telecom.append({"system": "email", "value": record.email})
    if record.phone:
        telecom.append({"system": "phone", "value": record.phone})
    if telecom:
        resource["telecom"] = telecom
    if record.gender:
        resource["gender"] = record.gender
    if record.birth_date is not None:
        resource["birthDate"] = record.birth_date.isoformat()
    if record.preferred_language:
        resource["communication"] = [
            {"language": {"coding": [_coding(codes.BCP47, record.preferred_language)]}, "preferred": True}
        ]
    return resource


# --- A peer supporter's contacts: Communication, or Procedure for an activity ----------------------------------


def _peer_support() -> Json:
    return {"coding": [_coding(codes.PEER_SUPPORT_SYSTEM, "peer-support", "Peer support")]}


def _channel(interaction: Interaction) -> Json:
    label = str(Channel(interaction.channel).label)
    coding = [_coding(codes.CONTACT_CHANNEL_SYSTEM, interaction.channel, label)]
    mode = codes.CHANNEL_PARTICIPATION_MODE.get(interaction.channel)
    if mode is not None:
        coding.append(_coding(codes.V3_PARTICIPATION_MODE, *mode))
    return {"coding": coding, "text": label}


def _functions(interaction: Interaction) -> list[Json]:
    """The core functions the contact served, one CodeableConcept each (reasonCode)."""
    result = []
    for value in interaction.functions:
        if value in codes.PEER_SUPPORT_FUNCTIONS:
            display = codes.PEER_SUPPORT_FUNCTIONS[value][0]
            result.append({"coding": [_coding(codes.PEER_SUPPORT_FUNCTION_SYSTEM, value, display)], "text": display})
    return result


def _contact_notes(interaction: Interaction) -> list[Json]:
    """What the patient sees of the contact besides its coded parts. Never the concern or its note: those are for
    the supporter's coordinator."""
    minutes = interaction.duration_minutes
    notes = [{"text": f"Duration: {minutes} minute{'' if minutes == 1 else 's'}"}]
    if interaction.resources:
        notes.append({"text": f"Resources: {interaction.resources}"})
    if interaction.listing is not None:
        notes.append({"text": f"Pointed to: {interaction.listing.name}"})
    return notes


def _based_on(prescriptions: Sequence[Prescription]) -> list[Json]:
    return [reference("ServiceRequest", item.pk, item.what) for item in prescriptions]


def communication(interaction: Interaction, based_on: Sequence[Prescription] = ()) -> Json:
    """A conversation with a peer supporter (phone, text, video, a home visit, a group meeting); `based_on` are the
    prescriptions it fulfils in part."""
    patient = interaction.enrolment.patient
    resource: Json = {
        "resourceType": "Communication",
        "id": str(interaction.pk),
        "meta": {"lastUpdated": instant(interaction.updated_at)},
        "status": "completed",
        "category": [_peer_support()],
        "medium": [_channel(interaction)],
        "subject": reference("Patient", patient.pk, patient.name),
        "sent": instant(interaction.occurred_at),
        "recipient": [reference("Patient", patient.pk, patient.name)],
        "sender": {"display": interaction.supporter.user.handle},
        "reasonCode": _functions(interaction),
    }
    if based_on:
        resource["basedOn"] = _based_on(based_on)
    if interaction.discussed:
        resource["payload"] = [{"contentString": interaction.discussed}]
    notes = _contact_notes(interaction)
    if interaction.next_follow_up is not None:
        notes.append({"text": f"Next follow-up: {interaction.next_follow_up.isoformat()}"})
    resource["note"] = notes
    return resource


def procedure(interaction: Interaction, based_on: Sequence[Prescription] = ()) -> Json:
    """An activity done together with a peer supporter (a walk, shopping): the channel is what was done."""
    patient = interaction.enrolment.patient
    resource: Json = {
        "resourceType": "Procedure",
        "id": str(interaction.pk),
        "meta": {"lastUpdated": instant(interaction.updated_at)},
        "status": "completed",
        "category": {"coding": [_coding(codes.SNOMED, *codes.SOCIAL_SERVICE_PROCEDURE), *_peer_support()["coding"]]},
        "code": _channel(interaction),
        "subject": reference("Patient", patient.pk, patient.name),
        "performedDateTime": instant(interaction.occurred_at),
        "performer": [
            {"actor": {"display": interaction.supporter.user.handle}, "function": {"text": "Peer supporter"}}
        ],
        "reasonCode": _functions(interaction),
    }
    if based_on:
        resource["basedOn"] = _based_on(based_on)
    notes = _contact_notes(interaction)
    if interaction.discussed:
        notes.insert(0, {"text": interaction.discussed})
    resource["note"] = notes
    if interaction.next_follow_up is not None:
        resource["followUp"] = [{"text": f"Next follow-up: {interaction.next_follow_up.isoformat()}"}]
    return resource


def is_activity(interaction: Interaction) -> bool:
    return interaction.channel in ACTIVITY_CHANNELS


def contact(interaction: Interaction, based_on: Sequence[Prescription] = ()) -> Json:
    """The contact as the resource its channel makes it."""
    shape = procedure if is_activity(interaction) else communication
    return shape(interaction, based_on)


def peer_support_functions() -> Json:
    """PeerPath's code system of the four core functions of peer support, as a CodeSystem resource."""
    concepts = [
        {"code": str(code), "display": display, "definition": definition}
        for code, (display, definition) in codes.PEER_SUPPORT_FUNCTIONS.items()
    ]
    return {
        "resourceType": "CodeSystem",
        "id": codes.PEER_SUPPORT_FUNCTIONS_ID,
        "url": codes.PEER_SUPPORT_FUNCTION_SYSTEM,
        "version": "1",
        "name": "PeerSupportFunctions",
        "title": "The four core functions of peer support",
        "status": "active",
        "experimental": False,
        "publisher": "PeerPath",
        "description": "What a contact between a peer supporter and a patient did: help with daily management, "
        "social and emotional support, linkage to clinical care and community resources, and ongoing, proactive "
        "follow-up. A contact may serve several.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


# --- Bundles ---------------------------------------------------------------------------------------------------


def bundle(entries: list[Json], *, base_url: str, bundle_type: str = "searchset", self_url: str = "") -> Json:
    """A Bundle of resources, each with its absolute fullUrl (base_url ends with /fhir/r4/)."""
    result: Json = {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [
            {"fullUrl": f"{base_url}{entry['resourceType']}/{entry['id']}", "resource": entry} for entry in entries
        ],
    }
    if bundle_type == "searchset":
        result["total"] = len(entries)
        for item in result["entry"]:
            item["search"] = {"mode": "match"}
    if self_url:
        result["link"] = [{"relation": "self", "url": self_url}]
    if not result["entry"]:
        del result["entry"]
    return result
