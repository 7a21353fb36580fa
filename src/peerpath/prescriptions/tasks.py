"""Background work for prescriptions (the Django Tasks API): the daily sweep and the e-mails it and the services send.

Run by a worker (`peerpath db_worker`); `peerpath run_scheduler` enqueues `daily_sweep` once a day and `weekly_digest`
once a week. Every e-mail goes at most once whatever runs twice (see notifications.py). Arguments are strings: they
are stored as JSON in the queue.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.prescriptions import notifications
from peerpath.prescriptions.models import Invitation, Notice


@task()
def send_invitation(invitation_id: str) -> bool:
    """E-mail the patient their invitation link and code; at most once per invitation."""
    from peerpath.prescriptions.services import issued

    invitation = (
        Invitation.objects.select_related(
            "prescription__patient", "prescription__listing", "prescription__clinician", "prescription__organisation"
        )
        .filter(pk=invitation_id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now())
        .first()
    )
    if invitation is None or not invitation.prescription.patient.email:
        return False
    secrets = issued(invitation)
    return notifications.send_invitation_once(invitation, url=secrets.url, code=secrets.code)


@task()
def send_reminder(prescription_id: str) -> bool:
    """Remind the patient that the current period is about to be missed; once per period."""
    prescription = notifications.reminder_candidates().filter(pk=prescription_id).first()
    if prescription is None:
        return False
    return notifications.send_reminder_once(prescription, now().date())


@task()
def send_digest(clinician_id: str, week: str) -> bool:
    """One clinician's weekly digest of their lapsing patients; nothing when there are none; once per week."""
    clinician = User.objects.filter(pk=clinician_id, is_active=True).exclude(email="").first()
    if clinician is None:
        return False
    return notifications.send_digest_once(clinician, now().date(), week)


@task()
def daily_sweep() -> dict[str, Any]:
    """Move prescriptions on by the calendar, then queue the reminders due today."""
    from peerpath.prescriptions.services import prescriptions_advance

    today = now().date()
    report = prescriptions_advance(today=today)
    queued = 0
    for prescription, item in notifications.reminders_due(today):
        key = notifications.reminder_key(prescription, item.period.start)
        if not Notice.objects.filter(kind=Notice.Kind.REMINDER, key=key).exists():
            send_reminder.enqueue(str(prescription.pk))
            queued += 1
    return {
        "started": report.started,
        "completed": report.completed,
        "lapsed": report.lapsed,
        "expired": report.expired,
        "reminders_queued": queued,
    }


@task()
def weekly_digest() -> int:
    """Queue this week's digest for every clinician with running prescriptions; returns how many were queued."""
    week = notifications.iso_week(now().date())
    queued = 0
    for clinician_id in notifications.digest_recipients().values_list("pk", flat=True):
        if not Notice.objects.filter(
            kind=Notice.Kind.DIGEST, key=notifications.digest_key(clinician_id, week)
        ).exists():
            send_digest.enqueue(str(clinician_id), week)
            queued += 1
    return queued
