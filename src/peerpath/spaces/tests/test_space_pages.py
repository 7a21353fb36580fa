"""The spaces and membership pages (issue 5 points 1 and 2): who may see each, joining, members, intro cards,
preferences, hosting a space, and what a non-member never sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from peerpath.audit.models import AuditEvent
from peerpath.core.time import now
from peerpath.directory import services as directory_services
from peerpath.directory.tests.helpers import vetted
from peerpath.spaces import services
from peerpath.spaces.models import IntroCard, Membership, Space
from peerpath.spaces.services import IntroCardData
from peerpath.spaces.tests.helpers import JOIN_URL, members, space, weekly_space
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db
Status = Membership.Status
CARD_TEXT = "Someone who has been there with pacing"


@pytest.fixture
def circle(world) -> Space:
    """The weekly open space: the coordinator organises it, the member has joined and written an intro card."""
    a_space, _schedule = weekly_space(world)
    services.intro_card_save(
        user=world.people["member"], space=a_space, data=IntroCardData(lived_with="1_5", hoping_for=CARD_TEXT)
    )
    return a_space


def _url(a_space: Space, suffix: str = "") -> str:
    return f"/spaces/{a_space.pk}/{suffix}"


def _text(response) -> str:
    return response.content.decode()


# --- Permission matrices, one per page ---------------------------------------------------------------------------

EVERYONE = dict.fromkeys(
    ["anonymous", "member", "carer", "peer_supporter", "moderator", "clinician", "coordinator", "admin", "outsider"],
    200,
)
# Members-only pages: active members (the member persona; the coordinator is the organiser) and the host's admin.
MEMBERS_AND_HOST = {
    "anonymous": LOGIN,
    "member": 200,
    "carer": 404,
    "peer_supporter": 404,
    "moderator": 404,
    "clinician": 404,
    "coordinator": 200,
    "admin": 200,
    "outsider": 404,
}
# A member's own card and preferences: active members only (the host's admin is not a member).
OWN_MEMBERSHIP = {**MEMBERS_AND_HOST, "admin": 404}
RUNS_SPACE = {**MEMBERS_AND_HOST, "member": 404}


def test_space_list_matrix(client, world, circle):
    check_matrix(client, world, url="/spaces/", expect=EVERYONE)


def test_space_create_matrix(client, world):
    check_matrix(
        client,
        world,
        url="/spaces/new/",
        expect={**RUNS_SPACE, "outsider": 200},  # a coordinator elsewhere hosts their own organisation's listings
    )


def test_space_detail_matrix(client, world, circle):
    check_matrix(client, world, url=_url(circle), expect=EVERYONE)


def test_space_detail_matrix_while_the_listing_is_delisted(client, world, circle):
    directory_services.listing_delist(actor=world.people["coordinator"], listing=circle.listing, reason="Re-review")
    expect = {**MEMBERS_AND_HOST, "anonymous": 404, "moderator": 200, "coordinator": 200}
    check_matrix(client, world, url=_url(circle), expect=expect)


def test_space_join_matrix(client, world, circle):
    # Members already in are sent back to the space; everyone else signed in sees how to join.
    expect = {**EVERYONE, "anonymous": LOGIN, "member": 302, "coordinator": 302}
    check_matrix(client, world, url=_url(circle, "join/"), expect=expect)


def test_space_leave_matrix(client, world, circle):
    # People with nothing to leave are sent back to the space.
    expect = dict.fromkeys(EVERYONE, 302) | {"anonymous": LOGIN, "member": 200, "coordinator": 200}
    check_matrix(client, world, url=_url(circle, "leave/"), expect=expect)


def test_space_settings_matrix(client, world, circle):
    check_matrix(client, world, url=_url(circle, "settings/"), expect=RUNS_SPACE)


def test_space_members_matrix(client, world, circle):
    check_matrix(client, world, url=_url(circle, "members/"), expect=MEMBERS_AND_HOST)


def test_space_members_invite_matrix(client, world, circle):
    check_matrix(
        client,
        world,
        url=_url(circle, "members/"),
        method="post",
        data={"person": "nobody@example.org", "role": "member"},
        expect={**RUNS_SPACE, "coordinator": 302, "admin": 302},
    )


def test_space_member_manage_matrix(client, world, circle):
    membership = Membership.objects.get(space=circle, user=world.people["member"])
    check_matrix(
        client,
        world,
        url=_url(circle, f"members/{membership.pk}/"),
        method="post",
        data={"action": "unknown"},
        expect={**RUNS_SPACE, "coordinator": 302, "admin": 302},
    )


def test_intro_card_matrix(client, world, circle):
    check_matrix(client, world, url=_url(circle, "intro-card/"), expect=OWN_MEMBERSHIP)


def test_preferences_matrix(client, world, circle):
    check_matrix(client, world, url=_url(circle, "preferences/"), expect=OWN_MEMBERSHIP)


# --- What a non-member never sees ----------------------------------------------------------------------------------


def test_a_non_member_sees_no_members_list_no_intro_cards_and_no_join_link(client, world, circle):
    for persona in ("anonymous", "carer", "outsider"):
        client.logout()
        if world[persona] is not None:
            client.force_login(world[persona])
        page = _text(client.get(_url(circle)))
        assert "Fibromyalgia Tuesday Circle" in page and "Every Tuesday at 19:00 (Europe/London)" in page
        assert JOIN_URL not in page
        assert CARD_TEXT not in page
        # As a whole word: the published rules speak of "members' stories".
        assert re.search(rf"\b{re.escape(world.people['member'].handle)}\b", page) is None
        assert _url(circle, "members/") not in page
        assert client.get(_url(circle, "members/")).status_code in (302, 404)

    # The member sees the way in to members, cards and preferences, and still never the join link on this page.
    client.force_login(world.people["member"])
    page = _text(client.get(_url(circle)))
    assert _url(circle, "members/") in page and _url(circle, "intro-card/") in page
    assert _url(circle, "preferences/") in page and JOIN_URL not in page
    members_page = _text(client.get(_url(circle, "members/")))
    assert CARD_TEXT in members_page and "1 to 5 years" in members_page


def test_legal_names_never_appear_on_these_pages(client, world, circle):
    services.membership_join(user=world.people["carer"], space=circle)
    organiser = world.people["coordinator"]
    client.force_login(organiser)
    pages = [
        "/spaces/",
        _url(circle),
        _url(circle, "members/"),
        _url(circle, "settings/"),
        _url(circle, "intro-card/"),
        _url(circle, "preferences/"),
    ]
    for url in pages:
        page = _text(client.get(url))
        assert "Testperson" not in page, url
        assert "@example.org" not in page, url
    members_page = _text(client.get(_url(circle, "members/")))
    assert world.people["member"].handle in members_page and world.people["carer"].handle in members_page


# --- Joining and leaving -------------------------------------------------------------------------------------------


def test_joining_an_open_space_from_its_page(client, world, circle):
    carer = world.people["carer"]
    client.force_login(carer)
    page = _text(client.get(_url(circle)))
    assert f'action="{_url(circle, "join/")}"' in page
    response = client.post(_url(circle, "join/"), follow=True)
    assert response.redirect_chain[-1][0] == _url(circle)
    assert "Welcome to Fibromyalgia Tuesday Circle" in _text(response)
    assert Membership.objects.get(space=circle, user=carer).status == Status.ACTIVE


def test_asking_to_join_needs_a_reason_and_an_organiser_approves_it(client, world):
    a_space = space(world, join_policy=Space.JoinPolicy.REQUEST)
    carer = world.people["carer"]
    client.force_login(carer)
    assert "Ask to join" in _text(client.get(_url(a_space)))
    form = client.get(_url(a_space, "join/"))
    assert 'name="reason"' in _text(form)

    refused = client.post(_url(a_space, "join/"), {"reason": ""})
    assert refused.status_code == 400 and "why you would like to join" in _text(refused)
    assert not Membership.objects.filter(user=carer, space=a_space).exists()

    client.post(_url(a_space, "join/"), {"reason": "My daughter was just diagnosed."})
    assert "You asked to join" in _text(client.get(_url(a_space)))

    client.force_login(world.people["coordinator"])
    page = _text(client.get(_url(a_space, "members/")))
    assert "My daughter was just diagnosed." in page and carer.handle in page
    request = Membership.objects.get(user=carer, space=a_space)
    response = client.post(_url(a_space, f"members/{request.pk}/"), {"action": "approve"}, follow=True)
    assert f"{carer.handle} is now a member" in _text(response)
    request.refresh_from_db()
    assert request.status == Status.ACTIVE


def test_an_invitation_only_space_says_so_and_offers_no_join_button(client, world):
    a_space = space(world, join_policy=Space.JoinPolicy.INVITATION)
    client.force_login(world.people["carer"])
    page = _text(client.get(_url(a_space)))
    assert "By invitation or prescription only" in page
    assert f'action="{_url(a_space, "join/")}"' not in page
    response = client.post(_url(a_space, "join/"))
    assert response.status_code == 403 and "invitation or prescription only" in _text(response)


def test_a_removed_person_is_told_so_and_cannot_rejoin(client, world, circle):
    carer = world.people["carer"]
    membership = services.membership_join(user=carer, space=circle)
    services.membership_remove(actor=world.people["coordinator"], membership=membership, reason="Spam")
    client.force_login(carer)
    assert "removed you from this space" in _text(client.get(_url(circle)))
    response = client.post(_url(circle, "join/"))
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == Status.REMOVED


def test_leaving_from_the_confirmation_page(client, world, circle):
    member = world.people["member"]
    client.force_login(member)
    assert "Leave this group?" in _text(client.get(_url(circle, "leave/")))
    response = client.post(_url(circle, "leave/"), follow=True)
    assert response.redirect_chain[-1][0] == "/spaces/"
    assert "You left Fibromyalgia Tuesday Circle" in _text(response)
    assert Membership.objects.get(space=circle, user=member).status == Status.LEFT


def test_the_last_organiser_is_told_why_they_cannot_leave(client, world, circle):
    client.force_login(world.people["coordinator"])
    response = client.post(_url(circle, "leave/"))
    assert response.status_code == 409 and "make another member organiser first" in _text(response)


# --- Invitations ---------------------------------------------------------------------------------------------------


def test_inviting_says_the_same_whether_or_not_the_person_has_an_account(client, world, circle):
    client.force_login(world.people["coordinator"])
    unknown = client.post(_url(circle, "members/"), {"person": "nobody@example.org", "role": "member"}, follow=True)
    known = client.post(
        _url(circle, "members/"), {"person": world.people["carer"].handle, "role": "listener"}, follow=True
    )
    neutral = "If that person has a PeerPath account, they have been invited."
    assert neutral in _text(unknown) and neutral in _text(known)
    invited = Membership.objects.get(space=circle, user=world.people["carer"])
    assert invited.status == Status.INVITED and invited.role == Membership.Role.LISTENER
    by_email = client.post(
        _url(circle, "members/"), {"person": world.people["peer_supporter"].email.upper(), "role": "member"}
    )
    assert by_email.status_code == 302
    assert Membership.objects.get(space=circle, user=world.people["peer_supporter"]).status == Status.INVITED


def test_an_empty_invitation_is_refused_on_the_form(client, world, circle):
    client.force_login(world.people["coordinator"])
    response = client.post(_url(circle, "members/"), {"person": "", "role": "member"})
    assert response.status_code == 400 and "This field is required" in _text(response)


def test_an_invited_person_accepts_from_their_groups(client, world, circle):
    carer = world.people["carer"]
    services.membership_invite(actor=world.people["coordinator"], space=circle, user=carer)
    client.force_login(carer)
    page = _text(client.get("/spaces/"))
    assert "Your groups" in page and "Invited" in page and "Accept" in page and "Decline" in page
    client.post(_url(circle, "join/"))
    assert Membership.objects.get(space=circle, user=carer).status == Status.ACTIVE


def test_an_invited_person_declines_from_their_groups(client, world, circle):
    carer = world.people["carer"]
    services.membership_invite(actor=world.people["coordinator"], space=circle, user=carer)
    client.force_login(carer)
    response = client.post(_url(circle, "leave/"), follow=True)
    assert "You declined the invitation" in _text(response)
    assert Membership.objects.get(space=circle, user=carer).status == Status.LEFT


# --- Organisers managing members -----------------------------------------------------------------------------------


def test_removing_a_member_needs_a_reason_and_is_audited(client, world, circle):
    client.force_login(world.people["coordinator"])
    membership = Membership.objects.get(space=circle, user=world.people["member"])
    prefix = f"r{membership.pk.hex}"
    refused = client.post(_url(circle, f"members/{membership.pk}/"), {"action": "remove", f"{prefix}-reason": ""})
    assert refused.status_code == 400 and "There is a problem" in _text(refused)
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE

    response = client.post(
        _url(circle, f"members/{membership.pk}/"),
        {"action": "remove", f"{prefix}-reason": "Shared another member's details."},
        follow=True,
    )
    assert f"{world.people['member'].handle} was removed" in _text(response)
    membership.refresh_from_db()
    assert membership.status == Status.REMOVED
    event = AuditEvent.objects.get(action="space.member_removed", object_id=str(membership.pk))
    assert event.details["reason"] == "Shared another member's details."


def test_changing_a_role_and_the_last_organiser_rule_on_the_page(client, world, circle):
    client.force_login(world.people["coordinator"])
    membership = Membership.objects.get(space=circle, user=world.people["member"])
    response = client.post(
        _url(circle, f"members/{membership.pk}/"),
        {"action": "role", f"m{membership.pk.hex}-role": "listener"},
        follow=True,
    )
    assert "is now listener" in _text(response)
    membership.refresh_from_db()
    assert membership.role == Membership.Role.LISTENER

    own = Membership.objects.get(space=circle, user=world.people["coordinator"])
    refused = client.post(_url(circle, f"members/{own.pk}/"), {"action": "role", f"m{own.pk.hex}-role": "member"})
    assert refused.status_code == 409 and "make another member organiser first" in _text(refused)
    own.refresh_from_db()
    assert own.role == Membership.Role.ORGANISER


def test_listeners_are_shown_as_listeners(client, world, circle):
    membership = Membership.objects.get(space=circle, user=world.people["member"])
    services.membership_set_role(actor=world.people["coordinator"], membership=membership, role="listener")
    client.force_login(world.people["member"])
    page = _text(client.get(_url(circle)))
    assert "Listener (attends, does not post)" in page and "they do not post, propose topics or vote" in page


def test_new_members_are_tagged_new(client, world):
    with time_machine.travel(now() - timedelta(days=60), tick=False):
        a_space = space(world, join_policy=Space.JoinPolicy.OPEN)
        services.membership_join(user=world.people["member"], space=a_space)
    services.membership_join(user=world.people["carer"], space=a_space)
    client.force_login(world.people["member"])
    page = _text(client.get(_url(a_space, "members/")))
    carer_card = page.split(world.people["carer"].handle, 1)[1].split("</li>", 1)[0]
    member_card = page.split(f">{world.people['member'].handle}", 1)[1].split("</li>", 1)[0]
    assert ">New<" in carer_card and ">New<" not in member_card


def test_the_hosts_admin_reading_the_members_list_is_audited(client, world, circle):
    client.force_login(world.people["admin"])
    assert client.get(_url(circle, "members/")).status_code == 200
    event = AuditEvent.objects.filter(actor=world.people["admin"], object_id=str(circle.pk)).latest("seq")
    assert event.details["purpose"] == "members"


def test_members_page_queries_do_not_grow_with_members(client, world, circle, django_assert_max_num_queries):
    client.force_login(world.people["coordinator"])
    members(circle, 3)
    with django_assert_max_num_queries(30) as few:
        client.get(_url(circle, "members/"))
    members(circle, 15, prefix="more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_url(circle, "members/"))
    assert "more-14" in _text(page)


# --- The member's own card and preferences -------------------------------------------------------------------------


def test_the_intro_card_page_says_who_sees_it_and_saves(client, world, circle):
    client.force_login(world.people["member"])
    page = _text(client.get(_url(circle, "intro-card/")))
    assert "the members of Fibromyalgia Tuesday Circle only" in page and CARD_TEXT in page
    response = client.post(
        _url(circle, "intro-card/"),
        {"lived_with": "new", "hoping_for": "Others' tips", "can_offer": "", "avoid_topics": "Weight"},
        follow=True,
    )
    assert "Your intro card is saved" in _text(response)
    card = IntroCard.objects.get(membership__user=world.people["member"])
    assert (card.lived_with, card.hoping_for, card.avoid_topics) == ("new", "Others' tips", "Weight")


def test_an_intro_card_over_the_limit_is_refused_on_the_form(client, world, circle):
    client.force_login(world.people["member"])
    response = client.post(_url(circle, "intro-card/"), {"lived_with": "", "hoping_for": "x" * 301})
    assert response.status_code == 400 and "at most 300 characters" in _text(response)
    assert IntroCard.objects.get(membership__user=world.people["member"]).hoping_for == CARD_TEXT


def test_preferences_save_in_plain_words(client, world, circle):
    client.force_login(world.people["member"])
    page = _text(client.get(_url(circle, "preferences/")))
    assert "E-mail me the day before each meeting" in page and "a peer supporter may get in touch" in page
    client.post(
        _url(circle, "preferences/"),
        {"remind_hour_before": "on", "peer_check_in_ok": "on", "timezone": "America/New_York"},
    )
    membership = Membership.objects.get(space=circle, user=world.people["member"])
    assert not membership.remind_day_before and membership.remind_hour_before and membership.peer_check_in_ok
    assert membership.timezone == "America/New_York"
    # Meeting times are then also shown in the member's own zone.
    assert "in America/New_York" in _text(client.get(_url(circle)))
    refused = client.post(_url(circle, "preferences/"), {"timezone": "Mars/Olympus"})
    assert refused.status_code == 400


# --- Hosting a space and its settings ------------------------------------------------------------------------------


def test_a_coordinator_hosts_a_listing_as_a_space(client, world, circle):
    listing = vetted(world, "Long COVID Thursday Group", conditions=("long covid",))
    client.force_login(world.people["coordinator"])
    page = _text(client.get("/spaces/new/"))
    assert "Long COVID Thursday Group" in page
    assert "Fibromyalgia Tuesday Circle (" not in page  # already hosted: not offered again

    refused = client.post("/spaces/new/", {"listing": str(listing.pk), "name": "", "join_policy": "open"})
    assert refused.status_code == 400 and not Space.objects.filter(listing=listing).exists()

    response = client.post(
        "/spaces/new/",
        {
            "listing": str(listing.pk),
            "name": "Long COVID Thursdays",
            "about": "Pacing and work.",
            "join_policy": "request",
            "is_public": "on",
            "timezone": "Europe/London",
        },
    )
    created = Space.objects.get(listing=listing)
    assert response.status_code == 302 and response["Location"] == _url(created)
    assert Membership.objects.get(space=created, user=world.people["coordinator"]).role == "organiser"


def test_a_coordinator_elsewhere_cannot_host_another_organisations_listing(client, world):
    listing = vetted(world, "Long COVID Thursday Group", conditions=("long covid",))
    client.force_login(world.people["outsider"])
    assert "Long COVID Thursday Group" not in _text(client.get("/spaces/new/"))
    response = client.post(
        "/spaces/new/",
        {"listing": str(listing.pk), "name": "Mine now", "join_policy": "open", "timezone": "Europe/London"},
    )
    assert response.status_code == 400 and not Space.objects.filter(listing=listing).exists()


def test_settings_save_and_refuse_bad_input(client, world, circle):
    client.force_login(world.people["coordinator"])
    data = {"name": "Tuesday Circle", "about": "", "join_policy": "request", "timezone": "Europe/Dublin"}
    client.post(_url(circle, "settings/"), data)
    circle.refresh_from_db()
    assert (circle.name, circle.join_policy, circle.is_public, circle.timezone) == (
        "Tuesday Circle",
        "request",
        False,
        "Europe/Dublin",
    )
    refused = client.post(_url(circle, "settings/"), {**data, "name": "   "})
    assert refused.status_code == 400
    circle.refresh_from_db()
    assert circle.name == "Tuesday Circle"


# --- The list of groups, the directory and the navigation ----------------------------------------------------------


def test_the_list_shows_my_groups_and_public_groups_with_their_next_meeting(client, world, circle):
    client.force_login(world.people["member"])
    page = _text(client.get("/spaces/"))
    assert "Your groups" in page and "Groups hosted on PeerPath" in page
    assert page.count("Fibromyalgia Tuesday Circle") == 2
    assert "Next meeting:" in page and "Tuesday" in page
    assert "Host a space" not in page
    client.force_login(world.people["coordinator"])
    assert "Host a space" in _text(client.get("/spaces/"))


def test_the_list_of_groups_queries_do_not_grow_with_spaces(client, world, circle, django_assert_max_num_queries):
    services.membership_join(user=world.people["member"], space=space(world, "Second Group"))
    client.force_login(world.people["member"])
    with django_assert_max_num_queries(30) as few:
        client.get("/spaces/")
    for index in range(6):
        a_space = space(world, f"Group {index}")
        services.membership_join(user=world.people["member"], space=a_space)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/spaces/")
    assert "Group 5" in _text(page)


def test_a_delisted_space_leaves_the_public_list(client, world, circle):
    directory_services.listing_delist(actor=world.people["coordinator"], listing=circle.listing, reason="Re-review")
    assert "Fibromyalgia Tuesday Circle" not in _text(client.get("/spaces/"))


def test_the_directory_listing_says_it_is_hosted_on_peerpath(client, world, circle):
    page = _text(client.get(f"/directory/{circle.listing_id}/"))
    assert "Hosted on PeerPath" in page and _url(circle) in page
    other = vetted(world, "Elsewhere Group", conditions=("fibromyalgia",))
    assert "Hosted on PeerPath" not in _text(client.get(f"/directory/{other.pk}/"))


def test_signed_in_people_find_my_groups_in_the_navigation(client, world):
    assert "My groups" not in _text(client.get("/"))
    client.force_login(world.people["carer"])
    assert 'href="/spaces/"' in _text(client.get("/"))


# --- Accessibility (axe-core in the machine's Chromium) -------------------------------------------------------------

# (who looks, path): the organiser is the coordinator persona, a staff member who signs in with a code.
AXE_PAGES = [
    ("anonymous", "/spaces/"),
    ("member", "/spaces/"),
    ("anonymous", "/spaces/{space}/"),
    ("member", "/spaces/{space}/"),
    ("peer_supporter", "/spaces/{request_space}/join/"),
    ("carer", "/spaces/{request_space}/"),
    ("coordinator", "/spaces/{request_space}/members/"),
    ("member", "/spaces/{space}/leave/"),
    ("member", "/spaces/{space}/members/"),
    ("coordinator", "/spaces/{space}/members/"),
    ("member", "/spaces/{space}/intro-card/"),
    ("member", "/spaces/{space}/preferences/"),
    ("coordinator", "/spaces/{space}/settings/"),
    ("coordinator", "/spaces/new/"),
    ("anonymous", "/directory/{listing}/"),
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("persona", "path"), AXE_PAGES)
def test_space_pages_have_no_serious_accessibility_violations(axe_page, persona, path):
    from peerpath.testing.browser import axe_violations, describe, sign_in, staff_sign_in
    from peerpath.testing.personas import PERSONA_PASSWORD, STAFF_PERSONAS, make_world

    world = make_world()
    a_space, _schedule = weekly_space(world)
    services.intro_card_save(
        user=world.people["member"], space=a_space, data=IntroCardData(lived_with="new", hoping_for=CARD_TEXT)
    )
    request_space = space(world, "Carers Circle", join_policy=Space.JoinPolicy.REQUEST)
    services.membership_join(user=world.people["carer"], space=request_space, reason="I care for my son.")
    vetted(world, "Long COVID Thursday Group", conditions=("long covid",))  # something to host
    if persona in STAFF_PERSONAS:
        staff_sign_in(axe_page, world.people[persona])
    elif persona != "anonymous":
        sign_in(axe_page, world.people[persona].email, PERSONA_PASSWORD)
    url = path.format(space=a_space.pk, request_space=request_space.pk, listing=a_space.listing_id)
    axe_page.goto(url)
    assert axe_page.locator("h1").count() == 1
    violations = axe_violations(axe_page)
    assert not violations, f"{url} as {persona}:\n{describe(violations)}"


def test_a_person_invited_to_a_space_whose_listing_is_under_review_can_open_it_to_decide(client, world, circle):
    from peerpath.directory.models import Listing

    carer = world.people["carer"]
    Listing.objects.filter(pk=circle.listing_id).update(status=Listing.Status.IN_REVIEW)
    client.force_login(carer)
    assert client.get(_url(circle)).status_code == 404
    services.membership_invite(actor=world.people["coordinator"], space=circle, user=carer)
    page = client.get(_url(circle))
    assert page.status_code == 200 and "Accept" in _text(page)
    assert client.get(_url(circle, "members/")).status_code == 404  # members' pages wait for the answer
