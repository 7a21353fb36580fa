"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

from peerpath.testing.personas import World, make_world

# One Chromium for the whole session, shared by every app's browser tests.
pytest_plugins = ["peerpath.testing.browser"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def _email_backend(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings) -> None:  # type: ignore[no-untyped-def]
    """Background tasks run when enqueued (after the commit), so a test sees their effect without a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
