"""The organisation's staff list and role management: the first real gate."""

from __future__ import annotations

import contextlib

import pytest

from peerpath.accounts import services
from peerpath.accounts.access import access_managed_organisation, access_role_assignment
from peerpath.accounts.models import RoleAssignment
from peerpath.accounts.selectors import managed_organisations
from peerpath.audit.models import AuditEvent
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix
from peerpath.testing.personas import PERSONAS, make_user

pytestmark = pytest.mark.django_db

MANAGERS_ONLY = ORG_MANAGERS_ONLY


def test_permission_matrix_for_the_staff_list(client, world):
    check_matrix(client, world, url=lambda w: f"/organisations/{w.home.pk}/staff/", expect=MANAGERS_ONLY)


def test_the_outsider_sees_their_own_organisation_only(client, world):
    check_matrix(
        client,
        world,
        url=lambda w: f"/organisations/{w.other.pk}/staff/",
        expect={**{name: 404 for name in MANAGERS_ONLY}, "anonymous": LOGIN, "outsider": 200},
    )


def test_revoking_a_role_matrix(client, world):
    def url(w):
        assignment = RoleAssignment.objects.get(user=w["clinician"], organisation=w.home)
        return f"/roles/{assignment.pk}/revoke/"

    # Only a manager of the organisation reaches it; the matrix posts as everyone, the manager last revokes it.
    expect = {**MANAGERS_ONLY, "coordinator": 302, "admin": 404}
    check_matrix(client, world, url=url, method="post", expect=expect)
    assert not RoleAssignment.objects.filter(user=world["clinician"], organisation=world.home).exists()


def test_staff_list_shows_the_team_and_not_the_patients(client, world):
    client.force_login(world["coordinator"])
    team = client.get(f"/organisations/{world.home.pk}/staff/").context["team"]
    handles = {person.handle for person, _ in team}
    assert handles == {"peer-supporter", "moderator", "clinician", "coordinator", "admin"}


def test_staff_list_query_count_does_not_grow_with_the_team(client, world, django_assert_max_num_queries):
    client.force_login(world["coordinator"])
    url = f"/organisations/{world.home.pk}/staff/"
    client.get(url)
    for index in range(10):
        person = make_user(f"volunteer-{index}")
        services.role_grant(actor=None, user=person, organisation=world.home, role="peer_supporter")
    with django_assert_max_num_queries(25):
        client.get(url)


def test_coordinator_grants_a_role_by_email_and_it_is_audited(client, world):
    newcomer = make_user("newcomer")
    client.force_login(world["coordinator"])
    response = client.post(
        f"/organisations/{world.home.pk}/staff/", {"email": newcomer.email.upper(), "role": "peer_supporter"}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=newcomer, organisation=world.home, role="peer_supporter").exists()
    event = AuditEvent.objects.get(action="role.granted", actor=world["coordinator"])
    assert event.details == {"role": "peer_supporter", "old_roles": [], "new_roles": ["peer_supporter"]}
    assert event.organisation == world.home


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "nobody@example.org", "role": "member"}, "No one has an account"),
        ({"email": "clinician@example.org", "role": "clinician"}, "already holds"),
        ({"email": "clinician@example.org", "role": "admin"}, "Only an admin"),
        ({"email": "not-an-email", "role": "member"}, "valid email"),
        ({"email": "member@example.org", "role": "overlord"}, "Select a valid choice"),
    ],
)
def test_bad_role_grants_are_form_errors_and_change_nothing(client, world, data, message):
    client.force_login(world["coordinator"])
    before = RoleAssignment.objects.count()
    response = client.post(f"/organisations/{world.home.pk}/staff/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert RoleAssignment.objects.count() == before


def test_the_last_manager_cannot_remove_themselves(client, world):
    admin_role = RoleAssignment.objects.get(user=world["admin"], organisation=world.home)
    services.role_revoke(actor=None, assignment=admin_role)
    own = RoleAssignment.objects.get(user=world["coordinator"], organisation=world.home)
    client.force_login(world["coordinator"])
    response = client.post(f"/roles/{own.pk}/revoke/", follow=True)
    assert "last coordinator or admin" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


def test_role_services_refuse_people_who_do_not_manage(world):
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=world["clinician"], user=world["member"], organisation=world.home, role="carer")
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=world["outsider"], user=world["member"], organisation=world.home, role="carer")
    with pytest.raises(DomainError):
        services.role_grant(actor=None, user=world["member"], organisation=world.home, role="overlord")
    admin_role = RoleAssignment.objects.get(user=world["admin"], organisation=world.home)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=world["coordinator"], assignment=admin_role)


def test_a_removed_role_stops_access_on_the_next_request(client, world):
    client.force_login(world["coordinator"])
    url = f"/organisations/{world.home.pk}/staff/"
    assert client.get(url).status_code == 200
    services.role_revoke(actor=world["admin"], assignment=RoleAssignment.objects.get(user=world["coordinator"]))
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(action="role.revoked")
    assert event.details["old_roles"] == ["coordinator"] and event.details["new_roles"] == []


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_the_list_of_managed_organisations_agrees_with_the_gate(world, persona):
    from django.http import Http404

    user = world[persona]
    listed = set(managed_organisations(user))
    allowed = set()
    for organisation in (world.home, world.other):
        with contextlib.suppress(Http404):
            allowed.add(access_managed_organisation(user, organisation.pk))
    assert listed == allowed


def test_gates_answer_404_for_nonsense_ids(world):
    from django.http import Http404

    for bad in ("not-a-uuid", None, 42):
        with pytest.raises(Http404):
            access_managed_organisation(world["coordinator"], bad)
    with pytest.raises(Http404):
        access_role_assignment(world["outsider"], RoleAssignment.objects.filter(organisation=world.home).first().pk)
    assignment = RoleAssignment.objects.filter(organisation=world.home).first()
    assert access_role_assignment(world["coordinator"], str(assignment.pk)) == assignment


def test_organisation_short_names_are_unique(world):
    with pytest.raises(Conflict):
        services.organisation_create(name="Riverside Health", kind="clinic", slug="riverside")
    with pytest.raises(DomainError):
        services.organisation_create(name="Odd", kind="spaceship")
