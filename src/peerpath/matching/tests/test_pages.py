"""The matching pages (issue 17): who reaches which page, saving a profile with and without agreeing to be matched,
bad input shown on the form with nothing saved, withdrawing, and the coordinator's audited view of the pool."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.directory.tests.helpers import condition
from peerpath.matching.models import MatchProfile
from peerpath.matching.pool import load_pool
from peerpath.matching.tests.helpers import buddy_programme, profile
from peerpath.programmes.tests.helpers import programme, supporter
from peerpath.testing.matrix import LOGIN, check_matrix

pytestmark = pytest.mark.django_db

NOBODY_ELSE = {"moderator": 404, "clinician": 404, "coordinator": 404, "admin": 404, "outsider": 404}
MANAGERS = {"anonymous": LOGIN, "member": 404, "carer": 404, "peer_supporter": 404, "moderator": 404,
            "clinician": 404, "coordinator": 200, "admin": 200, "outsider": 404}  # fmt: skip


@pytest.fixture
def scheme(world):
    buddies = buddy_programme(world)
    supporter(world, buddies)
    return buddies


def _form(**overrides):
    values = {"languages": ["en"], "formats": ["text", "phone"], "timezone": "Europe/London",
              "availability": ["weekend_morning"], "goals": ["emotional"], "about": "Two years on dialysis.",
              "consent": "on"}  # fmt: skip
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def test_everyone_signed_in_sees_the_programmes_they_can_join(client, world, scheme):
    expect = dict.fromkeys(("member", "carer", "peer_supporter", "moderator", "clinician", "coordinator", "admin",
                            "outsider"), 200)  # fmt: skip
    check_matrix(client, world, url=reverse("matching_home"), expect={"anonymous": LOGIN, **expect})
    client.force_login(world.people["member"])
    assert "Diabetes buddies" in client.get(reverse("matching_home")).content.decode()
    client.force_login(world.people["outsider"])
    assert "Diabetes buddies" not in client.get(reverse("matching_home")).content.decode()


def test_the_profile_page_is_for_members_and_the_programmes_supporters(client, world, scheme):
    url = reverse("matching_profile", kwargs={"programme_id": scheme.pk})
    check_matrix(client, world, url=url, expect={
        "anonymous": LOGIN, "member": 200, "carer": 200, "peer_supporter": 200, **NOBODY_ELSE,
    })  # fmt: skip
    withdraw = reverse("matching_withdraw", kwargs={"programme_id": scheme.pk})
    check_matrix(client, world, url=withdraw, method="post", expect={
        "anonymous": LOGIN, "member": 302, "carer": 302, "peer_supporter": 302, **NOBODY_ELSE,
    })  # fmt: skip
    assert AuditEvent.objects.filter(action="access.denied", actor=world.people["outsider"]).exists()


def test_a_programme_without_buddies_has_no_matching(client, world):
    coaching = programme(world, "Coaching only", support_kinds=["one_to_one"])
    client.force_login(world.people["member"])
    assert client.get(reverse("matching_profile", kwargs={"programme_id": coaching.pk})).status_code == 404
    client.force_login(world.people["coordinator"])
    assert client.get(reverse("matching_pool", kwargs={"programme_id": coaching.pk})).status_code == 404


def test_each_field_says_who_sees_it_and_consent_is_its_own_box(client, world, scheme):
    client.force_login(world.people["member"])
    page = client.get(reverse("matching_profile", kwargs={"programme_id": scheme.pk})).content.decode()
    assert "Your buddy sees this after you both accept." in page
    assert "Only the coordinator and the matcher see this." in page
    assert "Nobody sees this: it is used only to honour your preference." in page
    assert 'name="consent"' in page and "This is separate from anything else you agreed to." in page
    assert "<legend" in page and "Languages you can talk in" in page


def test_a_member_saves_their_profile_and_joins_the_pool_when_they_agree(client, world, scheme):
    diabetes = condition("Type 1 diabetes")
    scheme.conditions.add(diabetes)
    client.force_login(world.people["member"])
    url = reverse("matching_profile", kwargs={"programme_id": scheme.pk})
    response = client.post(url, _form(consent=None, condition_1=str(diabetes.pk), stages_1=["newly_diagnosed"],
                                      other_languages="pl, pt-BR"))  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    saved = MatchProfile.objects.get(user=world.people["member"])
    assert saved.languages == ["en", "pl", "pt-BR"] and not saved.consented
    assert saved.conditions.get().stages == ["newly_diagnosed"]
    assert load_pool(scheme) == ([], [])
    assert "You are not in the matching pool until you agree" in client.get(url).content.decode()
    client.post(url, _form(condition_1=str(diabetes.pk), stages_1=["newly_diagnosed"]))
    (mentee,), _mentors = load_pool(scheme)
    assert mentee.id == saved.pk and mentee.conditions == {diabetes.slug: frozenset({"newly_diagnosed"})}
    page = client.get(url).content.decode()
    assert "you are in the matching pool" in page and 'name="consent"' not in page


BAD_FORMS = [
    ({"languages": None}, "Choose at least one language you can talk in."),
    ({"formats": None}, "Choose at least one."),
    ({"max_km": "12"}, "A distance is only for meeting in person"),
    ({"timezone": "Mars/Olympus_Mons"}, "Select a valid choice."),
    ({"goals": ["world_peace"]}, "Select a valid choice."),
    ({"other_languages": "Klingon!"}, "Give languages as codes"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_FORMS)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, world, scheme, overrides, message):
    client.force_login(world.people["member"])
    response = client.post(reverse("matching_profile", kwargs={"programme_id": scheme.pk}), _form(**overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not MatchProfile.objects.exists()


def test_a_supporter_offers_to_be_a_mentor(client, world, scheme):
    client.force_login(world.people["peer_supporter"])
    url = reverse("matching_profile", kwargs={"programme_id": scheme.pk})
    page = client.get(url).content.decode()
    assert "Your mentor profile" in page and "What you can help a buddy with" in page
    assert client.post(url, _form()).status_code == 302
    _mentees, (offered,) = load_pool(scheme)
    assert offered.capacity == 15 and MatchProfile.objects.get().role == "mentor"


def test_withdrawing_from_the_page_leaves_the_pool_at_once(client, world, scheme):
    saved = profile(world.people["member"], scheme)
    client.force_login(world.people["member"])
    url = reverse("matching_profile", kwargs={"programme_id": scheme.pk})
    assert "Withdraw my agreement to be matched" in client.get(url).content.decode()
    response = client.post(reverse("matching_withdraw", kwargs={"programme_id": scheme.pk}))
    assert response.status_code == 302 and load_pool(scheme) == ([], [])
    saved.refresh_from_db()
    assert saved.consent_withdrawn_at is not None
    assert "You have left the matching pool." in client.get(url).content.decode()


def test_the_pool_page_is_for_the_programmes_managers_and_its_reads_are_audited(client, world, scheme):
    profile(world.people["member"], scheme)
    profile(world.people["carer"], scheme, consent=False)
    profile(world.people["peer_supporter"], scheme, role="mentor")
    url = reverse("matching_pool", kwargs={"programme_id": scheme.pk})
    check_matrix(client, world, url=url, expect=MANAGERS)
    client.force_login(world.people["coordinator"])
    page = client.get(url).content.decode()
    assert "1 person looking for a buddy" in page and "1 mentor" in page
    assert world.people["member"].handle in page and world.people["peer_supporter"].handle in page
    assert world.people["carer"].handle not in page  # saved a profile, did not agree to be matched
    viewed = AuditEvent.objects.filter(action="matching.pool_viewed", actor=world.people["coordinator"]).last()
    assert viewed is not None and viewed.details["mentees"] == 1 and viewed.details["mentors"] == 1


def test_a_coordinator_approves_a_mentor_for_young_people_from_the_pool(client, world, scheme):
    offered = profile(world.people["peer_supporter"], scheme, role="mentor")
    url = reverse("matching_approve", kwargs={"programme_id": scheme.pk, "profile_id": offered.pk})
    check_matrix(client, world, url=url, method="post", data={"approved": "on"}, expect={
        **MANAGERS, "coordinator": 302, "admin": 302,
    })  # fmt: skip
    offered.refresh_from_db()
    assert (
        offered.approved_for_adolescents and offered.approved_by == world.people["coordinator"]
    )  # the first to approve
    client.force_login(world.people["coordinator"])
    client.post(url, {})
    offered.refresh_from_db()
    assert not offered.approved_for_adolescents
    assert AuditEvent.objects.filter(action="matchprofile.viewed", actor=world.people["coordinator"]).exists()
    mentee = profile(world.people["member"], scheme)
    mentee_url = reverse("matching_approve", kwargs={"programme_id": scheme.pk, "profile_id": mentee.pk})
    assert client.post(mentee_url, {"approved": "on"}).status_code == 404
