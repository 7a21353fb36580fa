"""The coordinator's report of a programme (issue 16 point 8): who sees it (the permission matrix), contacts per week
by channel and by core function from contacts logged through the service, the follow-up figures agreeing with the
follow-up queue, and the CSV of the contacts: coded, attributed, pseudonymous, audited, safe in a spreadsheet, and
refused with a clear message for a bad date range."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import reports, services
from peerpath.programmes.models import Enrolment, Programme
from peerpath.programmes.selectors import programme_follow_ups
from peerpath.programmes.tests.helpers import contact, programme, supporter
from peerpath.testing.matrix import ORG_MANAGERS_ONLY, check_matrix

pytestmark = pytest.mark.django_db

DISCUSSED = "Talked through the first week on the new insulin pen."
CONCERN_NOTE = "Sounded low and mentioned not sleeping."


def today() -> date:
    return timezone.localdate()


def monday(weeks_ago: int) -> date:
    return today() - timedelta(days=today().weekday(), weeks=weeks_ago)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# (the Monday of how many weeks ago, days after it, hour, minute, channel, functions, reached, concern): every time
# is in the past, and the last one is just before the 12 weeks of the report.
CONTACTS = [
    (1, 1, 10, 0, "phone", ["social_emotional", "daily_management"], True, False),
    (1, 1, 15, 0, "phone", ["daily_management", "social_emotional"], True, False),
    (1, 3, 9, 0, "phone", ["follow_up"], False, False),
    (1, 4, 18, 0, "text", ["social_emotional"], True, False),
    (2, 2, 11, 0, "home_visit", ["linkage", "social_emotional", "daily_management"], True, True),
    (11, 0, 0, 0, "video", ["follow_up"], True, False),  # the first moment of the report's first week
    (11, -1, 23, 30, "phone", ["linkage"], True, False),  # the Sunday before: not in the report
]


@pytest.fixture
def scheme(world):
    return programme(world, channels=["phone", "text", "home_visit"], caseload_cap=3)


def enrol(world, scheme, who, profile=None, *, days_ago=95):
    enrolment = services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=who,
                                          supporter=profile)  # fmt: skip
    # Enrolled long enough ago for contacts to be logged over the last 12 weeks.
    moment = now() - timedelta(days=days_ago)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=moment, assigned_at=moment if profile else None)
    return Enrolment.objects.get(pk=enrolment.pk)


@pytest.fixture
def logged(world, scheme):
    """Two patients of one supporter, with the contacts of CONTACTS shared between them."""
    profile = supporter(world, scheme)
    ann = enrol(world, scheme, patient(world, given="Annabel", family="Quist", nhs=""), profile)
    bob = enrol(world, scheme, patient(world, given="Bartholomew", family="Yorke", nhs=""), profile)
    for index, (weeks_ago, days, hour, minute, channel, functions, reached, concern) in enumerate(CONTACTS):
        extra = {"concern": "concern", "concern_note": CONCERN_NOTE} if concern else {}
        services.interaction_log(
            actor=world.people["peer_supporter"], enrolment=ann if index % 2 == 0 else bob,
            data=contact(occurred_at=at(monday(weeks_ago) + timedelta(days=days), hour, minute), channel=channel,
                         functions=functions, reached=reached, duration_minutes=10 + index, discussed=DISCUSSED,
                         **extra),
        )  # fmt: skip
    return {"supporter": profile, "ann": ann, "bob": bob}


def report_url(scheme: Programme) -> str:
    return reverse("programmes_report", kwargs={"programme_id": scheme.pk})


def csv_url(scheme: Programme) -> str:
    return reverse("programmes_report_csv", kwargs={"programme_id": scheme.pk})


def read_csv(response) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def table(weekly_table: reports.WeeklyTable) -> dict[date, dict[str, int]]:
    """The weeks that had contacts, each with its non-zero columns and its contacts."""
    codes = [code for code, _label in weekly_table.columns]
    return {
        row.week: {**{code: count for code, count in zip(codes, row.counts, strict=True) if count},
                   "contacts": row.contacts}
        for row in weekly_table.rows
        if row.contacts
    }  # fmt: skip


# --- Who sees it --------------------------------------------------------------------------------------------------


def test_the_report_and_its_csv_are_for_the_organisations_coordinators_and_admins(client, world, scheme):
    check_matrix(client, world, url=report_url(scheme), expect=ORG_MANAGERS_ONLY)
    check_matrix(client, world, url=csv_url(scheme), expect=ORG_MANAGERS_ONLY)
    assert AuditEvent.objects.filter(action="programmes.contacts_exported").count() == 2  # coordinator and admin


def test_the_programme_page_links_to_the_report(client, world, scheme):
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert report_url(scheme) in page


# --- The figures --------------------------------------------------------------------------------------------------


def test_contacts_are_counted_per_week_by_channel_and_by_function(world, scheme, logged):
    weekly = reports.weekly_contacts(scheme, reports.last_weeks(today()))
    assert weekly.period == reports.Period(monday(11), today())
    assert [row.week for row in weekly.by_channel.rows] == [monday(weeks_ago) for weeks_ago in range(11, -1, -1)]
    assert table(weekly.by_channel) == {
        monday(11): {"video": 1, "contacts": 1},
        monday(2): {"home_visit": 1, "contacts": 1},
        monday(1): {"phone": 3, "text": 1, "contacts": 4},
    }
    # The programme's own channels, and any other used in the weeks shown, in the order of the choices.
    assert [code for code, _label in weekly.by_channel.columns] == ["phone", "text", "video", "home_visit"]
    assert dict(zip([code for code, _ in weekly.by_channel.columns], weekly.by_channel.totals, strict=True)) == {
        "phone": 3, "text": 1, "video": 1, "home_visit": 1,
    }  # fmt: skip
    # A contact counts once under each function it served: week 1 has 4 contacts and 6 function counts.
    assert table(weekly.by_function) == {
        monday(11): {"follow_up": 1, "contacts": 1},
        monday(2): {"daily_management": 1, "social_emotional": 1, "linkage": 1, "contacts": 1},
        monday(1): {"daily_management": 2, "social_emotional": 3, "follow_up": 1, "contacts": 4},
    }
    assert [code for code, _label in weekly.by_function.columns] == [
        "daily_management", "social_emotional", "linkage", "follow_up",
    ]  # fmt: skip
    assert weekly.by_function.contacts == weekly.by_channel.contacts == 6


def test_contacts_of_another_programme_or_an_ended_enrolment(world, scheme, logged):
    services.enrolment_end(actor=world.people["coordinator"], enrolment=logged["ann"], reason="Moved away")
    other = programme(world, name="Heart failure buddies")
    weekly = reports.weekly_contacts(scheme, reports.last_weeks(today()))
    assert weekly.by_channel.contacts == 6  # an ended enrolment's contacts still happened
    assert reports.weekly_contacts(other, reports.last_weeks(today())).by_channel.contacts == 0


def test_the_page_shows_caseloads_against_the_cap_the_tables_and_the_follow_up_figures(client, world, scheme, logged):
    services.supporter_pause(actor=world.people["peer_supporter"], supporter=logged["supporter"], reason="A break")
    client.force_login(world.people["coordinator"])
    response = client.get(report_url(scheme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "peer-supporter" in page and "2 / 3" in page and "Taking a break" in page
    assert "counts once under each core function" in page
    assert f'data-week="{monday(1).isoformat()}"' in page and "Home visit" in page
    assert response.context["weekly"].by_channel.contacts == 6
    for name in ("Annabel", "Quist", "Bartholomew", "Yorke"):
        assert name not in page
    assert DISCUSSED not in page and CONCERN_NOTE not in page


def test_the_follow_up_figures_agree_with_the_follow_up_queue(world, scheme):
    scheme.caseload_cap = 10
    scheme.save()
    profile = supporter(world, scheme)
    tried = enrol(world, scheme, patient(world, given="Cleo", nhs=""), profile, days_ago=40)
    for hours in (30, 20, 2):  # three tries in a row without reaching her
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=tried,
                                 data=contact(occurred_at=now() - timedelta(hours=hours), reached=False,
                                              functions=["follow_up"], duration_minutes=2))  # fmt: skip
    overdue = enrol(world, scheme, patient(world, given="Dev", nhs=""), profile, days_ago=10)
    Enrolment.objects.filter(pk=overdue.pk).update(next_due_on=today() - timedelta(days=5))
    enrol(world, scheme, patient(world, given="Eve", nhs=""), profile, days_ago=0)  # first contact due today
    enrol(world, scheme, patient(world, given="Finn", nhs=""))  # waiting for a supporter
    figures = reports.follow_up_figures(scheme, today())
    assert figures == reports.FollowUpFigures(overdue=1, due_today=1, not_reached=1, silent=1, unassigned=1)
    queue = programme_follow_ups(scheme, today=today())
    assert figures.overdue + figures.due_today == queue.due_total
    assert figures.not_reached == queue.not_reached_total and figures.silent == queue.silent_total
    assert figures.unassigned == queue.unassigned


def test_the_page_makes_as_many_queries_however_many_contacts(client, world, scheme, logged):
    client.force_login(world.people["coordinator"])
    client.get(report_url(scheme))
    with CaptureQueriesContext(connection) as before:
        assert client.get(report_url(scheme)).status_code == 200
    for weeks_ago in range(1, 8):
        services.interaction_log(actor=world.people["peer_supporter"], enrolment=logged["ann"],
                                 data=contact(occurred_at=at(monday(weeks_ago) + timedelta(days=2), 12),
                                              channel="walk", functions=["linkage"]))  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        response = client.get(report_url(scheme))
    assert response.context["weekly"].by_channel.contacts == 13
    assert len(after.captured_queries) == len(before.captured_queries)


# --- The CSV --------------------------------------------------------------------------------------------------------


def test_the_csv_holds_one_coded_attributed_row_per_contact_and_no_names_or_notes(client, world, scheme, logged):
    client.force_login(world.people["coordinator"])
    response = client.get(csv_url(scheme))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="programme-contacts-{monday(11).isoformat()}-to-{today().isoformat()}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert content.splitlines()[0] == (
        "date,programme,supporter,patient_ref,channel,duration_minutes,"
        "daily_management,social_emotional,linkage,follow_up,reached,concern"
    )
    rows = read_csv(response)
    assert len(rows) == 6  # the 12 weeks by default: the contact the Sunday before is not in it
    assert [row["date"] for row in rows] == sorted(row["date"] for row in rows)
    assert rows[0]["date"] == monday(11).isoformat() and rows[0]["channel"] == "video"
    visit = next(row for row in rows if row["channel"] == "home_visit")
    assert visit == {
        "date": (monday(2) + timedelta(days=2)).isoformat(), "programme": "Diabetes peer coaching",
        "supporter": "peer-supporter", "patient_ref": str(logged["ann"].pk), "channel": "home_visit",
        "duration_minutes": "14", "daily_management": "1", "social_emotional": "1", "linkage": "1", "follow_up": "0",
        "reached": "yes", "concern": "yes",
    }  # fmt: skip
    tried = next(row for row in rows if row["reached"] == "no")
    assert tried["follow_up"] == "1" and tried["social_emotional"] == "0" and tried["concern"] == "no"
    assert {row["patient_ref"] for row in rows} == {str(logged["ann"].pk), str(logged["bob"].pk)}
    for private in ("Annabel", "Quist", "Bartholomew", "Yorke", DISCUSSED, CONCERN_NOTE, "Sounded low"):
        assert private not in content


def test_the_export_is_audited_once_with_the_programme_the_range_and_the_count(client, world, scheme, logged):
    client.force_login(world.people["coordinator"])
    start, end = monday(2), monday(1) + timedelta(days=2)
    rows = read_csv(client.get(csv_url(scheme), {"start": start.isoformat(), "end": end.isoformat()}))
    assert [row["channel"] for row in rows] == ["home_visit", "phone", "phone"]
    event = AuditEvent.objects.get(action="programmes.contacts_exported")
    assert event.actor == world.people["coordinator"] and event.organisation == world.home
    assert event.object_type == "programmes.programme" and event.object_id == str(scheme.pk)
    assert event.details == {"programme": str(scheme.pk), "start": start.isoformat(), "end": end.isoformat(),
                             "count": 3, "format": "csv"}  # fmt: skip


def test_the_csv_is_safe_to_open_in_a_spreadsheet(client, world, scheme, logged):
    Programme.objects.filter(pk=scheme.pk).update(name='=HYPERLINK("http://evil.example")')
    client.force_login(world.people["coordinator"])
    rows = read_csv(client.get(csv_url(scheme)))
    assert {row["programme"] for row in rows} == {'\'=HYPERLINK("http://evil.example")'}


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": days_ago(3), "end": days_ago(10)}, "The end date is before the start date."),
        ({"start": days_ago(800), "end": days_ago(0)}, "Choose a range of two years or less."),
        ({"start": "last tuesday", "end": days_ago(0)}, "Enter a real date, as year-month-day."),
        ({"start": "2025-02-29", "end": days_ago(0)}, "Enter a real date, as year-month-day."),
        ({"start": days_ago(0)}, "Enter a date."),
        ({"start": days_ago(0), "end": days_ago(-1)}, "Choose an end date no later than today."),
    ],
)
def test_a_bad_range_is_refused_with_a_clear_message_and_nothing_is_exported(client, world, scheme, logged, query,
                                                                             message):  # fmt: skip
    client.force_login(world.people["coordinator"])
    response = client.get(csv_url(scheme), query)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert not AuditEvent.objects.filter(action="programmes.contacts_exported").exists()


def test_two_years_to_the_day_is_accepted(client, world, scheme, logged):
    client.force_login(world.people["coordinator"])
    end = today()
    start = end.replace(year=end.year - 2) if (end.month, end.day) != (2, 29) else date(end.year - 2, 3, 1)
    response = client.get(csv_url(scheme), {"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200 and len(read_csv(response)) == 7  # the Sunday before the 12 weeks too
