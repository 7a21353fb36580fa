from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from peerpath.api.models import ApiToken
from peerpath.api.services import token_create


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def make_token() -> Any:
    def make(user: Any, *, scope: str = ApiToken.Scope.WRITE, **kwargs: Any) -> tuple[ApiToken, str]:
        return token_create(user=user, name=kwargs.pop("name", "script"), scope=scope, **kwargs)

    return make


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)
