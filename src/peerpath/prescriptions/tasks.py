"""Background work for prescriptions (the Django Tasks API): e-mails to patients and clinicians."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django_tasks import task

from peerpath.core.time import now
from peerpath.prescriptions.models import Invitation, Notice


@task()
def send_invitation(invitation_id: str) -> bool:
    """E-mail the patient their invitation link and code; at most once per invitation."""
    from peerpath.prescriptions.services import issued

    invitation = (
        Invitation.objects.select_related("prescription__patient", "prescription__listing", "prescription__clinician")
        .filter(pk=invitation_id, used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None or not invitation.prescription.patient.email:
        return False
    prescription = invitation.prescription
    try:
        with transaction.atomic():
            Notice.objects.create(
                kind=Notice.Kind.INVITATION,
                key=f"invitation:{invitation.pk}",
                prescription=prescription,
                sent_at=now(),
            )
    except IntegrityError:
        return False  # already sent
    secrets = issued(invitation)
    context = {"prescription": prescription, "patient": prescription.patient, "invitation": invitation,
               "url": secrets.url, "code": secrets.code}  # fmt: skip
    send_mail(
        subject=f"[PeerPath] {prescription.clinician.legal_name or 'Your clinic'} has prescribed peer support",
        message=render_to_string("prescriptions/email/invitation.txt", context),
        from_email=None,
        recipient_list=[prescription.patient.email],
    )
    return True
