"""Walk every URL pattern as an anonymous visitor: only pages meant to be public may answer with content."""

from __future__ import annotations

import pytest

from peerpath.testing.urlwalk import all_routes

pytestmark = pytest.mark.django_db

# Pages anyone may see without signing in, by URL name (or by path prefix for the API's own documents).
PUBLIC_NAMES = {
    "home",
    "healthz",
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_inactive",
    "account_logout",  # shows "you are not signed in" and offers to sign in
    # The directory is public on purpose (seed 002: registration walls hide groups from people looking).
    "directory_search",
    "directory_suggest",
    # A patient types the code printed on their prescription before signing in (issue 4 point 4).
    "invitation_code",
    # Calendar clients cannot sign in: a member's feed is reached by its secret token URL (issue 5 point 3), and a
    # public space's meeting times (never join links) are published for anyone to subscribe to.
    "calendar_feed",
    "space_calendar_public",
    # Groups hosted on PeerPath are public while their listing is vetted, like the directory (issue 5).
    "space_list",
    "space_detail",
    # A forum, or chosen threads, may be readable by anyone so answers reach people searching (issue 6 point 2);
    # the pages themselves show members-only threads to members only.
    "forum_index",
    "thread_detail",
    "sitemap",
    # Public search reads public threads only; the knowledge pages list answered public threads (issue 6 points 3-4).
    "forum_search",
    "knowledge_index",
    "knowledge",
}
PUBLIC_API_PATHS = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/listings",
    "/api/v1/conditions",
    "/api/v1/forum/search",
}
PUBLIC_API_PREFIXES = ("/api/v1/hsds/", "/api/v1/listings/")
REFUSALS = {401, 403, 404, 405}


def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", "")


def test_every_non_public_page_refuses_an_anonymous_visitor(client):
    routes = list(all_routes())
    assert len(routes) > 20
    problems = []
    for route in routes:
        response = client.get(route.url)
        if response.status_code >= 500:
            problems.append(f"{route.url} ({route.name}): {response.status_code}")
            continue
        if route.name in PUBLIC_NAMES or route.url in PUBLIC_API_PATHS or route.url.startswith(PUBLIC_API_PREFIXES):
            continue
        if response.status_code in REFUSALS or _is_login_redirect(response):
            continue
        if response.status_code in (301, 302) and response["Location"].startswith(("/accounts/", "/")):
            # allauth sends anonymous visitors of flow-only pages (MFA, codes) back into the sign-in flow.
            target = response["Location"]
            if target.startswith(("/accounts/login", "/accounts/signup")) or target == "/":
                continue
        problems.append(f"{route.url} ({route.name}): answered {response.status_code} to an anonymous visitor")
    assert not problems, "\n".join(problems)


def test_the_walk_covers_every_app():
    urls = {route.url for route in all_routes()}
    for expected in ("/settings/", "/accounts/login/", "/api/v1/me"):
        assert expected in urls
    assert any(url.startswith("/organisations/") and url.endswith("/audit/") for url in urls)
