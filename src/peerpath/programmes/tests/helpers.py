"""Programmes, supporters and enrolments for tests, made through the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from peerpath.core.time import now
from peerpath.programmes import services
from peerpath.programmes.models import Programme, Supporter
from peerpath.testing.personas import World

COURSE = "Peer support foundations"


def programme(world: World, name: str = "Diabetes peer coaching", **fields: Any) -> Programme:
    data = services.ProgrammeData(name=name, coordinator=world.people["coordinator"], **fields)
    return services.programme_create(actor=world.people["coordinator"], organisation=world.home, data=data)


def supporter(world: World, a_programme: Programme, *, trained: bool = True) -> Supporter:
    coordinator = world.people["coordinator"]
    profile = services.supporter_save(
        actor=coordinator, organisation=world.home, user=world.people["peer_supporter"],
        data=services.SupporterData(programmes=[a_programme], languages=["en", "pl"], supervisor=coordinator),
    )  # fmt: skip
    if trained:
        for course in a_programme.required_courses:
            services.training_record_add(actor=coordinator, supporter=profile, course=course,
                                         completed_on=date.today() - timedelta(days=30),
                                         expires_on=date.today() + timedelta(days=335))  # fmt: skip
    return profile


def contact(**overrides: Any) -> services.InteractionData:
    values: dict[str, Any] = {
        "occurred_at": now() - timedelta(hours=1),
        "channel": "phone",
        "duration_minutes": 20,
        "functions": ["social_emotional", "daily_management"],
        "discussed": "Talked through the first week on the new insulin pen.",
    }
    values.update(overrides)
    return services.InteractionData(**values)
