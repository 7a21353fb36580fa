"""The weekly summary to organisers (issue 5 point 8) and the scheduler that is the project's clock: meeting
reminders every tick, meetings materialised daily, the organisers' summary weekly.

Tasks run at once here (the immediate backend, root conftest.py) unless a test chooses the database queue.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from peerpath.accounts.models import User
from peerpath.core.management.commands.run_scheduler import Scheduler
from peerpath.spaces import services
from peerpath.spaces.models import MATERIALISE_AHEAD, Meeting, Membership, Space
from peerpath.spaces.summary import send_weekly_summaries, week_of
from peerpath.spaces.tasks import materialise_meetings, send_due_reminders, weekly_summary
from peerpath.spaces.tests.test_health import NOW, START, Group, weekly_group
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db
SUBJECT = "[PeerPath] Fibromyalgia Tuesday Circle: your weekly summary"


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as coordinates:
        yield coordinates


@pytest.fixture
def group(world, traveller) -> Group:
    """Two organisers (the coordinator persona and a member made organiser); two came last Tuesday."""
    a_group = weekly_group(world, traveller, people=3)
    services.membership_set_role(
        actor=a_group.organiser, membership=a_group.membership(a_group.people[0]), role="organiser"
    )
    a_group.came(a_group.held()[-1], a_group.people[:2])
    return a_group


def summaries() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.subject == SUBJECT]


def test_each_organiser_gets_the_summary_once_a_week(world, group, traveller):
    assert send_weekly_summaries() == 2
    assert sorted(message.to[0] for message in summaries()) == sorted(
        [world.people["coordinator"].email, group.people[0].email]
    )
    assert send_weekly_summaries() == 0  # the same ISO week
    traveller.move_to(NOW + timedelta(days=6))
    assert week_of(NOW + timedelta(days=6)) == week_of(NOW)
    assert send_weekly_summaries() == 0
    traveller.move_to(NOW + timedelta(days=7))
    assert send_weekly_summaries() == 2


def test_the_summary_tells_last_weeks_attendance_the_next_meeting_requests_and_warnings(world, group):
    Space.objects.filter(pk=group.space.pk).update(join_policy=Space.JoinPolicy.REQUEST)
    group.space.refresh_from_db()
    services.membership_join(user=make_user("hopeful"), space=group.space, reason="Newly diagnosed.")
    send_weekly_summaries()
    body = summaries()[0].body
    assert "- Tuesday 17 November 2026, 19:00 (Europe/London): 2 attended" in body
    assert "Next meeting\n- Tuesday 24 November 2026, 19:00 (Europe/London)" in body
    assert "Requests to join waiting for an answer: 1" in body
    assert "- Below critical mass: 2 active members." in body
    assert f"/spaces/{group.space.pk}/health/" in body
    assert "hopeful" not in body  # no names of people asking to join in e-mail


def test_a_cancelled_meeting_is_reported_as_cancelled(world, group):
    Meeting.objects.filter(pk=group.held()[-1].pk).update(status=Meeting.Status.CANCELLED)
    send_weekly_summaries()
    assert "- Tuesday 17 November 2026, 19:00 (Europe/London): cancelled" in summaries()[0].body


def test_a_space_with_nothing_ahead_says_so(world, group):
    Meeting.objects.filter(space=group.space, starts_at__gt=NOW).delete()
    send_weekly_summaries()
    assert "None is scheduled." in summaries()[0].body


def test_archived_spaces_and_former_organisers_get_no_summary(world, group, traveller):
    services.membership_leave(user=group.people[0], space=group.space)
    assert send_weekly_summaries() == 1
    traveller.move_to(NOW + timedelta(days=7))
    Space.objects.filter(pk=group.space.pk).update(archived_at=NOW)
    assert send_weekly_summaries() == 0


# --- The scheduler ---------------------------------------------------------------------------------------------


def test_on_monday_the_scheduler_queues_the_summary_and_the_daily_materialising(world, group):
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert f"Queued weekly_summary {week_of(NOW)}" in out.getvalue()
    assert f"Queued materialise_meetings {NOW.date().isoformat()}" in out.getvalue()
    assert "send_due_reminders" not in out.getvalue()  # routine: shown with -v 2 only
    assert len(summaries()) == 2


def test_the_every_tick_work_is_reported_when_asked(world):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("run_scheduler", "--once", "-v", "2", stdout=out)
    assert "Queued send_due_reminders\n" in out.getvalue()


def test_the_daily_materialising_keeps_meetings_ahead(world, group):
    ahead = Meeting.objects.filter(space=group.space, starts_at__gt=NOW).order_by("starts_at")
    ahead.filter(starts_at__gt=NOW + timedelta(days=30)).delete()
    call_command("run_scheduler", "--once", stdout=StringIO())
    last = ahead.last()
    assert last is not None and last.starts_at > NOW + MATERIALISE_AHEAD - timedelta(days=7)


def test_each_tick_sends_the_meeting_reminders_due(world, group, traveller):
    member = world.people["member"]
    services.membership_join(user=member, space=group.space)
    tomorrow = Meeting.objects.filter(space=group.space, starts_at__gt=NOW).order_by("starts_at").first()
    assert tomorrow is not None
    traveller.move_to(tomorrow.starts_at - timedelta(hours=24))
    call_command("run_scheduler", "--once", stdout=StringIO())
    reminded = [message.to[0] for message in mail.outbox if "meets tomorrow" in message.subject]
    assert member.email in reminded


def test_on_the_database_queue_the_periodic_work_is_queued_once_and_reminders_not_while_one_waits(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for hour in (9, 10, 23):  # three ticks, or three restarts, on Monday
        with time_machine.travel(NOW.replace(hour=hour), tick=False):
            call_command("run_scheduler", "--once", stdout=StringIO())
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(weekly_summary.module_path) == 1
    assert paths.count(materialise_meetings.module_path) == 1
    assert paths.count(send_due_reminders.module_path) == 1  # the first still waits for a worker
    DBTaskResult.objects.filter(task_path=send_due_reminders.module_path).update(status=TaskResultStatus.SUCCESSFUL)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        call_command("run_scheduler", "--once", stdout=StringIO())
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(send_due_reminders.module_path) == 2
    assert paths.count(materialise_meetings.module_path) == 2  # Tuesday too
    assert paths.count(weekly_summary.module_path) == 1  # the same ISO week


def test_the_plan_lists_every_periodic_task(world):
    names = [name for name, *_rest in Scheduler(at=NOW.time()).plan(NOW)]
    assert names == [
        "daily_sweep",
        "materialise_meetings",
        "follow_digest",
        "wellbeing_sweep",
        "follow_up_sweep",
        "life_sweep",
        "weekly_digest",
        "weekly_summary",
    ]


def test_a_disabled_account_gets_no_summary(world, group):
    Membership.objects.filter(space=group.space, user=group.people[0]).update(role=Membership.Role.MEMBER)
    User.objects.filter(pk=world.people["coordinator"].pk).update(is_active=False)
    assert send_weekly_summaries() == 0
