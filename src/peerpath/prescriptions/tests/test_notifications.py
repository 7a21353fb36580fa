"""Reminders to patients, the weekly digest to clinicians, and the scheduler that queues them (issue 4 point 9).

Tasks run at once here (the immediate backend, root conftest.py); e-mail goes to Django's test outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from peerpath.core.time import now
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Notice, Prescription
from peerpath.prescriptions.tasks import daily_sweep, weekly_digest
from peerpath.prescriptions.tests.helpers import accepted, group, patient, sent
from peerpath.testing.personas import World, make_user

pytestmark = pytest.mark.django_db
Status = Prescription.Status
REMINDER_SUBJECT = "[PeerPath] A reminder about your peer support"
DIGEST_SUBJECT = "[PeerPath] Your weekly peer-support follow-ups"


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def reminders() -> list[Any]:
    return [message for message in mail.outbox if message.subject == REMINDER_SUBJECT]


def digests() -> list[Any]:
    return [message for message in mail.outbox if message.subject == DIGEST_SUBJECT]


def first_period_end(prescription: Prescription) -> date:
    return prescription.dose.periods()[0].end


# --- Reminders -------------------------------------------------------------------------------------------------


def test_a_reminder_goes_once_when_the_current_period_is_about_to_be_missed(world):
    prescription = accepted(world)  # 1 online conversation monthly for 3 months, from today; nothing done yet
    end = first_period_end(prescription)

    with time_machine.travel(at(end - timedelta(days=10)), tick=False):
        daily_sweep.enqueue()
    assert reminders() == []  # ten days left: too early to nudge

    with time_machine.travel(at(end - timedelta(days=2)), tick=False):
        daily_sweep.enqueue()
        daily_sweep.enqueue()  # the sweep runs twice (a restart, two workers): still one e-mail

    [message] = reminders()
    assert message.to == ["bob.smith@example.org"]
    assert "Smith" not in message.subject and "Fibromyalgia" not in message.subject
    assert f"http://127.0.0.1:8000/my/prescriptions/{prescription.pk}/" in message.body
    assert "Participate in 1 online conversation monthly for 3 months" in message.body
    assert "Hello Bob" in message.body
    notice = Notice.objects.get(kind=Notice.Kind.REMINDER)
    assert notice.key == f"reminder:{prescription.pk}:{prescription.start_date.isoformat()}"
    assert notice.recipient == world.people["member"]


def _met(world: World, prescription: Prescription) -> None:
    services.participation_self_report(
        user=world.people["member"], prescription=prescription, activity="online_conversation", when=now()
    )


def _cancelled(world: World, prescription: Prescription) -> None:
    services.prescription_cancel(clinician=world.people["clinician"], prescription=prescription)


def _no_email(world: World, prescription: Prescription) -> None:
    prescription.patient.email = ""
    prescription.patient.save(update_fields=["email"])


def _account_disabled(world: World, prescription: Prescription) -> None:
    member = world.people["member"]
    member.is_active = False
    member.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    "change", [_met, _cancelled, _no_email, _account_disabled], ids=["met", "cancelled", "no-email", "disabled"]
)
def test_no_reminder_when_the_period_is_met_or_the_patient_cannot_be_reached(
    world, change: Callable[[World, Prescription], None]
):
    prescription = accepted(world)
    change(world, prescription)
    with time_machine.travel(at(first_period_end(prescription) - timedelta(days=1)), tick=False):
        daily_sweep.enqueue()
    assert reminders() == []
    assert not Notice.objects.filter(kind=Notice.Kind.REMINDER).exists()


def test_no_reminder_before_the_patient_has_accepted(world):
    prescription, _ = sent(world)
    with time_machine.travel(at(first_period_end(prescription) - timedelta(days=1)), tick=False):
        daily_sweep.enqueue()
    assert reminders() == []


def test_a_failed_send_leaves_no_notice_so_the_next_sweep_tries_again(world, monkeypatch):
    prescription = accepted(world)
    moment = at(first_period_end(prescription) - timedelta(days=2))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr("peerpath.prescriptions.notifications.send_mail", refuse)
    with time_machine.travel(moment, tick=False):
        daily_sweep.enqueue()  # the task fails (the immediate backend records the failure)
    assert not Notice.objects.exists()
    monkeypatch.undo()
    with time_machine.travel(moment + timedelta(hours=1), tick=False):
        daily_sweep.enqueue()
    assert len(reminders()) == 1


# --- The weekly digest -----------------------------------------------------------------------------------------


def _weekly(world: World, listing: Any, *, given: str, family: str, nhs: str, share: bool = True) -> Prescription:
    """A patient with their own account, accepted 1 meeting weekly for 4 weeks, from today."""
    person = make_user(f"{given.lower()}-{family.lower()}")
    record = patient(world, given=given, family=family, nhs=nhs)
    return accepted(
        world, user=person, share=share, for_patient=record, listing=listing,
        activity="meeting", per="week", duration=4, duration_unit="weeks",
    )  # fmt: skip


@pytest.fixture
def clinic(world: World) -> dict[str, Prescription]:
    """Four of the clinician's patients: two lapsed (one then withdrew consent), one signpost only, one on track."""
    listing = group(world)
    clinic = {
        "lapsed": _weekly(world, listing, given="Ann", family="Jones", nhs="9000000009"),
        "withdrew": _weekly(world, listing, given="Carl", family="Brown", nhs="9000000017"),
        "signpost": _weekly(world, listing, given="Dora", family="Evans", nhs="9000000025", share=False),
        "on_track": _weekly(world, listing, given="Ed", family="Fox", nhs="9000000033"),
    }
    start = clinic["lapsed"].start_date
    for week in (0, 1):
        with time_machine.travel(at(start + timedelta(weeks=week), 10), tick=False):
            services.participation_record(
                patient=clinic["on_track"].patient, activity="meeting", when=now(), source="attendance",
                listing=listing, source_ref=f"meeting-{week}",
            )  # fmt: skip
    with time_machine.travel(at(start + timedelta(days=15)), tick=False):
        daily_sweep.enqueue()  # two weeks missed: lapsed
        for key in ("lapsed", "withdrew"):
            clinic[key].refresh_from_db()
            assert clinic[key].status == Status.LAPSED
        withdrawing = clinic["withdrew"].patient.user
        assert withdrawing is not None
        services.consent_withdraw(user=withdrawing, prescription=clinic["withdrew"])
    return clinic


