"""The personal API token pages under account settings: permission matrix, create once, revoke."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from peerpath.api.access import access_api_token
from peerpath.api.models import ApiToken
from peerpath.api.selectors import tokens_of
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import PERSONAS

pytestmark = pytest.mark.django_db

SIGNED_IN = [persona for persona in PERSONAS if persona != "anonymous"]


def test_token_list_page_matrix(client, world):
    check_matrix(
        client,
        world,
        url=reverse("api_tokens"),
        expect={"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, 200)},
    )


def test_revoke_matrix_only_the_owner_may_revoke(client, world, make_token):
    token, _ = make_token(world["member"])
    check_matrix(
        client,
        world,
        url=reverse("api_token_revoke", args=[token.pk]),
        method="post",
        # The owner is redirected back to the list; everyone else, whatever their role, gets 404.
        expect={"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, 404), "member": 302},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_stays_live_after_their_attempts(client, world, make_token):
    token, _ = make_token(world["carer"])
    for persona in SIGNED_IN:
        if persona == "carer":
            continue
        client.force_login(world[persona])
        assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post(client, world, make_token):
    token, _ = make_token(world["member"])
    client.force_login(world["member"])
    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405


def test_creating_a_token_shows_it_once(client, world):
    client.force_login(world["member"])
    response = client.post(reverse("api_tokens"), {"name": "my script", "scope": "read", "expires_in": "30"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("ppt_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user) == ("my script", "read", world["member"])
    assert token.expires_at is not None
    # The list page afterwards shows the prefix, never the token.
    again = client.get(reverse("api_tokens")).content.decode()
    assert secret not in again
    assert token.prefix in again


def test_the_new_token_is_in_no_url_or_message(client, world):
    client.force_login(world["member"])
    response = client.post(reverse("api_tokens"), {"name": "x", "scope": "write", "expires_in": "never"})
    secret = response.context["secret"]
    assert "Location" not in response
    assert secret not in str(list(response.context["messages"]))
    assert secret not in str(dict(client.session))


def test_a_refused_token_shows_on_the_form(client, world, settings, make_token):
    settings.API_TOKEN_MAX_PER_USER = 1
    make_token(world["member"])
    client.force_login(world["member"])
    response = client.post(reverse("api_tokens"), {"name": "x", "scope": "read", "expires_in": "30"})
    assert response.status_code == 200
    assert response.context["secret"] == ""
    assert response.context["form"].non_field_errors()
    assert ApiToken.objects.count() == 1


def test_owner_revokes_from_the_page(client, world, make_token):
    token, secret = make_token(world["member"])
    client.force_login(world["member"])
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("api_tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_token_list_agrees_with_the_gate(world, make_token):
    """STYLE.md practice 4: what a person's list shows is exactly what the gate lets them reach."""
    tokens = [make_token(world[persona], name=persona)[0] for persona in ("member", "member", "carer", "admin")]
    tokens[0].revoked_at = tokens[0].created_at
    tokens[0].save(update_fields=["revoked_at"])
    for persona in PERSONAS:
        user = world[persona]
        listed = {token.pk for token in tokens_of(user)} if user is not None else set()
        allowed = set()
        for token in ApiToken.objects.all():
            try:
                access_api_token(user, token.pk)
            except Http404:
                continue
            allowed.add(token.pk)
        assert listed == allowed, persona
        owned = {token.pk for token in tokens if user is not None and token.user_id == user.pk}
        assert listed == owned, persona


def test_gate_refuses_garbage_ids(world):
    with pytest.raises(Http404):
        access_api_token(world["member"], "not-a-uuid")
