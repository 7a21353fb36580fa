"""Personal API tokens: creating, using, scoping, expiring and revoking them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from peerpath.accounts.services import account_erase
from peerpath.api.models import ApiToken
from peerpath.api.services import token_digest, token_revoke
from peerpath.api.tests.conftest import bearer
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict
from peerpath.core.time import now

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKENS = "/api/v1/tokens"


def _create_by_session(client, user, **payload):
    client.force_login(user)
    body = {"name": "reporting script", "scope": "read", **payload}
    return client.post(TOKENS, body, content_type="application/json")


def test_token_created_used_then_revoked_stops_working(client, world):
    member = world["member"]
    created = _create_by_session(client, member, scope="write")
    assert created.status_code == 201
    body = created.json()
    secret = body["token"]
    assert secret.startswith("ppt_")
    assert body["prefix"] == secret[:12]
    assert body["scope"] == "write"
    client.logout()

    anonymous = Client()
    assert anonymous.get(ME, **bearer(secret)).status_code == 200

    listed = anonymous.get(TOKENS, **bearer(secret)).json()
    assert listed["count"] == 1
    assert "token" not in listed["items"][0]
    assert listed["items"][0]["id"] == body["id"]

    assert anonymous.delete(f"{TOKENS}/{body['id']}", **bearer(secret)).status_code == 204
    refused = anonymous.get(ME, **bearer(secret))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "invalid_token"
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action="api_token.refused", details__reason="revoked").exists()


def test_the_token_is_stored_nowhere_in_plain_text(client, world):
    secret = _create_by_session(client, world["member"]).json()["token"]
    token = ApiToken.objects.get()
    assert token.digest == token_digest(secret)
    assert secret not in token.digest
    assert not token.prefix or secret != token.prefix
    random_part = secret.removeprefix("ppt_")
    for event in AuditEvent.objects.all():
        assert random_part not in repr(event.__dict__)
    # Every row of every model: the token must not be anywhere in the database.
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert random_part not in dump.getvalue()
    assert random_part[12:] not in dump.getvalue()
    created = AuditEvent.objects.get(action="api_token.created")
    assert created.actor == world["member"]
    assert created.object_id == str(token.pk)
    assert created.details == {"scope": "read", "expires": False}


def test_creating_and_revoking_are_audited(world, make_token):
    member = world["member"]
    token, _ = make_token(member, scope="read")
    token_revoke(user=member, token=token)
    revoked = AuditEvent.objects.get(action="api_token.revoked")
    assert (revoked.actor, revoked.object_id, revoked.details) == (member, str(token.pk), {"scope": "read"})
    with pytest.raises(Conflict):
        token_revoke(user=member, token=token)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_token_is_refused_on_write_with_insufficient_scope(client, world, make_token, method):
    member = world["member"]
    read_token, secret = make_token(member, scope="read")
    response = getattr(client, method)(f"{TOKENS}/{read_token.pk}", **bearer(secret))
    if method in ("put", "patch", "post"):
        # No such operation on that path: the method is not allowed there, whatever the scope.
        assert response.status_code == 405
        return
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "insufficient_scope"
    read_token.refresh_from_db()
    assert read_token.revoked_at is None
    assert AuditEvent.objects.filter(action="access.denied", details__reason="insufficient_scope").exists()


def test_read_token_reads_and_write_token_writes(client, world, make_token):
    member = world["member"]
    _, read_secret = make_token(member, scope="read")
    target, _ = make_token(member, scope="read", name="old")
    _, write_secret = make_token(member, scope="write")
    assert client.get(TOKENS, **bearer(read_secret)).status_code == 200
    assert client.delete(f"{TOKENS}/{target.pk}", **bearer(write_secret)).status_code == 204


def test_expired_token_is_refused(client, world, make_token):
    _, secret = make_token(world["member"], scope="read", expires_at=now() + timedelta(days=30))
    assert client.get(ME, **bearer(secret)).status_code == 200
    with time_machine.travel(now() + timedelta(days=30, seconds=1)):
        response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert AuditEvent.objects.filter(action="api_token.refused", details__reason="expired").exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ppt_unknownunknownunknownunknownunknownunknown1",
        "Bearer ppt_short",
        "Bearer not-a-peerpath-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "ppt_" + "a" * 43,
        "Bearer " + "x" * 10_000,
    ],
)
def test_unknown_or_malformed_token_is_401(client, world, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_bad_token_does_not_fall_back_to_the_session(client, world):
    client.force_login(world["member"])
    assert client.get(ME, HTTP_AUTHORIZATION="Bearer ppt_nope").status_code == 401


def test_token_of_an_inactive_person_is_refused(client, world, make_token):
    member = world["member"]
    _, secret = make_token(member, scope="read")
    account_erase(actor=None, user=member)
    assert client.get(ME, **bearer(secret)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, world, make_token):
    token, secret = make_token(world["member"], scope="read")
    assert token.last_used_at is None
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with time_machine.travel(first + timedelta(seconds=30)):
        client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(first + timedelta(seconds=61)):
        client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_token_cannot_mint_another_token(client, world, make_token):
    _, secret = make_token(world["member"], scope="write")
    response = client.post(TOKENS, {"name": "more"}, content_type="application/json", **bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert ApiToken.objects.count() == 1


def test_anonymous_cannot_create_a_token(client, world):
    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert ApiToken.objects.count() == 0


def test_session_post_without_csrf_is_refused(csrf_client, world):
    member = world["member"]
    csrf_client.force_login(member)
    response = csrf_client.post(TOKENS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "csrf_failed"
    assert ApiToken.objects.count() == 0


def test_session_post_with_csrf_token_succeeds(csrf_client, world):
    csrf_client.force_login(world["member"])
    # The docs page hands the browser its CSRF token (and sets the cookie).
    csrf_client.get("/api/v1/docs")
    csrf_token = csrf_client.cookies["peerpath-csrf"].value
    response = csrf_client.post(TOKENS, {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_token)
    assert response.status_code == 201


def test_session_delete_without_csrf_is_refused(csrf_client, world, make_token):
    member = world["member"]
    token, _ = make_token(member)
    csrf_client.force_login(member)
    assert csrf_client.delete(f"{TOKENS}/{token.pk}").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_requests_need_no_csrf(csrf_client, world, make_token):
    member = world["member"]
    target, _ = make_token(member, name="old")
    _, secret = make_token(member, scope="write")
    assert csrf_client.delete(f"{TOKENS}/{target.pk}", **bearer(secret)).status_code == 204


def test_revoking_someone_elses_token_is_404(client, world, make_token):
    theirs, _ = make_token(world["member"])
    client.force_login(world["coordinator"])
    response = client.delete(f"{TOKENS}/{theirs.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(theirs.pk)).exists()


def test_revoking_twice_is_a_conflict(client, world, make_token):
    token, _ = make_token(world["member"])
    client.force_login(world["member"])
    assert client.delete(f"{TOKENS}/{token.pk}").status_code == 204
    second = client.delete(f"{TOKENS}/{token.pk}")
    assert second.status_code == 409
    assert second.json()["code"] == "already_revoked"


def test_live_tokens_are_limited(client, world, make_token, settings):
    settings.API_TOKEN_MAX_PER_USER = 2
    member = world["member"]
    first, _ = make_token(member)
    make_token(member)
    response = _create_by_session(client, member)
    assert response.status_code == 409
    assert response.json()["code"] == "token_limit"
    token_revoke(user=member, token=first)
    assert _create_by_session(client, member).status_code == 201


def test_expiry_in_the_past_is_refused_against_its_field(client, world):
    response = _create_by_session(client, world["member"], expires_at="2000-01-01T00:00:00Z")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["location"] == ["body", "expires_at"]


def test_expiry_without_time_zone_is_a_validation_error(client, world):
    response = _create_by_session(client, world["member"], expires_at="2999-01-01T00:00:00")
    assert response.status_code == 422


def test_token_list_shows_only_your_own(client, world, make_token):
    mine, _ = make_token(world["member"])
    make_token(world["carer"])
    client.force_login(world["member"])
    items = client.get(TOKENS).json()["items"]
    assert [item["id"] for item in items] == [str(mine.pk)]
