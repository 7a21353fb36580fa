"""RFC 9457 problem details: how every API error is answered."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(*, status: int, detail: str = "", code: str = "", **extra: Any) -> dict[str, Any]:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": f"https://peerpath.invalid/problems/{code or title.lower().replace(' ', '-')}",
                            "title": title, "status": status}  # fmt: skip
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body.update(extra)
    return body


def problem_response(*, status: int, detail: str = "", code: str = "", **extra: Any) -> HttpResponse:
    body = problem_body(status=status, detail=detail, code=code, **extra)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
