"""A programme in the public directory as a "buddy programme" listing, vetted like any other: publishing submits one
listing to the curators, it is public only once vetted, an update of a vetted listing sends it back for vetting,
withdrawing takes it out of search at once, and only the organisation's coordinators and admins may do any of it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.directory import services as directory
from peerpath.directory.models import HostOrganisation, Listing
from peerpath.directory.tests.helpers import ALL_MET, condition
from peerpath.prescriptions.tests.helpers import patient
from peerpath.programmes import listing as services
from peerpath.programmes import services as programme_services
from peerpath.programmes.models import Programme
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.concurrency import database_for_threads
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix

pytestmark = pytest.mark.django_db

SUMMARY = "Trained volunteers who live with diabetes call, text and walk with people newly diagnosed."


@pytest.fixture
def scheme(world):
    return programme(world, conditions=[condition("type 2 diabetes")], follow_up_days=14,
                     channels=["phone", "walk"], summary=SUMMARY)  # fmt: skip


def form(**overrides: Any) -> dict[str, str]:
    values = {
        "summary": SUMMARY,
        "join_method": "referral",
        "contact_email": "coaching@example.org",
        "contact_phone": "01632 960 123",
        "format": "hybrid",
        "languages": "en, pl",
        "city": "Leeds",
    }
    values.update(overrides)
    return values


def details(**overrides: Any) -> services.ListingDetails:
    values: dict[str, Any] = {"summary": SUMMARY, "join_method": "request", "contact_email": "coaching@example.org"}
    values.update(overrides)
    return services.ListingDetails(**values)


def url(scheme: Programme, name: str = "programmes_listing") -> str:
    return reverse(name, kwargs={"programme_id": scheme.pk})


def publish(world, scheme: Programme, **overrides: Any) -> Listing:
    return services.programme_listing_publish(actor=world.people["coordinator"], programme=scheme,
                                              details=details(**overrides))  # fmt: skip


def vet(world, listing: Listing) -> None:
    coordinator = world.people["coordinator"]
    directory.review_start(actor=coordinator, listing=listing, organisation=world.home)
    directory.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET)


def found_in_search(client, name: str) -> bool:
    client.logout()
    return name in client.get("/directory/", {"kind": "buddy"}).content.decode()


def actions(scheme: Programme) -> list[str]:
    scheme.refresh_from_db()
    ids = [str(scheme.pk), str(scheme.listing_id)]
    return list(AuditEvent.objects.filter(object_id__in=ids).order_by("seq").values_list("action", flat=True))


# --- Publishing ------------------------------------------------------------------------------------------------------


def test_publishing_submits_one_buddy_listing_for_vetting_that_is_not_public_yet(client, world, scheme):
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Directory listing" in page and "Publish in the directory" in page and "Not in the directory." in page

    response = client.post(url(scheme), form())

    assert response.status_code == 302 and response["Location"].endswith("#directory-listing")
    listing = Listing.objects.get()
    scheme.refresh_from_db()
    assert scheme.listing == listing
    assert (listing.kind, listing.status, listing.name) == ("buddy", "submitted", "Diabetes peer coaching")
    assert list(listing.conditions.values_list("slug", flat=True)) == ["type-2-diabetes"]
    assert (listing.join_method, listing.format, listing.city, listing.languages) == ("referral", "hybrid", "Leeds",
                                                                                     ["en", "pl"])  # fmt: skip
    assert (listing.contact_email, listing.contact_phone) == ("coaching@example.org", "01632 960 123")
    assert listing.cadence == "fortnightly" and listing.summary == SUMMARY
    assert listing.host is not None and (listing.host.name, listing.host.kind) == ("Riverside Health", "health_service")
    assert listing.submitted_by == world.people["coordinator"] and listing.curator is None
    # Not public: not in search, and its page is not found for the public.
    assert not found_in_search(client, "Diabetes peer coaching")
    assert client.get(reverse("directory_listing", kwargs={"listing_id": listing.pk})).status_code == 404
    # In the curators' vetting queue like any submission.
    client.force_login(world.people["admin"])
    assert "Diabetes peer coaching" in client.get(reverse("directory_vetting_queue")).content.decode()
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Submitted: waiting for a curator to vet it." in page and "Update the listing" in page
    assert "Withdraw from the directory" in page and "Publish in the directory" not in page


def test_the_form_starts_from_the_programme(client, world, scheme):
    client.force_login(world.people["coordinator"])
    response = client.get(url(scheme))
    assert response.status_code == 200
    assert response.context["form"].initial == {"summary": SUMMARY, "format": "hybrid", "languages": "en",
                                                "join_method": "referral"}  # fmt: skip
    online = programme(world, name="Phone buddies", channels=["phone", "text"])
    assert client.get(url(online)).context["form"].initial["format"] == "online"
    visits = programme(world, name="Home visits", channels=["home_visit"])
    assert client.get(url(visits)).context["form"].initial["format"] == "in_person"


def test_publishing_reuses_the_host_organisation_of_the_same_name(world, scheme):
    existing = directory.host_get_or_create(actor=None, name="riverside health", kind="charity")
    listing = publish(world, scheme)
    assert listing.host == existing and HostOrganisation.objects.count() == 1


def test_publishing_twice_makes_one_listing(client, world, scheme):
    first = publish(world, scheme)
    with pytest.raises(Conflict, match="already in the directory"):
        publish(world, scheme, summary="Another summary entirely.")
    assert Listing.objects.count() == 1 and Listing.objects.get().summary == SUMMARY
    # The same form sent twice (a double click): the second finds the listing and changes nothing.
    client.force_login(world.people["coordinator"])
    client.post(url(scheme), form())
    client.post(url(scheme), form())
    assert list(Listing.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_publishing_at_once_make_one_listing(world, scheme, tmp_path):
    people = [world.people["coordinator"], world.people["admin"]]
    with database_for_threads(tmp_path) as connect:
        barrier = threading.Barrier(len(people))
        outcomes: list[Any] = []

        def attempt(actor: Any) -> None:
            try:
                connect()
                barrier.wait(timeout=60)
                try:
                    services.programme_listing_publish(actor=actor, programme=scheme, details=details())
                    outcomes.append("published")
                finally:
                    connections.close_all()
            except Conflict as refused:
                outcomes.append(refused.message)
            except BaseException as error:  # reported below rather than lost in a thread
                outcomes.append(error)

        threads = [threading.Thread(target=attempt, args=(actor,)) for actor in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert outcomes.count("published") == 1, outcomes
        assert "already in the directory" in str(next(o for o in outcomes if o != "published"))
        assert Listing.objects.count() == 1
        assert Programme.objects.get(pk=scheme.pk).listing_id == Listing.objects.get().pk


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_email": "", "contact_phone": ""}, "contact_email", "Give an e-mail address or a phone number"),
        ({"contact_email": "not an address"}, "contact_email", "Enter a valid email address."),
        ({"contact_phone": "call me"}, "contact_phone", "Give the phone number in digits"),
        ({"format": "in_person", "city": "  "}, "city", "Say in which area, town or city"),
        ({"summary": ""}, "summary", "Write a short summary"),
        ({"languages": "en, english!"}, "languages", "Not a language code: english!."),
        ({"languages": ""}, "languages", "Give at least one language"),
        ({"join_method": "open"}, "join_method", "Select a valid choice."),
        ({"format": "by_post"}, "format", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_publishes_nothing(client, world, scheme, overrides, field, message):
    client.force_login(world.people["coordinator"])
    response = client.post(url(scheme), form(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Listing.objects.exists() and not HostOrganisation.objects.exists()
    scheme.refresh_from_db()
    assert scheme.listing is None
    assert not AuditEvent.objects.filter(action__startswith="programmes.listing").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"join_method": "open"}, "join_method"),
        ({"format": "by_post"}, "format"),
        ({"summary": "x" * 301}, "summary"),
        ({"languages": [" "]}, "languages"),
    ],
)
def test_the_service_refuses_what_the_form_would_not_send(world, scheme, overrides, field):
    with pytest.raises(DomainError) as refused:
        publish(world, scheme, **overrides)
    assert refused.value.field == field
    assert not Listing.objects.exists()


def test_an_online_programme_publishes_no_place(world, scheme):
    listing = publish(world, scheme, format="online", city="Leeds", contact_email="", contact_phone="+44 1632 960123")
    assert listing.city == "" and listing.contact_phone == "+44 1632 960123" and listing.contact_email == ""


def test_a_closed_programme_is_not_published(client, world, scheme):
    Programme.objects.filter(pk=scheme.pk).update(status=Programme.Status.CLOSED)
    with pytest.raises(Conflict, match="closed programme"):
        publish(world, scheme)
    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "the programme is closed" in page and "Publish in the directory" not in page
    response = client.post(url(scheme), form())
    assert response.status_code == 409 and "closed programme" in response.content.decode()
    assert not Listing.objects.exists()


# --- Vetting, updating, withdrawing -----------------------------------------------------------------------------------


def test_once_vetted_it_is_public_in_search_and_on_a_page_that_reads_well(client, world, scheme):
    profile = supporter(world, scheme)
    nia = patient(world, given="Nia", family="Evans")
    programme_services.enrolment_create(actor=world.people["coordinator"], programme=scheme, patient=nia,
                                        supporter=profile)  # fmt: skip
    listing = publish(world, scheme, contact_phone="01632 960 123", join_method="referral")
    vet(world, listing)

    assert found_in_search(client, "Diabetes peer coaching")
    page = client.get(reverse("directory_listing", kwargs={"listing_id": listing.pk})).content.decode()
    assert "Buddy programme" in page and "Riverside Health" in page and "By referral" in page
    assert "coaching@example.org" in page and "01632 960 123" in page and "Type 2 diabetes" in page
    assert "Vetted by Riverside Health" in page
    for private in ("Nia", "Evans", profile.user.handle, world.people["coordinator"].handle):
        assert private not in page

    client.force_login(world.people["coordinator"])
    section = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Vetted by Riverside Health on" in section
    assert reverse("directory_listing", kwargs={"listing_id": listing.pk}) in section


def test_the_programme_page_says_where_the_listing_stands(client, world, scheme):
    listing = publish(world, scheme)
    coordinator = world.people["coordinator"]
    directory.review_start(actor=coordinator, listing=listing, organisation=world.home)
    assert services.listing_section(Programme.objects.get(pk=scheme.pk)).status == (
        "In review by Riverside Health. It is not in the public directory yet."
    )
    checks = {**ALL_MET, "no_promotion": ("not_met", "")}
    directory.vetting_record(actor=coordinator, listing=listing, checks=checks)
    client.force_login(coordinator)
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Delisted: Not vetted: no product promotion or sales not met." in page
    assert "Publish it again" in page and "Withdraw from the directory" not in page


def test_a_vetted_listing_due_or_past_its_re_review_says_so(world, scheme):
    listing = publish(world, scheme)
    vet(world, listing)
    listing.refresh_from_db()
    assert listing.last_vetted_on is not None
    Listing.objects.filter(pk=listing.pk).update(rereview_due_on=listing.last_vetted_on)  # due today
    scheme.refresh_from_db()
    section = services.listing_section(scheme)
    assert "re-review is due" in section.status and section.is_public
    Listing.objects.filter(pk=listing.pk).update(rereview_due_on=listing.last_vetted_on - timedelta(days=31))
    scheme.refresh_from_db()
    section = services.listing_section(scheme)
    assert "no longer shows in the public directory" in section.status and not section.is_public


def test_updating_a_vetted_listing_sends_it_back_for_vetting(client, world, scheme):
    listing = publish(world, scheme)
    vet(world, listing)
    client.force_login(world.people["coordinator"])
    page = client.get(url(scheme)).content.decode()
    assert "Update the listing of Diabetes peer coaching" in page and "goes back to the directory" in page

    response = client.post(url(scheme), form(summary="Volunteers with diabetes, by phone and on walks."), follow=True)

    assert "sent back for vetting" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "submitted" and listing.summary == "Volunteers with diabetes, by phone and on walks."
    assert listing.curator == world.home  # the curator who vetted it reviews it again
    assert Listing.objects.count() == 1
    assert not found_in_search(client, "Diabetes peer coaching")
    event = AuditEvent.objects.get(action="programmes.listing_updated")
    assert event.actor == world.people["coordinator"] and event.details["resubmitted"] is True
    assert "summary" in event.details["fields"] and "coaching@example.org" not in str(event.details)


def test_an_update_that_changes_nothing_keeps_the_listing_vetted(client, world, scheme):
    listing = publish(world, scheme, join_method="referral", contact_phone="01632 960 123", format="hybrid",
                      languages=["en", "pl"], city="Leeds")  # fmt: skip
    vet(world, listing)
    client.force_login(world.people["coordinator"])
    response = client.post(url(scheme), form(), follow=True)
    assert "Nothing had changed." in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "vetted" and found_in_search(client, "Diabetes peer coaching")


def test_an_update_in_review_stays_in_review_and_follows_the_programme(world, scheme):
    listing = publish(world, scheme)
    directory.review_start(actor=world.people["coordinator"], listing=listing, organisation=world.home)
    programme_services.programme_update(
        actor=world.people["coordinator"], programme=scheme,
        data=programme_services.ProgrammeData(name="Diabetes buddies", coordinator=world.people["coordinator"],
                                              conditions=[condition("type 1 diabetes")], follow_up_days=7),
    )  # fmt: skip
    result = services.programme_listing_update(actor=world.people["admin"], programme=scheme,
                                               details=details(format="in_person", city="Leeds"))  # fmt: skip
    listing.refresh_from_db()
    assert (listing.status, listing.name, listing.cadence, listing.city) == ("in_review", "Diabetes buddies", "weekly",
                                                                             "Leeds")  # fmt: skip
    assert list(listing.conditions.values_list("slug", flat=True)) == ["type-1-diabetes"]
    assert not result.resubmitted and {"name", "cadence", "conditions", "format", "city"} <= set(result.changed)


def test_withdrawing_takes_it_out_of_search_at_once_and_it_can_be_published_again(client, world, scheme):
    listing = publish(world, scheme)
    vet(world, listing)
    assert found_in_search(client, "Diabetes peer coaching")
    client.force_login(world.people["admin"])
    confirm = client.get(url(scheme, "programmes_listing_withdraw"))
    assert confirm.status_code == 200 and "People will no longer find it" in confirm.content.decode()

    response = client.post(url(scheme, "programmes_listing_withdraw"), follow=True)

    assert "Withdrawn: it no longer appears in the directory." in response.content.decode()
    listing.refresh_from_db()
    assert (listing.status, listing.status_reason) == ("delisted", "Withdrawn by the programme")
    assert not found_in_search(client, "Diabetes peer coaching")
    assert client.get(reverse("directory_listing", kwargs={"listing_id": listing.pk})).status_code == 404

    client.force_login(world.people["coordinator"])
    page = client.get(reverse("programmes_programme", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Delisted: Withdrawn by the programme" in page and "Publish it again" in page
    assert client.get(url(scheme)).context["form"].initial["contact_email"] == "coaching@example.org"
    client.post(url(scheme), form())
    listing.refresh_from_db()
    assert Listing.objects.count() == 1 and (listing.status, listing.status_reason) == ("submitted", "")
    assert not found_in_search(client, "Diabetes peer coaching")  # public again only once vetted anew


def test_withdrawing_what_is_not_in_the_directory_is_refused(client, world, scheme):
    client.force_login(world.people["coordinator"])
    response = client.get(url(scheme, "programmes_listing_withdraw"), follow=True)
    assert "The programme is not in the directory." in response.content.decode()
    response = client.post(url(scheme, "programmes_listing_withdraw"), follow=True)
    assert "The programme is not in the directory." in response.content.decode()
    with pytest.raises(Conflict):
        services.programme_listing_update(actor=world.people["coordinator"], programme=scheme, details=details())
    assert not Listing.objects.exists()


def test_the_directory_withdraws_a_listing_only_with_a_reason(world, scheme):
    listing = publish(world, scheme)
    with pytest.raises(DomainError, match="Say why"):
        directory.listing_withdraw(actor=world.people["coordinator"], organisation=world.home, listing=listing,
                                   reason="  ")  # fmt: skip
    listing.refresh_from_db()
    assert listing.status == "submitted"


def test_a_closed_programme_can_still_withdraw_but_not_update(world, scheme):
    listing = publish(world, scheme)
    Programme.objects.filter(pk=scheme.pk).update(status=Programme.Status.CLOSED)
    with pytest.raises(Conflict, match="withdraw its listing"):
        services.programme_listing_update(actor=world.people["coordinator"], programme=scheme, details=details())
    services.programme_listing_withdraw(actor=world.people["coordinator"], programme=scheme)
    listing.refresh_from_db()
    assert listing.status == "delisted"


def test_every_change_is_audited(world, scheme):
    listing = publish(world, scheme)
    vet(world, listing)
    services.programme_listing_update(actor=world.people["coordinator"], programme=scheme,
                                      details=details(summary="Changed."))  # fmt: skip
    services.programme_listing_withdraw(actor=world.people["coordinator"], programme=scheme)
    publish(world, scheme)
    assert [action for action in actions(scheme) if not action.startswith(("listing.review", "listing.vetted"))] == [
        "programmes.programme_created",
        "listing.submitted",
        "programmes.listing_published",
        "listing.updated",
        "listing.resubmitted",
        "programmes.listing_updated",
        "listing.withdrawn",
        "programmes.listing_withdrawn",
        "listing.updated",  # published again with the first summary
        "listing.resubmitted",
        "programmes.listing_published",
    ]
    events = AuditEvent.objects.filter(action__startswith="programmes.listing_")
    assert {event.actor for event in events} == {world.people["coordinator"]}
    assert {event.organisation for event in events} == {world.home}
    assert all(event.details["listing"] == str(listing.pk) for event in events)


# --- Who may -----------------------------------------------------------------------------------------------------


def test_only_the_organisations_coordinators_and_admins_reach_the_listing_pages(client, world, scheme):
    check_matrix(client, world, url=url(scheme), expect=ORG_MANAGERS_ONLY)
    publish(world, scheme)
    check_matrix(client, world, url=url(scheme, "programmes_listing_withdraw"), expect=ORG_MANAGERS_ONLY)


def test_nobody_else_can_publish_update_or_withdraw(client, world, scheme):
    refused = {**ORG_MANAGERS_ONLY, "coordinator": "skip", "admin": "skip"}
    for persona, expected in refused.items():
        if expected == "skip":
            continue
        client.logout()
        if world[persona] is not None:
            client.force_login(world[persona])
        outcome = client.post(url(scheme), form())
        assert (LOGIN if "/accounts/login/" in outcome.get("Location", "") else outcome.status_code) == expected
    assert not Listing.objects.exists()
    listing = publish(world, scheme)
    for persona in ("outsider", "peer_supporter", "member"):
        client.force_login(world.people[persona])
        assert client.post(url(scheme), form(summary="Changed by someone else.")).status_code == 404
        assert client.post(url(scheme, "programmes_listing_withdraw")).status_code == 404
    listing.refresh_from_db()
    assert listing.summary == SUMMARY and listing.status == "submitted"
    assert AuditEvent.objects.filter(action="access.denied", actor=world.people["outsider"]).exists()


def test_the_services_refuse_anyone_who_does_not_run_the_programme(world, scheme):
    with pytest.raises(PermissionDenied):
        services.programme_listing_publish(actor=world.people["outsider"], programme=scheme, details=details())
    publish(world, scheme)
    for change in (
        lambda: services.programme_listing_update(actor=world.people["peer_supporter"], programme=scheme,
                                                  details=details(summary="Changed.")),
        lambda: services.programme_listing_withdraw(actor=world.people["outsider"], programme=scheme),
    ):  # fmt: skip
        with pytest.raises(PermissionDenied):
            change()
    assert Listing.objects.get().status == "submitted"


def test_the_cadence_follows_the_follow_up_days():
    assert [services.cadence_for(days) for days in (3, 7, 10, 14, 28, 31, 60)] == [
        "weekly", "weekly", "fortnightly", "fortnightly", "monthly", "monthly", "ad_hoc",
    ]  # fmt: skip
