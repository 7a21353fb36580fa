"""A Moderation link in the main menu for everyone who moderates (issue 15 point 9): coordinators and admins to their
organisation's queue, space organisers and moderators and the host's moderators to /my/moderation/, the list of
their spaces' queues; never for members. The menu costs one query, and the list a fixed number however many spaces."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpath.forum import services
from peerpath.forum.tests.helpers import forum_space, thread
from peerpath.forum.tests.safety import CRISIS_TEXT, fake_screening  # noqa: F401 (fixture)
from peerpath.spaces.models import Membership
from peerpath.spaces.tests.helpers import join
from peerpath.testing.matrix import LOGIN, check_matrix
from peerpath.testing.personas import make_user

pytestmark = pytest.mark.django_db

MY_QUEUES = 'href="/my/moderation/"'


def _menu(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_moderators_and_coordinators_have_a_moderation_link_members_do_not(world, client):
    space = forum_space(world)
    organiser_of_space = make_user("space-moderator")
    join(organiser_of_space, space, role=Membership.Role.MODERATOR, organiser=world.people["coordinator"])
    org_queue = f'href="{reverse("organisation_queue", kwargs={"organisation_id": world.home.pk})}"'
    for name in ("coordinator", "admin"):
        html = _menu(client, world.people[name])
        assert org_queue in html and MY_QUEUES not in html, name
    for person in (world.people["moderator"], organiser_of_space):
        html = _menu(client, person)
        assert MY_QUEUES in html and ">Moderation</a>" in html, person.handle
    for name in ("member", "carer", "clinician", "peer_supporter"):
        html = _menu(client, world.people[name])
        assert MY_QUEUES not in html and "Moderation" not in html, name
    client.logout()
    assert MY_QUEUES not in client.get(reverse("home")).content.decode()


@pytest.mark.usefixtures("fake_screening")
def test_my_moderation_lists_the_queues_of_the_spaces_a_person_moderates(world, client):
    space = forum_space(world)
    services.thread_create(author=world.people["member"], space=space, title="Tonight", body=CRISIS_TEXT)
    client.force_login(world.people["moderator"])
    html = client.get(reverse("my_moderation")).content.decode()
    assert reverse("moderation_queue", kwargs={"space_id": space.pk}) in html
    assert "1 crisis post waiting" in html and "1 item waiting" in html
    client.force_login(world.people["member"])
    html = client.get(reverse("my_moderation")).content.decode()
    assert "You do not moderate any space." in html
    assert reverse("moderation_queue", kwargs={"space_id": space.pk}) not in html


def test_my_moderation_needs_signing_in(world, client):
    check_matrix(client, world, url=reverse("my_moderation"), expect={
        "anonymous": LOGIN, "member": 200, "carer": 200, "peer_supporter": 200, "moderator": 200, "clinician": 200,
        "coordinator": 200, "admin": 200, "outsider": 200,
    })  # fmt: skip


def test_the_list_and_the_menu_cost_the_same_however_many_spaces(world, client):
    first = forum_space(world)
    thread(world.people["member"], first)
    client.force_login(world.people["moderator"])
    url = reverse("my_moderation")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for index in range(3):
        forum_space(world, name=f"Another group {index}")
    with CaptureQueriesContext(connection) as four:
        html = client.get(url).content.decode()
    assert html.count("Review queue of") == 4
    assert len(four) == len(one)
