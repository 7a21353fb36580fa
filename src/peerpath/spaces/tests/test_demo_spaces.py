"""`make run`'s demo: a weekly space with history, its next meeting and its health warnings (issue 5, Done means)."""

from __future__ import annotations

import pytest

from peerpath.accounts.management.commands.demo import load_demo
from peerpath.accounts.models import User
from peerpath.core.time import now
from peerpath.spaces import health
from peerpath.spaces.models import Attendance, CheckInRequest, Meeting, Membership, Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def test_the_demo_has_a_weekly_space_with_history_and_a_next_meeting(demo):
    space = Space.objects.get(name="Tuesday Tickers: POTS peer circle")
    held = Meeting.objects.filter(space=space, starts_at__lt=now())
    assert held.count() >= 40
    assert Attendance.objects.filter(meeting__space=space).count() > 200
    assert Meeting.objects.filter(space=space, starts_at__gt=now(), status="scheduled").exists()
    member = User.objects.get(email="member@peerpath.demo")
    assert Membership.objects.get(space=space, user=member).status == Membership.Status.ACTIVE


def test_the_demo_space_shows_its_health_warnings(demo):
    pots = Space.objects.get(name="Tuesday Tickers: POTS peer circle")
    report = health.group_health(pots)
    assert report.active_members < 20
    below = [warning for warning in report.warnings if "critical mass" in warning.sentence.lower()]
    assert below and [similar.space.name for similar in below[0].similar] == ["POTS and EDS evening chat"]
    assert len(report.missed) >= 2
    cafe = Space.objects.get(name="Heart failure café")
    assert any("gap" in warning.sentence.lower() for warning in health.group_health(cafe).warnings)


def test_the_demo_has_work_waiting_for_each_role(demo):
    assert Membership.objects.filter(status=Membership.Status.REQUESTED, user__email="carer@peerpath.demo").exists()
    assert CheckInRequest.objects.filter(status=CheckInRequest.Status.OPEN).exists()
    session = Meeting.objects.get(kind=Meeting.Kind.CLINICIAN_SESSION)
    assert session.guest.email == "clinician@peerpath.demo"
    assert session.guest_status == Meeting.GuestStatus.INVITED


def test_the_demo_pages_show_the_space_its_next_meeting_and_health(demo, client):
    from peerpath.spaces.demo import demo_space_guide

    pots = Space.objects.get(name="Tuesday Tickers: POTS peer circle")
    guide = "\n".join(demo_space_guide("http://127.0.0.1:8000"))
    assert f"/spaces/{pots.pk}/health/" in guide and "/meetings/" in guide
    client.force_login(User.objects.get(email="member@peerpath.demo"))
    page = client.get(f"/spaces/{pots.pk}/").content.decode()
    assert "Next meetings" in page and "Tuesday Tickers" in page
    client.force_login(User.objects.get(email="coordinator@peerpath.demo"))
    health_page = client.get(f"/spaces/{pots.pk}/health/")
    assert health_page.status_code == 200
    text = health_page.content.decode().lower()
    assert "critical mass" in text and "pots and eds evening chat" in text
