"""The curated misinformation list (issue 6 point 8): coordinators and admins of any organisation keep it at
/moderation/claims/; everyone else gets a 404. Changes are validated and audited, and screening reads them at once.
The shipped starting list loads with `peerpath moderation load-claims`, idempotently."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from peerpath.audit.models import AuditEvent
from peerpath.directory.models import Condition
from peerpath.moderation import claims
from peerpath.moderation.models import Category, MisinformationClaim
from peerpath.moderation.selectors import claim_rules
from peerpath.screening.core import DECIDING_CONFIDENCE, Context, screen
from peerpath.testing.matrix import LOGIN, ORG_MANAGERS_ONLY, check_matrix
from peerpath.testing.personas import World

# The list is shared by every organisation: coordinators and admins of any of them keep it, the outsider too.
CLAIM_EDITORS: dict[str, int | str] = {**ORG_MANAGERS_ONLY, "outsider": 200}


def a_claim(**fields: Any) -> MisinformationClaim:
    values: dict[str, Any] = {
        "condition": Condition.objects.get(slug="diabetes"),
        "claim": "Cinnamon cures diabetes",
        "phrases": ["cinnamon cures diabetes"],
        "correction": "There is no good evidence that cinnamon treats diabetes.",
        "source_url": "https://www.diabetes.org.uk/",
        **fields,
    }
    return MisinformationClaim.objects.create(**values)


def form(**fields: str) -> dict[str, str]:
    return {
        "claim": "Insulin is poison",
        "condition": "diabetes",
        "phrases": "Insulin is poison\ninsulin is toxic\n\ninsulin is poison",
        "correction": "Insulin is a hormone people with type 1 diabetes need to live.",
        "source_url": "https://www.nhs.uk/conditions/type-1-diabetes/",
        "source_title": "NHS: Type 1 diabetes",
        **fields,
    }


# --- Who may see the pages -----------------------------------------------------------------------------------------


def test_claim_list_permission_matrix(client: Client, world: World) -> None:
    check_matrix(client, world, url=reverse("claim_list"), expect=CLAIM_EDITORS)


def test_claim_create_permission_matrix(client: Client, world: World) -> None:
    check_matrix(client, world, url=reverse("claim_create"), expect=CLAIM_EDITORS)


def test_claim_edit_permission_matrix(client: Client, world: World) -> None:
    claim = a_claim()
    check_matrix(client, world, url=reverse("claim_edit", kwargs={"claim_id": claim.pk}), expect=CLAIM_EDITORS)


def test_changing_a_claim_permission_matrix(client: Client, world: World) -> None:
    """POSTs answer the same way: only editors reach the form (a valid change redirects back to the claim)."""
    claim = a_claim()
    expect = {persona: (302 if outcome == 200 else outcome) for persona, outcome in CLAIM_EDITORS.items()}
    url = reverse("claim_edit", kwargs={"claim_id": claim.pk})
    check_matrix(client, world, url=url, method="post", data={"action": "deactivate"}, expect=expect)
    create = reverse("claim_create")
    check_matrix(client, world, url=create, method="post", data=form(claim="x"), expect={**expect, "anonymous": LOGIN})


def test_a_claim_that_does_not_exist_is_a_404_like_a_forbidden_one(client: Client, world: World) -> None:
    client.force_login(world.people["coordinator"])
    assert client.get("/moderation/claims/00000000-0000-0000-0000-000000000000/").status_code == 404
    client.force_login(world.people["member"])
    assert client.get(reverse("claim_edit", kwargs={"claim_id": a_claim().pk})).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="moderation.misinformationclaim").exists()


# --- The list ------------------------------------------------------------------------------------------------------


def test_the_list_filters_by_condition(client: Client, world: World) -> None:
    a_claim()
    a_claim(condition=Condition.objects.get(slug="copd"), claim="Oxygen is addictive", phrases=["oxygen is addictive"])
    client.force_login(world.people["coordinator"])
    everything = client.get(reverse("claim_list")).content.decode()
    assert "Cinnamon cures diabetes" in everything and "Oxygen is addictive" in everything
    copd = client.get(reverse("claim_list"), {"condition": "copd"}).content.decode()
    assert "Oxygen is addictive" in copd and "Cinnamon cures diabetes" not in copd


def test_an_unknown_condition_in_the_filter_is_a_clear_message(client: Client, world: World) -> None:
    client.force_login(world.people["coordinator"])
    response = client.get(reverse("claim_list"), {"condition": "no-such-thing"})
    assert response.status_code == 400
    assert "Choose a condition from the list." in response.content.decode()


def test_the_list_makes_a_fixed_number_of_queries(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.people["admin"])
    a_claim()
    client.get(reverse("claim_list"))  # warm the session and the persona's role cache
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("claim_list"))
    for index in range(20):
        a_claim(claim=f"Claim number {index}", phrases=[f"phrase number {index}"], updated_by=world.people["admin"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("claim_list"))
    assert "Claim number 19" in response.content.decode()


# --- Adding and editing --------------------------------------------------------------------------------------------


def test_a_coordinator_adds_a_claim_and_screening_looks_for_it_at_once(client: Client, world: World) -> None:
    client.force_login(world.people["coordinator"])
    response = client.post(reverse("claim_create"), form())
    claim = MisinformationClaim.objects.get(claim="Insulin is poison")
    assert response.status_code == 302
    assert response["Location"] == reverse("claim_edit", kwargs={"claim_id": claim.pk})
    assert claim.phrases == ["insulin is poison", "insulin is toxic"]  # lower-cased, blank and repeated lines dropped
    assert claim.active and claim.updated_by == world.people["coordinator"]
    event = AuditEvent.objects.get(action="moderation.claim_created", object_id=str(claim.pk))
    assert event.actor_id == world.people["coordinator"].pk

    result = screen(
        "Honestly insulin is toxic", Context(conditions=frozenset({"type-1-diabetes"}), claims=claim_rules())
    )
    [finding] = [f for f in result.findings if f.category == Category.MISINFORMATION]
    assert finding.confidence >= DECIDING_CONFIDENCE
    assert finding.detail["correction"] == claim.correction


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phrases": "x"}, "Each phrase must be 2 to 100 characters"),
        ({"phrases": "a" * 101}, "Each phrase must be 2 to 100 characters"),
        ({"phrases": "\n".join(f"phrase {n}" for n in range(21))}, "At most 20 phrases for one claim."),
        ({"phrases": "!!\n??"}, "Each phrase needs at least one word"),
        ({"phrases": ""}, "Give at least one phrase"),
        ({"source_url": "javascript:alert(1)"}, "Give the source as a web address starting https://."),
        ({"claim": "   "}, "Write the claim, as people put it."),
        ({"condition": "not-a-condition"}, "Choose a condition from the list."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(
    client: Client, world: World, fields: dict[str, str], message: str
) -> None:
    client.force_login(world.people["admin"])
    response = client.post(reverse("claim_create"), form(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MisinformationClaim.objects.exists()


def test_editing_a_claim_saves_it_and_records_old_and_new_values(client: Client, world: World) -> None:
    claim = a_claim()
    client.force_login(world.people["admin"])
    url = reverse("claim_edit", kwargs={"claim_id": claim.pk})
    assert "cinnamon cures diabetes" in client.get(url).content.decode()
    phrases = "cinnamon cures\ncinnamon instead of metformin"
    response = client.post(url, form(claim="Cinnamon cures diabetes", phrases=phrases, active="on"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.phrases == ["cinnamon cures", "cinnamon instead of metformin"]
    event = AuditEvent.objects.get(action="moderation.claim_updated", object_id=str(claim.pk))
    assert event.details["old_phrases"] == ["cinnamon cures diabetes"]
    assert "phrases" in event.details["changed"]


def test_deactivating_a_claim_stops_screening_and_keeps_the_row(client: Client, world: World) -> None:
    claim = a_claim()
    client.force_login(world.people["coordinator"])
    url = reverse("claim_edit", kwargs={"claim_id": claim.pk})
    assert client.post(url, {"action": "deactivate"}).status_code == 302
    claim.refresh_from_db()
    assert not claim.active
    assert claim_rules() == ()
    assert "Deactivated" in client.get(reverse("claim_list")).content.decode()
    assert AuditEvent.objects.filter(action="moderation.claim_deactivated", object_id=str(claim.pk)).exists()
    client.post(url, {"action": "activate"})
    claim.refresh_from_db()
    assert claim.active and len(claim_rules()) == 1


def test_the_services_refuse_people_who_may_not_edit(world: World) -> None:
    data = claims.ClaimData(claim="X is Y", phrases=["x is y"], correction="No.", source_url="https://www.nhs.uk/")
    from peerpath.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        claims.claim_create(actor=world.people["moderator"], data=data)
    assert not MisinformationClaim.objects.filter(claim="X is Y").exists()
    assert claims.claim_create(actor=world.people["outsider"], data=data).claim == "X is Y"


# --- The starting list ---------------------------------------------------------------------------------------------


def test_load_claims_loads_the_starting_list_once_and_keeps_edits(world: World) -> None:
    out = StringIO()
    call_command("moderation", "load-claims", stdout=out)
    loaded = MisinformationClaim.objects.count()
    assert loaded >= 15
    assert f"Loaded {loaded} claims" in out.getvalue()
    conditions = set(MisinformationClaim.objects.exclude(condition=None).values_list("condition__slug", flat=True))
    assert {"diabetes", "pots", "copd", "fibromyalgia", "liver-disease", "long-covid"} <= conditions
    assert all(
        claim.source_url.startswith("https://") and claim.correction for claim in MisinformationClaim.objects.all()
    )

    edited = MisinformationClaim.objects.get(claim="Insulin is poison")
    claims.claim_set_active(actor=world.people["admin"], claim=edited, active=False)
    again = StringIO()
    call_command("moderation", "load-claims", stdout=again)
    assert MisinformationClaim.objects.count() == loaded
    assert f"Loaded 0 claims; {loaded} were already there." in again.getvalue()
    edited.refresh_from_db()
    assert not edited.active  # the coordinator's choice survives a reload


def test_load_claims_names_a_missing_file_clearly(tmp_path: Any) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("moderation", "load-claims", str(tmp_path / "missing.json"))


# --- Accessibility -------------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/moderation/claims/", "/moderation/claims/new/", "/moderation/claims/{claim}/"])
def test_claims_pages_have_no_serious_accessibility_violations(axe_page: Any, path: str) -> None:
    from peerpath.directory.conditions import load_value_set
    from peerpath.testing.browser import axe_violations, describe, staff_sign_in
    from peerpath.testing.personas import make_world

    load_value_set()  # the live server's tests flush the tables the migration filled
    world = make_world()
    claim = a_claim()
    staff_sign_in(axe_page, world.people["coordinator"])
    axe_page.goto(path.format(claim=claim.pk))
    assert axe_page.locator("h1").count() == 1
    violations = axe_violations(axe_page)
    assert not violations, f"{path}:\n{describe(violations)}"
    if path.endswith("new/"):  # the form with its error summary, after a bad submission
        axe_page.get_by_role("button", name="Add the claim").click()
        axe_page.wait_for_selector(".nhsuk-error-summary")
        violations = axe_violations(axe_page)
        assert not violations, f"{path} with errors:\n{describe(violations)}"
