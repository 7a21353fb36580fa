"""Gates for programmes: the object, or the same 404 for "missing" and "not yours" (issue 16). Every successful read
of an enrolment (a patient's place in a caseload) is an audit event; every refusal is one too."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.audit.services import record_access, record_denied
from peerpath.core.access import uuid_or_404
from peerpath.programmes.models import Enrolment, Interaction, Programme, Supporter, WellbeingAlert
from peerpath.programmes.selectors import (
    managed_enrolments,
    managed_programmes,
    managed_supporters,
    managed_wellbeing_alerts,
    own_enrolments,
    supporters_of,
    visible_enrolments,
)


def access_enrolment(user: Any, enrolment_id: Any, *, purpose: str = "view") -> Enrolment:
    """An enrolment in the person's own caseload, or of a programme they manage."""
    enrolment = (
        visible_enrolments(user)
        .select_related("patient", "programme__organisation", "supporter__user")
        .filter(pk=uuid_or_404(enrolment_id))
        .first()
    )
    if enrolment is None:
        record_denied(actor=user, object_type="programmes.enrolment", object_id=str(enrolment_id))
        raise Http404
    record_access(actor=user, target=enrolment.patient, organisation=enrolment.programme.organisation, purpose=purpose)
    return enrolment


def access_programme(user: Any, programme_id: Any) -> Programme:
    """A programme the person manages."""
    programme = managed_programmes(user).select_related("organisation").filter(pk=uuid_or_404(programme_id)).first()
    if programme is None:
        record_denied(actor=user, object_type="programmes.programme", object_id=str(programme_id))
        raise Http404
    return programme


def access_own_enrolment(user: Any, enrolment_id: Any, *, purpose: str = "view") -> Enrolment:
    """One of the signed-in patient's own enrolments; the same 404 for missing and for someone else's."""
    enrolment = (
        own_enrolments(user)
        .select_related("patient", "programme__organisation", "supporter__user")
        .filter(pk=uuid_or_404(enrolment_id))
        .first()
    )
    if enrolment is None:
        record_denied(actor=user, object_type="programmes.enrolment", object_id=str(enrolment_id))
        raise Http404
    record_access(actor=user, target=enrolment, organisation=enrolment.programme.organisation, purpose=purpose)
    return enrolment


def access_supporter(user: Any, supporter_id: Any) -> Supporter:
    """A supporter of an organisation the person runs."""
    supporter = (
        managed_supporters(user)
        .select_related("organisation", "user", "supervisor")
        .filter(pk=uuid_or_404(supporter_id))
        .first()
    )
    if supporter is None:
        record_denied(actor=user, object_type="programmes.supporter", object_id=str(supporter_id))
        raise Http404
    return supporter


def access_managed_enrolment(user: Any, enrolment_id: Any, *, purpose: str) -> Enrolment:
    """An enrolment of a programme the person manages: not a supporter's own caseload, which
    `access.access_enrolment` also lets through, since only managers assign and end enrolments."""
    enrolment = (
        managed_enrolments(user)
        .select_related("patient", "programme__organisation", "supporter__user")
        .filter(pk=uuid_or_404(enrolment_id))
        .first()
    )
    if enrolment is None:
        record_denied(actor=user, object_type="programmes.enrolment", object_id=str(enrolment_id))
        raise Http404
    record_access(actor=user, target=enrolment.patient, organisation=enrolment.programme.organisation, purpose=purpose)
    return enrolment


def access_concern(user: Any, interaction_id: Any) -> Interaction:
    """A contact with a concern, in a programme the person manages."""
    interaction = (
        Interaction.objects.filter(enrolment__programme__in=managed_programmes(user))
        .exclude(concern=Interaction.Concern.NONE)
        .select_related("enrolment__programme__organisation", "enrolment__patient", "supporter__user")
        .filter(pk=uuid_or_404(interaction_id))
        .first()
    )
    if interaction is None:
        record_denied(actor=user, object_type="programmes.interaction", object_id=str(interaction_id))
        raise Http404
    record_access(actor=user, target=interaction.enrolment.patient,
                  organisation=interaction.enrolment.programme.organisation, purpose="close concern")  # fmt: skip
    return interaction


def access_wellbeing_alert(user: Any, programme: Programme, alert_id: Any) -> WellbeingAlert:
    """An alert about a supporter of a programme the person manages (the programme passed its own gate first)."""
    alert = (
        managed_wellbeing_alerts(user)
        .filter(supporter__programmes=programme, pk=uuid_or_404(alert_id))
        .select_related("supporter__organisation")
        .first()
    )
    if alert is None:
        record_denied(actor=user, object_type="programmes.wellbeingalert", object_id=str(alert_id))
        raise Http404
    return alert


def access_own_supporter(user: Any, supporter_id: Any) -> Supporter:
    """One of the person's own supporter profiles (taking a break, coming back)."""
    supporter = supporters_of(user).filter(pk=uuid_or_404(supporter_id)).first()
    if supporter is None:
        record_denied(actor=user, object_type="programmes.supporter", object_id=str(supporter_id))
        raise Http404
    return supporter
