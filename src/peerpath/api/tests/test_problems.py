"""Every error the API answers with is an RFC 9457 application/problem+json document."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import RequestFactory
from ninja.errors import AuthenticationError, HttpError

from peerpath.api.api import api
from peerpath.api.tests.conftest import bearer
from peerpath.core.errors import Conflict, DomainError, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def assert_problem(response, status, code=None):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    if code is not None:
        assert body["code"] == code
    return body


def test_401_is_a_problem(client, world):
    assert_problem(client.get("/api/v1/me"), 401, "unauthorized")


def test_403_is_a_problem(client, world, make_token):
    _, secret = make_token(world["member"], scope="read")
    token, _ = make_token(world["member"], name="other")
    assert_problem(client.delete(f"/api/v1/tokens/{token.pk}", **bearer(secret)), 403, "insufficient_scope")


def test_404_for_an_object_is_a_problem(client, world):
    client.force_login(world["member"])
    assert_problem(client.delete("/api/v1/tokens/00000000-0000-0000-0000-000000000000"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/nope/", "/api/v1/", "/api/v1/me/deeper"])
def test_unknown_api_paths_are_404_problems(client, world, path):
    client.force_login(world["member"])
    assert_problem(client.get(path), 404)
    client.logout()
    assert_problem(client.get(path), 404)


def test_405_is_a_problem_with_allow(client, world):
    client.force_login(world["member"])
    response = client.put("/api/v1/me")
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_422_lists_the_location_of_each_error(client, world):
    client.force_login(world["member"])
    response = client.post("/api/v1/tokens", {"name": "", "scope": "admin"}, content_type="application/json")
    body = assert_problem(response, 422, "validation_failed")
    locations = {tuple(error["location"]) for error in body["errors"]}
    assert locations == {("body", "payload", "name"), ("body", "payload", "scope")}
    for error in body["errors"]:
        assert set(error) == {"location", "detail", "type"}  # never the input echoed back


def test_422_for_a_bad_path_parameter(client, world):
    client.force_login(world["member"])
    body = assert_problem(client.delete("/api/v1/tokens/not-a-uuid"), 422)
    assert body["errors"][0]["location"][0] == "path"


def test_unparseable_json_is_a_400_problem(client, world):
    client.force_login(world["member"])
    response = client.post("/api/v1/tokens", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DomainError("Bad input.", field="name"), 400, "invalid"),
        (DomainError("Gone.", status=410, code="gone"), 410, "gone"),
        (NotFound(), 404, "not_found"),
        (Conflict("Already."), 409, "conflict"),
        (PermissionDenied("No."), 403, "forbidden"),
    ],
)
def test_domain_errors_map_to_their_status_and_code(error, status, code):
    body = assert_problem(api.on_exception(RequestFactory().get("/api/v1/x"), error), status, code)
    assert body["detail"] == error.message
    if error.field:
        assert body["errors"] == [{"location": ["body", "name"], "detail": "Bad input.", "type": "invalid"}]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Http404("accounts.User matching query does not exist"), 404),
        (DjangoPermissionDenied("internal reason"), 403),
        (AuthenticationError(), 401),
        (HttpError(429, "Too many requests."), 429),
    ],
)
def test_django_and_ninja_errors_are_problems_that_reveal_nothing(error, status):
    body = assert_problem(api.on_exception(RequestFactory().get("/api/v1/x"), error), status)
    assert "matching query" not in str(body)
    assert "internal reason" not in str(body)


def test_an_unexpected_error_is_a_bare_500_problem_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="peerpath.api.problems"):
        response = api.on_exception(RequestFactory().get("/api/v1/x"), RuntimeError("db password is hunter2"))
    body = assert_problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert "Unhandled error" in caplog.text
