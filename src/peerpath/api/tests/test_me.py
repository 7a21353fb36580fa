"""GET /api/v1/me: the signed-in person, about themselves only."""

from __future__ import annotations

import pytest

from peerpath.api.tests.conftest import bearer
from peerpath.testing.personas import PERSONA_ROLES, PERSONAS, STAFF_PERSONAS

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.mark.parametrize("persona", PERSONAS)
def test_me_for_every_persona(client, world, persona):
    user = world[persona]
    if user is not None:
        client.force_login(user)
    response = client.get(ME)
    if user is None:
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "unauthorized"
        return
    assert response.status_code == 200
    body = response.json()
    role, org_key = PERSONA_ROLES[persona]
    organisation = world.home if org_key == "home" else world.other
    assert body == {
        "id": str(user.pk),
        "handle": user.handle,
        "email": user.email,
        "legal_name": user.legal_name,
        "roles": [{"organisation": {"id": str(organisation.pk), "name": organisation.name}, "role": role}],
        "mfa_enabled": persona in STAFF_PERSONAS,
    }


def test_me_by_token_is_the_token_owner(client, world, make_token):
    _, secret = make_token(world["peer_supporter"], scope="read")
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    assert response.json()["handle"] == "peer-supporter"


def test_me_lists_every_role_in_every_organisation(client, world):
    from peerpath.accounts.services import role_grant

    carer = world["carer"]
    role_grant(actor=None, user=carer, organisation=world.other, role="member")
    client.force_login(carer)
    roles = client.get(ME).json()["roles"]
    assert {(entry["organisation"]["name"], entry["role"]) for entry in roles} == {
        ("Riverside Health", "carer"),
        ("Hillview Clinic", "member"),
    }


def test_me_without_legal_name_gives_null(client, world):
    from peerpath.testing.personas import make_user

    person = make_user("nameless")
    client.force_login(person)
    body = client.get(ME).json()
    assert body["legal_name"] is None
    assert body["roles"] == []


def test_api_answers_are_never_cached(client, world, make_token):
    _, secret = make_token(world["member"], scope="read")
    response = client.get(ME, **bearer(secret))
    assert "no-store" in response["Cache-Control"]
