"""A table-driven permission matrix: every persona against one page or endpoint (STYLE.md practice 10).

    check_matrix(client, world, url=..., expect={"anonymous": LOGIN, "member": 404, "coordinator": 200, ...})

Every persona must appear in `expect`, so adding a persona makes every matrix say what it expects of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.test import Client

from peerpath.testing.personas import PERSONAS, World

LOGIN = "login"  # an anonymous visitor is sent to sign in

# Pages of an organisation that only its coordinators and admins see (staff list, audit log, ...).
ORG_MANAGERS_ONLY: dict[str, int | str] = {
    "anonymous": LOGIN,
    "member": 404,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 404,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}


def outcome_of(response: Any) -> int | str:
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    return int(response.status_code)


def check_matrix(
    client: Client,
    world: World,
    *,
    url: str | Callable[[World], str],
    expect: Mapping[str, int | str],
    method: str = "get",
    data: Mapping[str, Any] | None = None,
    **extra: Any,
) -> None:
    missing = set(PERSONAS) - set(expect)
    if missing:
        raise AssertionError(f"the matrix does not say what these personas get: {sorted(missing)}")
    target = url(world) if callable(url) else url
    failures = []
    for persona, expected in expect.items():
        client.logout()
        user = world[persona]
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(target, data=data or {}, **extra)
        actual = outcome_of(response)
        if actual != expected:
            failures.append(f"{persona}: expected {expected}, got {actual}")
    client.logout()
    if failures:
        raise AssertionError(f"{method.upper()} {target}\n  " + "\n  ".join(failures))
