"""Supporters are looked after too: the fortnightly wellbeing check-in, the alerts to the supervisor (a worrying
check-in, two check-ins missed in a row, a caseload above a cap), each sent once, and the team's wellbeing board."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.accounts import services as accounts_services
from peerpath.accounts.roles import Role
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import DomainError, PermissionDenied
from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import services
from peerpath.programmes.models import Enrolment, Programme, Supporter, WellbeingAlert, WellbeingCheckIn
from peerpath.programmes.tasks import send_wellbeing_alert
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

CALM = {"strain": 1, "emotional_load": 1, "support_needed": 0, "own_health": 1}
WORRYING = {"strain": 3, "emotional_load": 2, "support_needed": 2, "own_health": 1}
SUBJECT = "[PeerPath] A peer supporter may need your support"


@pytest.fixture
def scheme(world):
    return programme(world, caseload_cap=3)


@pytest.fixture
def profile(world, scheme):
    """The peer-supporter persona, supervised by the coordinator persona."""
    return supporter(world, scheme)


def check_in(world, profile, answers=CALM, note=""):
    return services.wellbeing_check_in(actor=world.people["peer_supporter"], supporter=profile, note=note, **answers)


def answered(profile, days_ago, **answers):
    """A check-in answered some days ago (the service answers "now"; the past is made by moving its date)."""
    made = services.wellbeing_check_in(actor=profile.user, supporter=profile, **{**CALM, **answers})
    WellbeingCheckIn.objects.filter(pk=made.pk).update(answered_at=now() - timedelta(days=days_ago))
    return made


def another_supporter(world, scheme, handle):
    user = make_user(handle)
    accounts_services.role_grant(actor=None, user=user, organisation=world.home, role=Role.PEER_SUPPORTER)
    return services.supporter_save(actor=world.people["coordinator"], organisation=world.home, user=user,
                                   data=services.SupporterData(programmes=[scheme],
                                                               supervisor=world.people["coordinator"]))  # fmt: skip


def enrol(world, scheme, profile, count):
    for number in range(count):
        person = patient(world, given=f"Patient{number}", family=f"{profile.user.handle}-{scheme.name.split()[0]}",
                         nhs="")  # fmt: skip
        services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=person,
                                  supporter=profile)  # fmt: skip


def alert_mails(mailoutbox):
    return [mail for mail in mailoutbox if mail.subject == SUBJECT]


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- Who reaches the pages ------------------------------------------------------------------------------------


def test_the_check_in_page_is_the_supporters_own(client, world, profile):
    check_matrix(client, world, url=reverse("programmes_wellbeing"), expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 200, "moderator": 404,
        "clinician": 404, "coordinator": 404, "admin": 404, "outsider": 404,
    })  # fmt: skip


def test_the_team_board_is_for_the_programmes_managers(client, world, scheme, profile):
    url = reverse("programmes_wellbeing_board", kwargs={"programme_id": scheme.pk})
    check_matrix(client, world, url=url, expect=ORG_MANAGERS_ONLY)
    client.force_login(world.people["coordinator"])
    programme_page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk}))
    assert url in programme_page.content.decode()  # linked from the programme's page
    assert AuditEvent.objects.filter(action="programmes.wellbeing_board_viewed").exists()


def test_an_alert_is_followed_up_by_the_programmes_managers_only(client, world, scheme, profile):
    alert = check_in(world, profile, WORRYING).alerts.get()
    url = reverse("programmes_wellbeing_alert_resolve", kwargs={"programme_id": scheme.pk, "alert_id": alert.pk})
    check_matrix(client, world, url=url, method="post", expect={
        "anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404,
        "clinician": 404, "coordinator": 302, "admin": 302, "outsider": 404,
    })  # fmt: skip
    alert.refresh_from_db()
    assert alert.resolved_by == world.people["coordinator"] and not alert.is_open


# --- The check-in -------------------------------------------------------------------------------------------


def test_a_supporter_answers_from_the_form_and_sees_when_the_next_is_due(client, world, profile):
    client.force_login(world.people["peer_supporter"])
    url = reverse("programmes_wellbeing")
    page = client.get(url).content.decode()
    assert "A check-in is due now." in page and 'value="4"' in page and "Very much" in page
    response = client.post(url, {"supporter": str(profile.pk), "strain": "1", "emotional_load": "2",
                                 "support_needed": "0", "own_health": "2", "note": "A good fortnight."})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    saved = WellbeingCheckIn.objects.get()
    assert saved.answers() == {"strain": 1, "emotional_load": 2, "support_needed": 0, "own_health": 2}
    assert saved.supporter == profile and saved.note == "A good fortnight."
    due = (saved.answered_at + timedelta(days=14)).strftime("%-d %B %Y")
    assert f"Your next check-in is due on {due}." in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="programmes.wellbeing_checked_in", details__alert=False).exists()


def test_the_caseload_asks_how_the_supporter_is_while_a_check_in_is_due(client, world, profile):
    client.force_login(world.people["peer_supporter"])
    caseload = reverse("programmes_caseload")
    page = client.get(caseload).content.decode()
    assert "How are you doing?" in page and reverse("programmes_wellbeing") in page
    check_in(world, profile)
    assert "How are you doing?" not in client.get(caseload).content.decode()
    with time_machine.travel(now() + timedelta(days=15), tick=False):
        client.force_login(world.people["peer_supporter"])  # a new session: staff sessions end after 12 hours
        assert "How are you doing?" in client.get(caseload).content.decode()


@pytest.mark.parametrize(
    ("field", "value"), [("strain", 5), ("emotional_load", -1), ("support_needed", 40), ("own_health", "3")]
)
def test_an_answer_out_of_range_is_refused_naming_it_and_nothing_is_saved(world, profile, field, value):
    with pytest.raises(DomainError) as refused:
        check_in(world, profile, {**CALM, field: value})
    assert refused.value.field == field
    assert not WellbeingCheckIn.objects.exists() and not WellbeingAlert.objects.exists()
    assert not AuditEvent.objects.filter(action="programmes.wellbeing_checked_in").exists()


def test_the_form_refuses_an_answer_out_of_range_and_saves_nothing(client, world, profile):
    client.force_login(world.people["peer_supporter"])
    response = client.post(reverse("programmes_wellbeing"), {"supporter": str(profile.pk), "strain": "7",
                                                             "emotional_load": "1", "support_needed": "1",
                                                             "own_health": "1"})  # fmt: skip
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not WellbeingCheckIn.objects.exists()


def test_the_database_holds_the_answers_to_zero_to_four(world, profile):
    with pytest.raises(IntegrityError), transaction.atomic():
        WellbeingCheckIn.objects.create(supporter=profile, answered_at=now(), **{**CALM, "support_needed": 5})


def test_only_the_supporter_answers_their_own_check_in(client, world, profile):
    with pytest.raises(PermissionDenied):
        services.wellbeing_check_in(actor=world.people["coordinator"], supporter=profile, **CALM)
    assert not WellbeingCheckIn.objects.exists()
    # Someone else's profile cannot be chosen on the form either.
    other = another_supporter(world, profile.programmes.get(), "kind-words")
    client.force_login(world.people["peer_supporter"])
    response = client.post(reverse("programmes_wellbeing"), {"supporter": str(other.pk), **CALM})
    assert response.status_code == 400 and not WellbeingCheckIn.objects.exists()


# --- Alerts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "alerts"),
    [
        (CALM, False),
        ({"strain": 2, "emotional_load": 2, "support_needed": 2, "own_health": 3}, False),  # 9: under the total
        ({"strain": 0, "emotional_load": 0, "support_needed": 0, "own_health": 4}, False),  # own health: total only
        ({"strain": 0, "emotional_load": 0, "support_needed": 3, "own_health": 0}, True),  # asks for support
        ({"strain": 0, "emotional_load": 3, "support_needed": 0, "own_health": 0}, True),
        ({"strain": 2, "emotional_load": 2, "support_needed": 2, "own_health": 4}, True),  # 10: the total
    ],
)
def test_the_threshold(world, profile, answers, alerts):
    assert check_in(world, profile, answers).asks_for_attention is alerts
    assert WellbeingAlert.objects.filter(kind=WellbeingAlert.Kind.CHECK_IN).exists() is alerts


def test_a_worrying_check_in_alerts_the_supervisor_once(world, profile, mailoutbox,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        made = check_in(world, profile, WORRYING, note="Carrying a lot home this month.")
    alert = WellbeingAlert.objects.get()
    assert alert.kind == WellbeingAlert.Kind.CHECK_IN and alert.check_in == made and alert.sent_at is not None
    mails = alert_mails(mailoutbox)
    assert [mail.to for mail in mails] == [[world.people["coordinator"].email]]  # the supervisor
    body = mails[0].body
    assert "peer-supporter" in body and "as their supervisor" in body
    assert reverse("programmes_wellbeing_board", kwargs={"programme_id": profile.programmes.get().pk}) in body
    assert "Carrying a lot" not in body and "strain" not in body.lower()  # neither the note nor the answers
    # The task running again, or the daily sweep, sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        send_wellbeing_alert.enqueue(str(alert.pk))
        services.wellbeing_sweep(moment=now() + timedelta(hours=2))
    assert len(alert_mails(mailoutbox)) == 1
    assert AuditEvent.objects.filter(action="notification.sent", details__kind="wellbeing_check_in").count() == 1


def test_without_a_supervisor_the_coordinators_are_told(world, profile, mailoutbox,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    Supporter.objects.filter(pk=profile.pk).update(supervisor=None)
    profile.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        check_in(world, profile, WORRYING)
    mails = alert_mails(mailoutbox)
    assert [mail.to for mail in mails] == [[world.people["coordinator"].email]]  # not the admin, not the outsider
    assert "as a coordinator of Riverside Health" in mails[0].body


def test_two_missed_check_ins_alert_the_supervisor_once_from_the_daily_scheduler(
    world, profile, mailoutbox, django_capture_on_commit_callbacks
):
    check_in(world, profile)  # the next is due in 14 days; two missed 28 days after that

    def scheduler_tick(days):
        with time_machine.travel(now() + timedelta(days=days), tick=False), \
                django_capture_on_commit_callbacks(execute=True):  # fmt: skip
            call_command("run_scheduler", "--once", "--at", "00:00", stdout=StringIO())

    scheduler_tick(41)
    assert not WellbeingAlert.objects.exists()
    scheduler_tick(42)
    alert = WellbeingAlert.objects.get()
    assert alert.kind == WellbeingAlert.Kind.MISSED and alert.due_on == (now() + timedelta(days=14)).date()
    assert [mail.to for mail in alert_mails(mailoutbox)] == [[world.people["coordinator"].email]]
    assert "has not answered a wellbeing check-in" in alert_mails(mailoutbox)[0].body
    scheduler_tick(43)
    scheduler_tick(60)
    assert WellbeingAlert.objects.count() == 1 and len(alert_mails(mailoutbox)) == 1
    # Answering closes it.
    check_in(world, profile)
    alert.refresh_from_db()
    assert not alert.is_open


def test_a_supporter_who_never_answered_is_missed_from_when_they_joined(world, profile, mailoutbox,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert services.wellbeing_sweep(moment=now() + timedelta(days=27)).missed == 0
        assert services.wellbeing_sweep(moment=now() + timedelta(days=28, minutes=1)).missed == 1
    assert len(alert_mails(mailoutbox)) == 1


def test_a_supporter_on_a_break_is_not_chased(world, profile, mailoutbox, django_capture_on_commit_callbacks):
    check_in(world, profile)
    services.supporter_pause(actor=world.people["peer_supporter"], supporter=profile, reason="A family matter.")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.wellbeing_sweep(moment=now() + timedelta(days=60)).missed == 0
    assert not alert_mails(mailoutbox)


def test_a_caseload_above_the_cap_alerts_once_and_closes_when_back_within_it(
    world, scheme, profile, mailoutbox, django_capture_on_commit_callbacks
):
    enrol(world, scheme, profile, 3)
    Programme.objects.filter(pk=scheme.pk).update(caseload_cap=2)  # lowered under them, outside the service
    with django_capture_on_commit_callbacks(execute=True):
        assert services.wellbeing_sweep().over_capacity == 1
        assert services.wellbeing_sweep().over_capacity == 0
    alert = WellbeingAlert.objects.get()
    assert (alert.programme, alert.caseload, alert.cap) == (scheme, 3, 2)
    assert len(alert_mails(mailoutbox)) == 1
    assert f"holds 3 patients in {scheme.name}, above its cap of 2" in alert_mails(mailoutbox)[0].body
    services.enrolment_end(actor=world.people["coordinator"], enrolment=Enrolment.objects.filter(supporter=profile)
                           .first())  # fmt: skip
    assert services.wellbeing_sweep().cleared == 1
    alert.refresh_from_db()
    assert not alert.is_open


def test_patients_across_programmes_above_every_cap_alert(world, scheme, profile, mailoutbox,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    second = programme(world, name="Heart failure buddies", caseload_cap=3)
    services.supporter_save(actor=world.people["coordinator"], organisation=world.home,
                            user=world.people["peer_supporter"],
                            data=services.SupporterData(programmes=[scheme, second],
                                                        supervisor=world.people["coordinator"]))  # fmt: skip
    enrol(world, scheme, profile, 2)
    enrol(world, second, profile, 2)  # 2 of 3 in each, 4 in all: more than either coordinator would give one person
    with django_capture_on_commit_callbacks(execute=True):
        assert services.wellbeing_sweep().over_capacity == 1
    alert = WellbeingAlert.objects.get()
    assert (alert.programme, alert.caseload, alert.cap) == (None, 4, 3)
    assert "holds 4 patients across their programmes" in alert_mails(mailoutbox)[0].body


# --- The team's board -----------------------------------------------------------------------------------------


def test_the_board_shows_the_trend_who_is_paused_over_capacity_or_missing_and_open_alerts(
    client, world, scheme, profile
):
    for days, strain in ((45, 0), (31, 1), (17, 2), (3, 3)):
        answered(profile, days, strain=strain, emotional_load=strain)
    WellbeingCheckIn.objects.filter(supporter=profile).update(note="Long weeks; I would like to talk.")
    enrol(world, scheme, profile, 3)
    Programme.objects.filter(pk=scheme.pk).update(caseload_cap=2)
    resting = another_supporter(world, scheme, "gentle-pace")
    answered(resting, 45, own_health=3)  # due 31 days ago: two missed
    services.supporter_pause(actor=resting.user, supporter=resting, reason="Back in a month.")
    url = reverse("programmes_wellbeing_board", kwargs={"programme_id": scheme.pk})

    client.force_login(world.people["coordinator"])
    page = text_of(client.get(url))
    assert "Strain from the role 0 1 2 3" in page and "Emotional load 0 1 2 3" in page
    assert "The latest check-in asks for attention" in page
    assert "Caseload 3 of 2 · Over capacity" in page and "3 patients in Diabetes peer coaching, above its cap" in page
    assert "Taking a break since" in page and "Back in a month." in page
    assert "Missed 2 check-ins" in page
    assert "Open alerts A check-in asks for attention · peer-supporter" in page and "Mark as followed up" in page
    assert "Long weeks; I would like to talk." in page  # the supervisor, a coordinator, reads the note

    client.force_login(world.people["admin"])
    page = text_of(client.get(url))
    assert "Strain from the role 0 1 2 3" in page and "Long weeks" not in page  # an admin reads no notes


def test_the_boards_queries_do_not_grow_with_the_team(client, world, scheme, profile):
    answered(profile, 3, strain=3)
    client.force_login(world.people["coordinator"])
    url = reverse("programmes_wellbeing_board", kwargs={"programme_id": scheme.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for handle in ("walk-and-talk", "gentle-pace", "kind-words"):
        other = another_supporter(world, scheme, handle)
        answered(other, 20)
        answered(other, 5, support_needed=4)
        enrol(world, scheme, other, 1)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_alert_of_another_programme_or_none_is_not_found(client, world, scheme, profile):
    import uuid

    client.force_login(world.people["coordinator"])
    url = reverse("programmes_wellbeing_alert_resolve", kwargs={"programme_id": scheme.pk, "alert_id": uuid.uuid4()})
    assert client.post(url).status_code == 404
