"""Who is told what, by e-mail: reminders to patients, a weekly digest to clinicians (issue 4 point 9).

E-mail is not a secure channel: it crosses servers we do not run and sits in inboxes others may read. So each message
carries the least health information that still makes it useful — the patient's reminder names only their group and
dose; the clinician's digest gives initials and links, never a name in the subject, never a diagnosis or a count of
what the patient did. The details are one signed-in click away, behind the gates and the audit trail.

Each notice goes at most once: the `Notice` row with its unique (kind, key) is claimed before the message is handed to
the mail backend, so a second run finds the row and sends nothing; a failed send gives the row back and is tried again
next time.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from peerpath.accounts.models import User
from peerpath.audit.services import record
from peerpath.core.time import now
from peerpath.prescriptions.adherence import (
    PeriodAdherence,
    PeriodState,
    Sharing,
    missed_last_period,
    patient_view,
    sharing_of,
)
from peerpath.prescriptions.models import Invitation, Notice, Prescription
from peerpath.prescriptions.selectors import participations_by_patient, prescriptions_for, with_details

Status = Prescription.Status

# A reminder goes when this many days or fewer are left in a period that is not yet met.
REMINDER_DAYS_LEFT = 3
# Statuses a clinician's digest looks at: running, with periods behind them.
DIGEST_STATUSES = (Status.ACTIVE, Status.LAPSED)


def site_link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def iso_week(day: date) -> str:
    """ "2026-W48": the key of a weekly digest."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def initials(prescription: Prescription) -> str:
    patient = prescription.patient
    return "".join(f"{part.strip()[0].upper()}." for part in (patient.given_name, patient.family_name) if part.strip())


def reminder_key(prescription: Prescription, period_start: date) -> str:
    return f"reminder:{prescription.pk}:{period_start.isoformat()}"


def digest_key(clinician_id: object, week: str) -> str:
    return f"digest:{clinician_id}:{week}"


def _send_once(
    *, kind: str, key: str, subject: str, body: str, to: str, prescription: Prescription | None = None,
    recipient: User | None = None, details: dict[str, object] | None = None,
) -> bool:  # fmt: skip
    """Send one message unless its notice exists; True when sent.

    The notice is claimed (committed) first, so a concurrent run finds it and sends nothing, and no database lock is
    held while the mail server answers (SQLite has one writer). A send that fails gives the claim back, so the next
    run tries again; a crash between claim and send loses that one message rather than ever sending it twice.
    """
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                kind=kind, key=key, prescription=prescription, recipient=recipient, sent_at=now()
            )
    except IntegrityError:
        return False  # already sent (or being sent)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except Exception:
        notice.delete()
        raise
    record(
        action="notification.sent",
        actor=None,
        organisation=prescription.organisation if prescription is not None else None,
        target=notice,
        details={"kind": kind, **(details or {})},
    )
    return True


# --- The invitation --------------------------------------------------------------------------------------------


def invitation_message(invitation: Invitation, *, url: str, code: str) -> tuple[str, str]:
    prescription = invitation.prescription
    who = prescription.clinician.legal_name or "Your clinic"
    body = render_to_string(
        "prescriptions/email/invitation.txt",
        {"prescription": prescription, "patient": prescription.patient, "invitation": invitation, "url": url,
         "code": code, "code_url": site_link("/invitations/")},
    )  # fmt: skip
    return f"[PeerPath] {who} has prescribed peer support", body


def send_invitation_once(invitation: Invitation, *, url: str, code: str) -> bool:
    prescription = invitation.prescription
    subject, body = invitation_message(invitation, url=url, code=code)
    return _send_once(
        kind=Notice.Kind.INVITATION,
        key=f"invitation:{invitation.pk}",
        subject=subject,
        body=body,
        to=prescription.patient.email,
        prescription=prescription,
    )


# --- Reminders to the patient ----------------------------------------------------------------------------------


def reminder_due(prescription: Prescription, today: date) -> PeriodAdherence | None:
    """The current period, when it is about to be missed and the patient can be reached; else None.

    Only a running prescription of a patient with an e-mail address whose account is linked (they accepted it): the
    reminder is about the patient's own participation, so it needs no consent to share with the clinic.
    """
    if prescription.status not in Prescription.RUNNING_STATUSES:
        return None
    patient = prescription.patient
    if not patient.email or patient.user is None or not patient.user.is_active:
        return None
    for item in patient_view(prescription, today).periods:
        if item.state == PeriodState.CURRENT and (item.period.end - today).days <= REMINDER_DAYS_LEFT:
            return item
    return None


