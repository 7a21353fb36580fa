"""Every URL pattern of the project, with a concrete example URL for each (for the anonymous-access walk)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_SAMPLES = {"uuid": str(uuid.UUID(int=1)), "int": "1", "slug": "sample", "str": "sample", "path": "sample"}


@dataclass(frozen=True)
class Route:
    url: str
    name: str | None
    pattern: str


def _route_to_url(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda match: _SAMPLES.get(match.group(1) or "str", "sample"), route)


def _regex_to_url(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "sample", text)
    return text.replace("\\", "")


def _piece(pattern: RoutePattern | RegexPattern | object) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_to_url(str(getattr(pattern, "_route", "")))
    if isinstance(pattern, RegexPattern):
        return _regex_to_url(str(pattern.regex.pattern))
    return str(pattern)


def all_routes(resolver: URLResolver | None = None, prefix: str = "/") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_routes(entry, prefix + _piece(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(url=prefix + _piece(entry.pattern), name=entry.name, pattern=str(entry.pattern))
