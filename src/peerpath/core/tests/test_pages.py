"""The shared pages: home, error pages that reveal nothing, and the security headers every page carries."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from peerpath.core.views import server_error
from peerpath.testing.personas import World

pytestmark = pytest.mark.django_db


def test_home_invites_anonymous_visitors_to_sign_in_or_create_an_account(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html


def test_home_shows_a_member_their_handle_and_role(client: Client, world: World) -> None:
    client.force_login(world.people["member"])
    html = client.get("/").content.decode()
    assert "member" in html
    assert "Member" in html
    assert "Riverside Health" in html
    assert 'action="/accounts/logout/"' in html


def test_header_links_a_coordinator_to_staff_and_audit_log(client: Client, world: World) -> None:
    client.force_login(world.people["coordinator"])
    html = client.get("/").content.decode()
    assert f'href="/organisations/{world.home.pk}/staff/"' in html
    assert f'href="/organisations/{world.home.pk}/audit/"' in html
    assert f"/organisations/{world.other.pk}/" not in html


def test_unknown_url_gets_a_plain_404_that_echoes_nothing(client: Client) -> None:
    response = client.get("/no-such-page/secret-looking-path/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "secret-looking-path" not in html
    assert "Traceback" not in html
    assert "urlpatterns" not in html.lower()


def test_server_error_page_renders_without_the_database_or_context(rf: RequestFactory) -> None:
    response = server_error(rf.get("/anything/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "anything" not in html


def test_pages_carry_a_csp_without_inline_scripts_or_styles(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("style-src", "")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"])
def test_every_page_has_a_skip_link_one_main_and_no_inline_script_or_style(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    assert re.search(r'<a class="nhsuk-skip-link"[^>]*href="#maincontent"', html)
    assert len(re.findall(r"<main\b", html)) == 1
    assert 'id="maincontent"' in html
    assert '<html lang="en-gb"' in html
    # CSP: script-src 'self' and style-src 'self', so nothing inline may appear.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_form_errors_show_the_error_summary_linked_to_each_field(client: Client) -> None:
    html = client.post("/accounts/signup/", {"email": "not-an-address"}).content.decode()
    assert 'class="nhsuk-error-summary"' in html
    assert 'role="alert"' in html
    assert 'href="#id_email"' in html
    assert 'class="nhsuk-form-group pp-field nhsuk-form-group--error"' in html
    assert 'id="id_email_error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_email_error', html)


def test_no_nhs_branding_in_the_layout(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "nhsuk-header__logo" not in html
    assert not re.search(r"\bNHS\b", html)