def reminder_candidates() -> QuerySet[Prescription]:
    return with_details(
        Prescription.objects.filter(
            status__in=Prescription.RUNNING_STATUSES, patient__user__isnull=False, patient__user__is_active=True
        ).exclude(patient__email="")
    ).select_related("patient__user")


def reminders_due(today: date) -> list[tuple[Prescription, PeriodAdherence]]:
    due = []
    for prescription in reminder_candidates():
        item = reminder_due(prescription, today)
        if item is not None:
            due.append((prescription, item))
    return due


def reminder_message(prescription: Prescription, item: PeriodAdherence) -> tuple[str, str]:
    body = render_to_string(
        "prescriptions/email/reminder.txt",
        {
            "prescription": prescription,
            "patient": prescription.patient,
            "period": item.period,
            "count": item.count,
            "left": item.period.required - item.count,
            "url": site_link(f"/my/prescriptions/{prescription.pk}/"),
        },
    )
    return "[PeerPath] A reminder about your peer support", body


def send_reminder_once(prescription: Prescription, today: date) -> bool:
    item = reminder_due(prescription, today)
    if item is None:
        return False
    subject, body = reminder_message(prescription, item)
    return _send_once(
        kind=Notice.Kind.REMINDER,
        key=reminder_key(prescription, item.period.start),
        subject=subject,
        body=body,
        to=prescription.patient.email,
        prescription=prescription,
        recipient=prescription.patient.user,
        details={"period": item.period.index},
    )


# --- The clinician's weekly digest -----------------------------------------------------------------------------


def lapsing_for(clinician: User, today: date) -> list[Prescription]:
    """The clinician's own prescriptions that lapsed or missed their last period, from shared data only.

    Through `prescriptions_for`, so a clinician who has left the organisation hears nothing more of its patients; and
    only while consent to share stands: a withdrawn or signpost-only prescription never appears, lapsed or not.
    """
    running = list(
        prescriptions_for(clinician)
        .filter(clinician=clinician, status__in=DIGEST_STATUSES)
        .order_by("patient__family_name", "patient__given_name", "created_at")
    )
    pool = participations_by_patient(running)
    return [
        prescription
        for prescription in running
        if sharing_of(prescription) == Sharing.SHARED
        and (
            prescription.status == Status.LAPSED
            or missed_last_period(prescription, today, participations=pool.get(prescription.patient_id, []))
        )
    ]


def digest_recipients() -> QuerySet[User]:
    clinicians = Prescription.objects.filter(status__in=DIGEST_STATUSES).values("clinician")
    return User.objects.filter(pk__in=clinicians, is_active=True).exclude(email="").order_by("pk")


def digest_message(clinician: User, prescriptions: list[Prescription]) -> tuple[str, str]:
    rows = [
        {
            "initials": initials(prescription),
            "state": "Lapsed: two periods in a row missed"
            if prescription.status == Status.LAPSED
            else "Missed the last period",
            "url": site_link(f"/clinic/prescriptions/{prescription.pk}/"),
        }
        for prescription in prescriptions
    ]
    body = render_to_string(
        "prescriptions/email/digest.txt",
        {"clinician": clinician, "rows": rows, "dashboard": site_link("/clinic/prescriptions/")},
    )
    # No names, no numbers in the subject: it shows on lock screens and in notification previews.
    return "[PeerPath] Your weekly peer-support follow-ups", body


def send_digest_once(clinician: User, today: date, week: str) -> bool:
    prescriptions = lapsing_for(clinician, today)
    if not prescriptions:
        return False  # nothing to say, nothing sent
    subject, body = digest_message(clinician, prescriptions)
    return _send_once(
        kind=Notice.Kind.DIGEST,
        key=digest_key(clinician.pk, week),
        subject=subject,
        body=body,
        to=clinician.email,
        recipient=clinician,
        details={"prescriptions": [str(prescription.pk) for prescription in prescriptions]},
    )
