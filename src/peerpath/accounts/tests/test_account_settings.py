"""A person's own account: profile and handle, deletion request, erasure."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from peerpath.accounts import services
from peerpath.accounts.models import DeletionRequest, RoleAssignment, User
from peerpath.audit.models import AuditEvent
from peerpath.audit.verify import verify_chain
from peerpath.core.errors import Conflict, DomainError
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import PERSONAS

pytestmark = pytest.mark.django_db


def test_everyone_signed_in_reaches_their_settings(client, world):
    check_matrix(client, world, url="/settings/", expect={p: (LOGIN if p == "anonymous" else 200) for p in PERSONAS})


def test_changing_the_handle_is_saved_and_audited_without_the_values(client, world):
    client.force_login(world["member"])
    response = client.post("/settings/", {"handle": "river-walker", "legal_name": "Mo Member"})
    assert response.status_code == 302
    member = User.objects.get(pk=world["member"].pk)
    assert member.handle == "river-walker" and member.public_name == "river-walker"
    event = AuditEvent.objects.get(action="account.profile_changed")
    assert event.details == {"fields": ["handle", "legal_name"]}
    assert "Mo Member" not in str(event.details)


def test_peers_see_the_legal_name_only_when_the_person_chooses(world):
    member = world["member"]
    assert member.public_name == "member"
    services.profile_update(user=member, handle="member", legal_name="Mo Member", show_legal_name_to_peers=True)
    assert member.public_name == "Mo Member"


@pytest.mark.parametrize("handle", ["clinician", "CLINICIAN", "x", "has space", "-leading", "a" * 31])
def test_a_taken_or_malformed_handle_is_a_form_error(client, world, handle):
    client.force_login(world["member"])
    response = client.post("/settings/", {"handle": handle, "legal_name": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert User.objects.get(pk=world["member"].pk).handle == "member"


def test_saving_an_unchanged_profile_writes_nothing(world):
    member = world["member"]
    before = AuditEvent.objects.count()
    services.profile_update(user=member, handle="member", legal_name=member.legal_name, show_legal_name_to_peers=False)
    assert AuditEvent.objects.count() == before


def test_a_person_asks_for_deletion_once(client, world):
    client.force_login(world["member"])
    assert client.get("/settings/delete-account/").status_code == 200
    response = client.post("/settings/delete-account/", {"reason": "moving on", "confirm": "on"})
    assert response.status_code == 302
    assert DeletionRequest.objects.filter(user=world["member"]).exists()
    response = client.post("/settings/delete-account/", {"reason": "", "confirm": "on"})
    assert "already asked" in response.content.decode()
    response = client.post("/settings/delete-account/", {"reason": ""})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors


def test_erasing_requested_accounts_removes_identity_but_keeps_the_audit_trail(world):
    member = world["member"]
    services.deletion_request_create(user=member, reason="moving on")
    call_command("accounts", "erase-requested")
    member.refresh_from_db()
    assert member.email.endswith("@erased.invalid") and member.legal_name == "" and not member.is_active
    assert not member.has_usable_password()
    assert not RoleAssignment.objects.filter(user=member).exists()
    assert DeletionRequest.objects.get(user=member).processed_at is not None
    assert AuditEvent.objects.filter(action="account.erased", object_id=str(member.pk)).exists()
    assert verify_chain().intact
    with pytest.raises(Conflict):
        services.account_erase(actor=None, user=member)


def test_duplicate_accounts_are_refused(world):
    with pytest.raises(Conflict):
        services.user_create(email="MEMBER@example.org", password=None, handle="someone-else")
    with pytest.raises(DomainError):
        services.user_create(email="fresh@example.org", password=None, handle="member")
