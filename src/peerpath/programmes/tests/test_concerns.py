"""Concerns a supporter raises (issue 16 point 4): the supervisor and coordinator are told at once (every manager of
the organisation for safeguarding), the supporter is told what to do now, and a coordinator closes the concern only
by recording what was done."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Interaction
from peerpath.programmes.selectors import open_concern_count, open_concerns
from peerpath.programmes.tests.helpers import contact, programme, supporter

pytestmark = pytest.mark.django_db


def override_concerns_shown(count):
    return mock.patch("peerpath.programmes.views.caseload.CONCERNS_SHOWN", count)


@pytest.fixture
def enrolment(world):
    scheme = programme(world)
    profile = supporter(world, scheme)
    ola = patient(world, given="Ola", family="Berg")
    enrolment = services.enrolment_create(
        actor=world.people["coordinator"], programme=scheme, patient=ola, supporter=profile
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=now() - timedelta(days=3))
    return Enrolment.objects.get(pk=enrolment.pk)


def log(world, enrolment, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return services.interaction_log(actor=world.people["peer_supporter"], enrolment=enrolment,
                                        data=contact(**overrides))  # fmt: skip


def test_a_concern_tells_the_supervisor_without_naming_the_patient(world, enrolment, mailoutbox,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    log(world, enrolment, django_capture_on_commit_callbacks, concern="concern", concern_note="Sounded very low.")
    assert [mail.to for mail in mailoutbox] == [[world.people["coordinator"].email]]  # supervisor and coordinator
    body = mailoutbox[0].body
    assert "Ola" not in body and "Berg" not in body and "Sounded very low" not in body
    assert reverse("programmes_follow_ups", kwargs={"programme_id": enrolment.programme_id}) in body
    assert "URGENT" not in mailoutbox[0].subject


def test_a_safeguarding_concern_alerts_every_manager_urgently(world, enrolment, mailoutbox,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    log(world, enrolment, django_capture_on_commit_callbacks, concern="safeguarding",
        concern_note="Said they have a plan to end their life tonight.")  # fmt: skip
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([world.people["coordinator"].email, world.people["admin"].email])
    assert all(mail.subject.startswith("[PeerPath] URGENT") for mail in mailoutbox)
    assert AuditEvent.objects.filter(action="notification.sent", details__kind="safeguarding_alert").exists()


def test_no_concern_no_mail(world, enrolment, mailoutbox, django_capture_on_commit_callbacks):
    log(world, enrolment, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_the_supporter_is_told_what_to_do_now(client, world, enrolment, django_capture_on_commit_callbacks):
    client.force_login(world.people["peer_supporter"])
    when = timezone.localtime(now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmes_enrolment", kwargs={"enrolment_id": enrolment.pk}), {
            "when": when, "channel": "phone", "duration_minutes": "20", "reached": "on", "functions": ["follow_up"],
            "concern": "safeguarding", "concern_note": "Talked about a plan to end their life.",
        })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "What to do now" in page and "coordinators have been alerted" in page
    assert 'data-testid="crisis-lines"' in page and "tel:" in page


def test_a_coordinator_closes_a_concern_only_with_what_was_done(world, enrolment, django_capture_on_commit_callbacks):
    raised = log(world, enrolment, django_capture_on_commit_callbacks, concern="safeguarding",
                 concern_note="Said they have a plan.")  # fmt: skip
    assert open_concerns(enrolment.programme) == [raised]
    coordinator = world.people["coordinator"]
    with pytest.raises(DomainError) as refused:
        services.concern_close(actor=coordinator, interaction=raised, outcome="reached_safe", note=" ")
    assert refused.value.field == "note"
    with pytest.raises(DomainError):
        services.concern_close(actor=coordinator, interaction=raised, outcome="shrugged", note="x")
    for persona in ("peer_supporter", "clinician", "outsider"):
        with pytest.raises(PermissionDenied):
            services.concern_close(actor=world.people[persona], interaction=raised, outcome="no_risk", note="x")
    closed = services.concern_close(actor=coordinator, interaction=raised, outcome="reached_safe",
                                    note="Called them with the GP; safe, crisis team visiting.")  # fmt: skip
    assert closed.concern_closed_by == coordinator and closed.concern_outcome == "reached_safe"
    assert open_concerns(enrolment.programme) == []
    with pytest.raises(Conflict):
        services.concern_close(actor=coordinator, interaction=raised, outcome="no_risk", note="again")
    assert Interaction.objects.get(pk=raised.pk).concern_outcome == "reached_safe"


def test_the_follow_up_queue_shows_open_concerns_and_closes_them(client, world, enrolment,
                                                                django_capture_on_commit_callbacks):  # fmt: skip
    raised = log(world, enrolment, django_capture_on_commit_callbacks, concern="concern",
                 concern_note="Lonely since the move.")  # fmt: skip
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_follow_ups", kwargs={"programme_id": enrolment.programme_id})
    assert "Lonely since the move." in client.get(url).content.decode()
    close = reverse("programmes_concern_close", kwargs={"interaction_id": raised.pk})
    assert close in client.get(url).content.decode()
    page = client.get(close)
    assert page.status_code == 200 and "Lonely since the move." in page.content.decode()
    refused = client.post(close, {"note": "x"})  # no outcome chosen
    assert refused.status_code == 400 and "Lonely since the move." in refused.content.decode()
    assert Interaction.objects.get(pk=raised.pk).concern_closed_at is None
    response = client.post(close, {"outcome": "no_risk", "note": "Called; settling in."})
    assert response.status_code == 302
    assert "Lonely since the move." not in client.get(url).content.decode()
    closed = client.get(close).content.decode()
    assert "No risk on review" in closed and "Record and close" not in closed
    assert client.post(close, {"outcome": "reached_safe", "note": "again"}).status_code == 409
    client.force_login(world.people["outsider"])
    assert client.post(close, {"outcome": "no_risk"}).status_code == 404
    assert client.get(close).status_code == 404


def test_the_queue_shows_safeguarding_first_and_says_how_many_more(client, world, enrolment,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    first = log(world, enrolment, django_capture_on_commit_callbacks, concern="concern", concern_note="Low.",
                occurred_at=now() - timedelta(hours=5))  # fmt: skip
    log(world, enrolment, django_capture_on_commit_callbacks, concern="concern", concern_note="Lower.",
        occurred_at=now() - timedelta(hours=4))  # fmt: skip
    urgent = log(world, enrolment, django_capture_on_commit_callbacks, concern="safeguarding",
                 concern_note="A plan.", occurred_at=now() - timedelta(hours=3))  # fmt: skip
    log(world, enrolment, django_capture_on_commit_callbacks, occurred_at=now() - timedelta(hours=2))  # no concern
    assert open_concerns(enrolment.programme, limit=2) == [urgent, first]
    assert open_concern_count(enrolment.programme) == 3

    client.force_login(world.people["coordinator"])
    with override_concerns_shown(2):
        page = client.get(reverse("programmes_follow_ups", kwargs={"programme_id": enrolment.programme_id}))
    text = page.content.decode()
    assert "The first 2 of 3 open concerns" in text and "A plan." in text and "Lower." not in text
