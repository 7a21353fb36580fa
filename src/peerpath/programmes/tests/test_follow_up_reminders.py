"""Proactive follow-up: each supporter's daily digest of the follow-ups due in their caseload, and the coordinator
(and the supporter's supervisor) told once per silent spell of patients nobody has reached for SILENT_DAYS days.

Tasks run at once here (the immediate backend, root conftest.py); e-mail goes to Django's test outbox.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.accounts import services as accounts_services
from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.roles import Role
from peerpath.audit.models import AuditEvent
from peerpath.core.management.commands.run_scheduler import Scheduler
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import follow_ups, services
from peerpath.programmes.models import Enrolment, Notice, Programme, Supporter
from peerpath.programmes.selectors import SILENT_DAYS, programme_follow_ups
from peerpath.programmes.tasks import follow_up_sweep
from peerpath.programmes.tests.helpers import contact, programme, supporter
from peerpath.spaces.tokens import site_url
from peerpath.testing.personas import World, make_user

pytestmark = pytest.mark.django_db

DIGEST_SUBJECT = "[PeerPath] Follow-ups are due in your caseload"
ESCALATION_SUBJECT = "[PeerPath] Patients nobody has reached for weeks"
TODAY = date(2026, 11, 18)  # a Wednesday
NAMES = [("Nia", "Evans"), ("Omar", "Haddad"), ("Priya", "Shah"), ("Tomasz", "Nowak"), ("Grace", "Okafor")]
NOTE = "Talked through the first week on the new insulin pen."


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def digests() -> list[Any]:
    return [message for message in mail.outbox if message.subject == DIGEST_SUBJECT]


def escalations() -> list[Any]:
    return [message for message in mail.outbox if message.subject == ESCALATION_SUBJECT]


def sweep(day: date = TODAY) -> follow_ups.FollowUpSweep:
    with time_machine.travel(at(day), tick=False):
        return follow_ups.follow_up_sweep()


@pytest.fixture
def scheme(world: World) -> Programme:
    with time_machine.travel(at(TODAY - timedelta(days=60)), tick=False):
        return programme(world, follow_up_days=14)


@pytest.fixture
def profile(world: World, scheme: Programme) -> Supporter:
    return supporter(world, scheme)


def enrol_many(world: World, scheme: Programme, profile: Supporter | None, count: int, *, first: int = 0,
               assigned: date = TODAY - timedelta(days=7)) -> list[Enrolment]:  # fmt: skip
    """`count` patients enrolled and assigned on `assigned` (their first contact is due that day)."""
    enrolments = []
    with time_machine.travel(at(assigned), tick=False):
        for index in range(first, first + count):
            given, family = NAMES[index % len(NAMES)]
            person = patient(world, given=given, family=f"{family}{index}", nhs="")
            enrolments.append(services.enrolment_create(actor=world.people["coordinator"], programme=scheme,
                                                        patient=person, supporter=profile))  # fmt: skip
    return enrolments


def second_supporter(world: World, scheme: Programme, handle: str = "second-supporter") -> Supporter:
    user = make_user(handle)
    accounts_services.role_grant(actor=None, user=user, organisation=world.home, role=Role.PEER_SUPPORTER)
    return services.supporter_save(actor=world.people["coordinator"], organisation=world.home, user=user,
                                   data=services.SupporterData(programmes=[scheme], languages=["en"]))  # fmt: skip


def log_reached(world: World, enrolment: Enrolment, day: date, **fields: Any) -> None:
    with time_machine.travel(at(day, 12), tick=False):
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=enrolment,
                                 data=contact(occurred_at=at(day, 11), **fields))  # fmt: skip


# --- The supporter's digest ---------------------------------------------------------------------------------------

# (next follow-up of each patient, in days from today; tries since last reached of each) -> the digest's lines, or
# None when no digest goes.
DIGEST_CASES = [
    pytest.param([3, 10], [0, 0], None, id="nothing-due-no-digest"),
    pytest.param([0], [0], ["1 follow-up due today"], id="one-due-today"),
    pytest.param([0, 0, 5], [0, 0, 0], ["2 follow-ups due today"], id="two-due-today-one-later"),
    pytest.param([-1], [0], ["1 overdue (the oldest by 1 day)"], id="one-overdue-by-a-day"),
    pytest.param([-9, -2, 0, 4], [0, 0, 0, 0], ["1 follow-up due today", "2 overdue (the oldest by 9 days)"],
                 id="due-and-overdue"),
    pytest.param([-3, 6], [1, 3], ["1 overdue (the oldest by 3 days)",
                                   "1 patient not reached after 3 tries"], id="one-not-reached-not-due"),
    pytest.param([2], [4], None, id="not-reached-but-nothing-due-no-digest"),
]  # fmt: skip


@pytest.mark.parametrize(("due_in", "tries", "lines"), DIGEST_CASES)
def test_the_digest_counts_what_is_due_today_and_overdue(world, scheme, profile, due_in, tries, lines):
    enrolments = enrol_many(world, scheme, profile, len(due_in))
    for enrolment, days, tried in zip(enrolments, due_in, tries, strict=True):
        Enrolment.objects.filter(pk=enrolment.pk).update(next_due_on=TODAY + timedelta(days=days),
                                                         tries_since_reached=tried)  # fmt: skip
    report = sweep()
    if lines is None:
        assert digests() == [] and report.digests == 0
        return
    assert report.digests == 1
    [message] = digests()
    assert message.to == [world.people["peer_supporter"].email]
    for line in lines:
        assert f"  - {line}" in message.body
    assert sum(body_line.startswith("  - ") for body_line in message.body.splitlines()) == len(lines)
    assert site_url(reverse("programmes_caseload")) in message.body
    assert "Riverside Health" in message.body and "ask your coordinator" in message.body


def test_each_supporter_gets_their_own_and_a_supporter_taking_a_break_gets_none(world, scheme, profile):
    other = second_supporter(world, scheme)
    enrol_many(world, scheme, profile, 2)  # due a week ago: overdue
    enrol_many(world, scheme, other, 3, first=2)
    with time_machine.travel(at(TODAY - timedelta(days=1)), tick=False):
        services.supporter_pause(actor=other.user, supporter=other, reason="Family matters")
    mail.outbox.clear()  # the pause notice to the coordinator
    sweep()
    assert [message.to for message in digests()] == [[world.people["peer_supporter"].email]]
    assert "2 overdue (the oldest by 7 days)" in digests()[0].body
    # Back from the break: their digest comes again.
    services.supporter_resume(actor=other.user, supporter=other)
    sweep(TODAY + timedelta(days=1))
    assert sorted(message.to[0] for message in digests()) == sorted(
        [world.people["peer_supporter"].email] * 2 + [other.user.email]
    )


def test_a_supporter_whose_account_is_disabled_gets_none(world, scheme, profile):
    enrol_many(world, scheme, profile, 1)
    user = world.people["peer_supporter"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    sweep()
    assert digests() == []


def test_a_digest_goes_once_a_day_however_often_the_sweep_runs(world, scheme, profile):
    enrol_many(world, scheme, profile, 2)
    assert sweep().digests == 1
    assert follow_ups.digests_due(TODAY) == []  # today's is found sent in the same query that finds who is due
    assert sweep().digests == 0
    with time_machine.travel(at(TODAY, 23), tick=False):
        follow_up_sweep.enqueue()
    assert len(digests()) == 1
    assert Notice.objects.filter(kind=Notice.Kind.FOLLOW_UP_DIGEST).count() == 1
    sweep(TODAY + timedelta(days=1))  # still overdue tomorrow: tomorrow's digest
    assert len(digests()) == 2
    assert "the oldest by 8 days" in digests()[1].body


def test_of_two_runs_at_once_only_the_one_that_claims_first_sends(world, scheme, profile):
    other = second_supporter(world, scheme)
    enrol_many(world, scheme, profile, 1, assigned=TODAY - timedelta(days=30))
    Supporter.objects.filter(pk=other.pk).update(supervisor=world.people["admin"])
    enrol_many(world, scheme, other, 1, first=1, assigned=TODAY - timedelta(days=30))
    # Both runs found the same work; the other one claimed it first.
    [digest, _other_digest] = follow_ups.digests_due(TODAY)
    [silences] = follow_ups.newly_silent(TODAY).values()
    sweep()
    sent = len(mail.outbox)
    assert sent == 4  # two digests, the coordinator and the supervisor
    report = follow_ups.FollowUpSweep()
    assert follow_ups.send_digest(digest, TODAY, report) is False
    assert follow_ups.escalate_programme(scheme, silences, managers=set(), supervisors={}, report=report) is False
    assert len(mail.outbox) == sent and report == follow_ups.FollowUpSweep()


def test_a_refused_digest_keeps_no_notice_and_goes_at_the_next_run(world, scheme, profile):
    enrol_many(world, scheme, profile, 1)
    with mock.patch("peerpath.programmes.notifications.send_mail", side_effect=smtplib.SMTPServerDisconnected()):
        report = sweep()
    assert (report.digests, report.digests_failed) == (0, 1)
    assert not Notice.objects.filter(kind=Notice.Kind.FOLLOW_UP_DIGEST).exists()
    assert not AuditEvent.objects.filter(action="notification.sent", details__kind="follow_up_digest").exists()
    report = sweep()
    assert (report.digests, report.digests_failed) == (1, 0)
    assert len(digests()) == 1


def test_an_unexpected_error_gives_the_claim_back_and_is_raised(world, scheme, profile):
    enrol_many(world, scheme, profile, 1)
    with mock.patch("peerpath.programmes.notifications.send_mail", side_effect=RuntimeError("bug")), \
            pytest.raises(RuntimeError):  # fmt: skip
        sweep()
    assert not Notice.objects.exists()


def test_each_digest_sent_is_audited_without_personal_data(world, scheme, profile):
    enrol_many(world, scheme, profile, 2)
    sweep()
    event = AuditEvent.objects.get(action="notification.sent", details__kind="follow_up_digest")
    notice = Notice.objects.get(kind=Notice.Kind.FOLLOW_UP_DIGEST)
    assert event.object_id == str(notice.pk) and event.organisation == world.home
    assert event.details == {"kind": "follow_up_digest", "supporter": str(profile.pk), "due_today": 0, "overdue": 2,
                             "not_reached": 0}  # fmt: skip
    assert notice.recipient == world.people["peer_supporter"]


def test_finding_who_gets_a_digest_takes_the_same_queries_for_any_number_of_supporters(world, scheme, profile):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = follow_ups.digests_due(TODAY)
        assert {digest.supporter.user.handle for digest in found} >= {"peer-supporter"}
        return len(captured)

    enrol_many(world, scheme, profile, 2)
    few = queries()
    for index in range(4):
        enrol_many(world, scheme, second_supporter(world, scheme, f"supporter-{index}"), 3, first=index)
    assert queries() == few == 2


# --- "No contact in N days": the coordinator is told --------------------------------------------------------------


def test_the_coordinator_is_told_once_per_silent_spell_and_again_after_a_new_contact_and_silence(world, scheme,
                                                                                               profile):  # fmt: skip
    assigned = TODAY - timedelta(days=40)
    [nia] = enrol_many(world, scheme, profile, 1, assigned=assigned)
    # Never reached since assigned: silent from assigned + SILENT_DAYS.
    sweep(assigned + timedelta(days=SILENT_DAYS - 1))
    assert escalations() == []
    sweep(assigned + timedelta(days=SILENT_DAYS + 1))
    [message] = escalations()
    assert message.to == [world.people["coordinator"].email]
    # The spell's key, made in the database, is the enrolment and the day the silence began.
    notice = Notice.objects.get(kind=Notice.Kind.SILENT_ESCALATION)
    assert notice.key == f"{nia.pk.hex}:{assigned:%Y%m%d}" and notice.recipient == world.people["coordinator"]
    assert "1 patient has now gone 28 days or more without a contact that reached them" in message.body
    assert site_url(reverse("programmes_follow_ups", kwargs={"programme_id": scheme.pk})) in message.body
    for day in range(2, 8):  # the same silence: not again
        sweep(assigned + timedelta(days=SILENT_DAYS + day))
    assert len(escalations()) == 1
    # A contact that did not reach them does not end the silence.
    log_reached(world, nia, TODAY - timedelta(days=3), reached=False)
    sweep(TODAY)
    assert len(escalations()) == 1
    # A contact that reached them ends it; a new silence is told again.
    reached_on = TODAY - timedelta(days=2)
    log_reached(world, nia, reached_on)
    sweep(reached_on + timedelta(days=SILENT_DAYS))
    assert len(escalations()) == 1
    sweep(reached_on + timedelta(days=SILENT_DAYS + 1))
    assert len(escalations()) == 2
    assert Notice.objects.filter(kind=Notice.Kind.SILENT_ESCALATION).count() == 2


def test_one_e_mail_per_programme_counts_the_newly_silent_and_the_supervisor_hears_of_theirs(world, scheme,
                                                                                           profile):  # fmt: skip
    other = second_supporter(world, scheme)
    admin = world.people["admin"]
    Supporter.objects.filter(pk=other.pk).update(supervisor=admin)
    enrol_many(world, scheme, profile, 2, assigned=TODAY - timedelta(days=35))
    enrol_many(world, scheme, other, 1, first=2, assigned=TODAY - timedelta(days=30))
    enrol_many(world, scheme, other, 1, first=3, assigned=TODAY - timedelta(days=10))  # not silent yet
    with time_machine.travel(at(TODAY - timedelta(days=60)), tick=False):
        second = programme(world, "Heart failure buddies")
    services.supporter_save(actor=world.people["coordinator"], organisation=world.home, user=profile.user,
                            data=services.SupporterData(programmes=[scheme, second], languages=["en"],
                                                        supervisor=world.people["coordinator"]))  # fmt: skip
    enrol_many(world, second, profile, 1, first=4, assigned=TODAY - timedelta(days=50))
    report = sweep()
    assert report.escalated == 4 and report.escalation_emails == 3
    bodies = {(message.to[0], message.body.split("\n\n")[1]) for message in escalations()}
    assert bodies == {
        (world.people["coordinator"].email,
         "In Diabetes peer coaching, 3 patients have now gone 28 days or more without a contact that reached them."),
        (world.people["coordinator"].email,
         "In Heart failure buddies, 1 patient has now gone 28 days or more without a contact that reached them."),
        (admin.email, "In Diabetes peer coaching, 1 patient of a supporter you supervise has now gone 28 days or "
                      "more without a contact that reached them."),
    }  # fmt: skip
    assert sweep().escalation_emails == 0  # the same day again: nothing new
    events = AuditEvent.objects.filter(action="notification.sent", details__kind="silent_escalation")
    assert sorted((event.details["to"], event.details["count"]) for event in events) == [
        ("coordinator", 1),
        ("coordinator", 3),
        ("supervisor", 1),
    ]


def test_a_refused_escalation_keeps_no_notice_and_is_told_at_the_next_run(world, scheme, profile):
    enrol_many(world, scheme, profile, 2, assigned=TODAY - timedelta(days=30))
    with mock.patch("peerpath.programmes.notifications.send_mail", side_effect=OSError("connection refused")):
        report = sweep()
    assert (report.escalated, report.escalations_failed) == (0, 1)
    assert not Notice.objects.filter(kind=Notice.Kind.SILENT_ESCALATION).exists()
    report = sweep(TODAY + timedelta(days=1))
    assert (report.escalated, report.escalation_emails) == (2, 1)
    assert "2 patients have now gone" in escalations()[0].body


def test_an_unexpected_error_while_escalating_gives_the_claims_back(world, scheme, profile):
    enrol_many(world, scheme, profile, 1, assigned=TODAY - timedelta(days=30))
    Supporter.objects.filter(pk=profile.pk).update(paused_at=at(TODAY))  # no digest: only the escalation runs
    with mock.patch("peerpath.programmes.notifications.send_mail", side_effect=RuntimeError("bug")), \
            pytest.raises(RuntimeError):  # fmt: skip
        sweep()
    assert not Notice.objects.exists()


def test_without_a_coordinator_to_tell_nothing_is_claimed(world, scheme, profile):
    enrol_many(world, scheme, profile, 1, assigned=TODAY - timedelta(days=30))
    coordinator = world.people["coordinator"]
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    report = sweep()
    assert (report.escalated, report.escalations_failed) == (0, 1)
    assert escalations() == [] and not Notice.objects.filter(kind=Notice.Kind.SILENT_ESCALATION).exists()


def test_a_coordinator_who_left_is_replaced_by_the_organisations_coordinators(world, scheme, profile):
    enrol_many(world, scheme, profile, 1, assigned=TODAY - timedelta(days=30))
    successor = make_user("new-coordinator")
    accounts_services.role_grant(actor=None, user=successor, organisation=world.home, role=Role.COORDINATOR)
    leaving = RoleAssignment.objects.get(user=world.people["coordinator"], organisation=world.home)
    accounts_services.role_revoke(actor=None, assignment=leaving)
    sweep()
    assert [message.to for message in escalations()] == [[successor.email]]


def test_the_queue_shows_when_the_coordinator_was_told(client, world, scheme, profile):
    [told, fresh] = enrol_many(world, scheme, profile, 2, assigned=TODAY - timedelta(days=30))
    sweep()
    later = enrol_many(world, scheme, profile, 1, first=2, assigned=TODAY - timedelta(days=29))
    with time_machine.travel(at(TODAY + timedelta(days=1), 8), tick=False):
        queue = programme_follow_ups(scheme)
        escalated = {row.enrolment_id: row.escalated_at for row in queue.silent}
        assert escalated == {told.pk: at(TODAY), fresh.pk: at(TODAY), later[0].pk: None}
        client.force_login(world.people["coordinator"])
        page = client.get(reverse("programmes_follow_ups", kwargs={"programme_id": scheme.pk})).content.decode()
    silent = page[page.index('id="silent"') :]
    silent = silent[: silent.index("</table>")]
    assert silent.count("Told by e-mail on 18 Nov 2026") == 2 and silent.count("Not yet") == 1


def test_no_e_mail_names_a_patient_or_quotes_a_note(world, scheme, profile):
    other = second_supporter(world, scheme)
    Supporter.objects.filter(pk=other.pk).update(supervisor=world.people["admin"])
    silent = enrol_many(world, scheme, profile, 2, assigned=TODAY - timedelta(days=45))
    enrol_many(world, scheme, other, 3, first=2, assigned=TODAY - timedelta(days=40))
    for enrolment in silent:
        log_reached(world, enrolment, TODAY - timedelta(days=3), reached=False, discussed=NOTE,
                    concern="concern", concern_note="Worried about her mood since the diagnosis.")  # fmt: skip
    mail.outbox.clear()  # the concern alerts
    sweep()
    assert digests() and escalations()
    names = [part for given, family in NAMES for part in (given, family)]
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert not [name for name in names if name in text], text
        assert NOTE not in text and "mood" not in text and "insulin" not in text


# --- The scheduler ------------------------------------------------------------------------------------------------


def test_the_scheduler_queues_the_sweep_once_a_day(world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    names = [name for name, *_rest in Scheduler(at=time(8)).plan(at(TODAY))]
    assert "follow_up_sweep" in names
    for hour in (9, 12, 23):  # three ticks, or three restarts, on the same day
        with time_machine.travel(at(TODAY, hour), tick=False):
            call_command("run_scheduler", "--once", "--at", "08:00", stdout=StringIO())
    with time_machine.travel(at(TODAY + timedelta(days=1), 9), tick=False):
        call_command("run_scheduler", "--once", "--at", "08:00", stdout=StringIO())
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(follow_up_sweep.module_path) == 2


def test_the_scheduler_tick_sends_the_days_digest(world, scheme, profile):
    enrol_many(world, scheme, profile, 1)
    out = StringIO()
    with time_machine.travel(at(TODAY, 9), tick=False):
        call_command("run_scheduler", "--once", "--at", "08:00", stdout=out)
    assert f"Queued follow_up_sweep {TODAY.isoformat()}" in out.getvalue()
    assert len(digests()) == 1
