"""The OpenAPI 3.1 document and the browsable docs, which must work offline and under our CSP."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_is_3_1_and_lists_the_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.1")
    assert {"/api/v1/me", "/api/v1/tokens", "/api/v1/tokens/{token_id}"} <= set(document["paths"])
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    problem = document["paths"]["/api/v1/me"]["get"]["responses"]["401"]["content"]
    assert "application/problem+json" in problem


def test_token_creation_is_documented_as_session_only(client):
    document = client.get("/api/v1/openapi.json").json()
    security = document["paths"]["/api/v1/tokens"]["post"]["security"]
    assert security == [{"SessionOnlyAuth": []}]


def test_docs_page_loads_nothing_from_another_host_and_has_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html
    assert "https://" not in html
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the docs page loads Swagger UI"
    for attributes, body in scripts:
        assert "src=" in attributes
        assert body.strip() == ""
    assert "style=" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/api/swagger-init.js" in html


def test_docs_page_is_served_under_a_csp_without_unsafe_inline(client):
    policy = client.get("/api/v1/docs")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("style-src", "")


def test_docs_init_script_is_a_static_file():
    from django.contrib.staticfiles import finders

    path = finders.find("api/swagger-init.js")
    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert "validatorUrl: null" in script
    assert "http" not in script
