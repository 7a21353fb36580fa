"""SECURITY.md MFA: a staff role without TOTP reaches nothing in the API, by session or by token."""

from __future__ import annotations

import pytest

from peerpath.accounts.services import role_grant
from peerpath.api.services import token_create
from peerpath.api.tests.conftest import bearer
from peerpath.audit.models import AuditEvent
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician_without_mfa(world):
    person = make_user("new-clinician")
    role_grant(actor=None, user=person, organisation=world.home, role="clinician")
    return person


def test_staff_without_totp_gets_mfa_required_by_session(client, clinician_without_mfa):
    client.force_login(clinician_without_mfa)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("scope", ["read", "write"])
def test_staff_without_totp_gets_mfa_required_by_token(client, clinician_without_mfa, scope):
    # A token made before the role was granted, or by an operator: it must not bypass MFA.
    _, secret = token_create(user=clinician_without_mfa, name="script", scope=scope)
    for response in (
        client.get("/api/v1/me", **bearer(secret)),
        client.get("/api/v1/tokens", **bearer(secret)),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "mfa_required"
    assert AuditEvent.objects.filter(action="access.denied", details__reason="mfa_required").exists()


def test_staff_with_totp_reach_the_api_by_token(client, world):
    _, secret = token_create(user=world["clinician"], name="script", scope="read")
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200


def test_a_member_without_totp_is_not_asked_for_mfa(client, world):
    _, secret = token_create(user=world["member"], name="script", scope="read")
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