def test_the_digest_lists_only_shared_lapsing_prescriptions_with_initials_and_links(world, clinic):
    start = clinic["lapsed"].start_date
    mail.outbox.clear()
    with time_machine.travel(at(start + timedelta(days=16)), tick=False):
        weekly_digest.enqueue()

    [message] = digests()
    assert message.to == [world.people["clinician"].email]
    assert "A.J." in message.body
    assert f"http://127.0.0.1:8000/clinic/prescriptions/{clinic['lapsed'].pk}/" in message.body
    assert "http://127.0.0.1:8000/clinic/prescriptions/\n" in message.body  # the dashboard
    for hidden in ("withdrew", "signpost", "on_track"):
        assert str(clinic[hidden].pk) not in message.body
    # E-mail is not a secure channel: no names, no group, in subject or body.
    for name in ("Ann", "Jones", "Carl", "Brown", "Fibromyalgia"):
        assert name not in message.subject and name not in message.body
    assert "C.B." not in message.body and "D.E." not in message.body


def test_the_digest_goes_once_a_week_however_often_the_task_runs(world, clinic):
    start = clinic["lapsed"].start_date
    mail.outbox.clear()
    with time_machine.travel(at(start + timedelta(days=16)), tick=False):
        weekly_digest.enqueue()
        weekly_digest.enqueue()
    assert len(digests()) == 1
    with time_machine.travel(at(start + timedelta(days=23)), tick=False):
        weekly_digest.enqueue()
    assert len(digests()) == 2  # a new ISO week, a new digest
    keys = set(Notice.objects.filter(kind=Notice.Kind.DIGEST).values_list("key", flat=True))
    clinician = world.people["clinician"]
    weeks = {(start + timedelta(days=days)).isocalendar() for days in (16, 23)}
    assert keys == {f"digest:{clinician.pk}:{year}-W{week:02d}" for year, week, _ in weeks}


def test_no_digest_when_no_patient_is_lapsing(world):
    listing = group(world)
    prescription = _weekly(world, listing, given="Ed", family="Fox", nhs="9000000033")
    with time_machine.travel(at(prescription.start_date + timedelta(days=3)), tick=False):
        weekly_digest.enqueue()
    assert digests() == []
    assert not Notice.objects.filter(kind=Notice.Kind.DIGEST).exists()


def test_a_clinician_who_left_the_organisation_gets_no_digest_of_its_patients(world, clinic):
    from peerpath.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=world.people["clinician"], organisation=world.home).delete()
    mail.outbox.clear()
    with time_machine.travel(at(clinic["lapsed"].start_date + timedelta(days=16)), tick=False):
        weekly_digest.enqueue()
    assert digests() == []


# --- The scheduler ---------------------------------------------------------------------------------------------


def test_run_scheduler_once_queues_the_sweep_and_the_digest_which_send_the_reminder(world):
    prescription = accepted(world)
    moment = at(first_period_end(prescription) - timedelta(days=2), hour=9)
    out = StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("run_scheduler", "--once", stdout=out)
    assert f"Queued daily_sweep {moment.date().isoformat()}" in out.getvalue()
    assert "Queued weekly_digest" in out.getvalue()
    assert len(reminders()) == 1


def test_run_scheduler_waits_for_the_time_of_day(world):
    prescription = accepted(world)
    moment = at(first_period_end(prescription) - timedelta(days=2), hour=6)
    out = StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("run_scheduler", "--once", "--at", "08:00", stdout=out)
    # The day's work waits for 08:00; past Monday, the week's work is already due whatever the hour.
    assert moment.date().isoformat() not in out.getvalue()
    assert reminders() == []
    next_monday = moment.date() + timedelta(days=7 - moment.weekday())
    out = StringIO()
    with time_machine.travel(at(next_monday, hour=6), tick=False):
        call_command("run_scheduler", "--once", "--at", "08:00", stdout=out)
    assert out.getvalue() == ""  # on a Monday before 08:00, neither the day's nor the week's work


def test_run_scheduler_queues_each_task_once_per_day_on_the_database_queue(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monday = date(2026, 11, 23)
    for hour in (9, 10, 23):  # three ticks, or three restarts, on the same day
        with time_machine.travel(at(monday, hour), tick=False):
            call_command("run_scheduler", "--once", stdout=StringIO())
    with time_machine.travel(at(monday + timedelta(days=1), 9), tick=False):
        call_command("run_scheduler", "--once", stdout=StringIO())
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(daily_sweep.module_path) == 2  # Monday and Tuesday
    assert paths.count(weekly_digest.module_path) == 1  # the same ISO week


def test_run_scheduler_refuses_a_bad_time(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="HH:MM"):
        call_command("run_scheduler", "--once", "--at", "8 o'clock")
