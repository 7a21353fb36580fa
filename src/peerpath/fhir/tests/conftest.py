from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from peerpath.api.models import ApiToken
from peerpath.api.services import token_create


def valid(resource: dict[str, Any]) -> Any:
    """The resource parsed by its fhir.resources R4B model: raises if it is not valid FHIR."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def token_for() -> Any:
    def make(user: Any, scope: str = ApiToken.Scope.READ) -> dict[str, str]:
        _, secret = token_create(user=user, name="ehr", scope=scope)
        return bearer(secret)

    return make
