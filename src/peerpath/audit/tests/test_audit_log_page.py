"""The organisation's audit log page: who may see it, what it shows, how it filters."""

from __future__ import annotations

import pytest

from peerpath.audit.models import AuditEvent
from peerpath.audit.services import record
from peerpath.testing.matrix import ORG_MANAGERS_ONLY, check_matrix

pytestmark = pytest.mark.django_db


def test_permission_matrix_for_the_audit_log(client, world):
    check_matrix(
        client,
        world,
        url=lambda w: f"/organisations/{w.home.pk}/audit/",
        expect=ORG_MANAGERS_ONLY,
    )


def test_unknown_organisation_gives_the_same_404_and_is_recorded(client, world):
    client.force_login(world["outsider"])
    response = client.get(f"/organisations/{world.home.pk}/audit/")
    assert response.status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied", actor=world["outsider"]).get()
    assert denied.object_id == str(world.home.pk) and denied.outcome == "denied"


def test_log_shows_own_organisation_events_and_people_but_not_others(client, world):
    record(action="test.home_event", organisation=world.home)
    record(action="test.other_event", organisation=world.other)
    record(action="auth.signed_in", actor=world["clinician"])  # an account event of a home staff member
    record(action="auth.signed_in", actor=world["outsider"])  # ... and of the other organisation's
    client.force_login(world["coordinator"])
    page = client.get(f"/organisations/{world.home.pk}/audit/").context["page"]
    actions = [(event.action, event.actor_id) for event in page.object_list]
    assert ("test.home_event", None) in actions
    assert ("auth.signed_in", world["clinician"].pk) in actions
    assert all(action != "test.other_event" for action, _ in actions)
    assert ("auth.signed_in", world["outsider"].pk) not in actions


def test_log_filters_by_action_outcome_person_and_dates(client, world):
    record(action="role.granted", organisation=world.home, actor=world["admin"])
    record(action="auth.sign_in_failed", actor=world["clinician"], outcome="failure")
    client.force_login(world["coordinator"])
    url = f"/organisations/{world.home.pk}/audit/"
    page = client.get(url, {"action": "role.", "outcome": "", "actor": "", "since": "", "until": ""}).context["page"]
    assert {event.action for event in page.object_list} == {"role.granted"}
    page = client.get(url, {"outcome": "failure"}).context["page"]
    assert {event.action for event in page.object_list} == {"auth.sign_in_failed"}
    page = client.get(url, {"actor": "admin"}).context["page"]
    assert {event.actor_id for event in page.object_list} == {world["admin"].pk}
    page = client.get(url, {"since": "2000-01-01", "until": "2000-01-02"}).context["page"]
    assert list(page.object_list) == []


def test_a_date_range_backwards_is_a_form_error_not_a_500(client, world):
    client.force_login(world["coordinator"])
    response = client.get(f"/organisations/{world.home.pk}/audit/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "until" in response.context["form"].errors
    assert list(response.context["page"].object_list) == []
