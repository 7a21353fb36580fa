"""Every change to people, organisations and roles: one function per use case, atomic and audited."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpath.accounts.models import DeletionRequest, Organisation, RoleAssignment, User, handle_validator
from peerpath.accounts.roles import ORG_MANAGER_ROLES, Role
from peerpath.accounts.selectors import handle_taken, user_by_email
from peerpath.audit.services import record
from peerpath.core.errors import Conflict, DomainError, PermissionDenied
from peerpath.core.time import now


def _check_handle(handle: str, *, user: User | None = None) -> str:
    handle = handle.strip()
    try:
        handle_validator(handle)
    except Exception:
        raise DomainError(str(handle_validator.message), field="handle") from None
    if handle_taken(handle, exclude=user):
        raise DomainError("That handle is taken: choose another.", field="handle")
    return handle


@transaction.atomic
def user_create(
    *, email: str, password: str | None, handle: str, legal_name: str = "", email_verified: bool = False
) -> User:
    """Create an account directly (demo data, operators); sign-up through the site goes via allauth."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with that e-mail address exists.", field="email")
    handle = _check_handle(handle)
    user = User.objects.create_user(email=email, password=password, handle=handle, legal_name=legal_name.strip())
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    record(action="account.created", actor=None, target=user, details={"via": "operator"})
    return user


def user_signed_up(*, user: User) -> None:
    """Called once allauth has saved a new self-registered account."""
    record(action="account.created", actor=user, target=user, details={"via": "sign-up"})


@transaction.atomic
def profile_update(*, user: User, handle: str, legal_name: str, show_legal_name_to_peers: bool) -> User:
    handle = _check_handle(handle, user=user)
    changed = sorted(
        name
        for name, value in (
            ("handle", handle),
            ("legal_name", legal_name.strip()),
            ("show_legal_name_to_peers", show_legal_name_to_peers),
        )
        if getattr(user, name) != value
    )
    if not changed:
        return user
    user.handle = handle
    user.legal_name = legal_name.strip()
    user.show_legal_name_to_peers = show_legal_name_to_peers
    try:
        user.save(update_fields=["handle", "legal_name", "show_legal_name_to_peers"])
    except IntegrityError:
        raise DomainError("That handle is taken: choose another.", field="handle") from None
    # The fields that changed, not their values: a name is personal data.
    record(action="account.profile_changed", actor=user, target=user, details={"fields": changed})
    return user


@transaction.atomic
def sessions_end_everywhere(*, user: User) -> None:
    """Ends every session of the person, on every device, this one included."""
    User.objects.filter(pk=user.pk).update(session_epoch=user.session_epoch + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record(action="account.signed_out_everywhere", actor=user, target=user)


@transaction.atomic
def deletion_request_create(*, user: User, reason: str = "") -> DeletionRequest:
    existing = DeletionRequest.objects.filter(user=user).first()
    if existing is not None:
        raise Conflict("You have already asked for your account to be deleted.")
    request = DeletionRequest.objects.create(user=user, reason=reason.strip()[:2000])
    record(action="account.deletion_requested", actor=user, target=user)
    return request


@transaction.atomic
def account_erase(*, actor: User | None, user: User) -> User:
    """Erase a person's identifying data; the row stays so the audit trail keeps its references."""
    if not user.is_active and user.email.endswith("@erased.invalid"):
        raise Conflict("This account has already been erased.")
    user.email = f"erased-{user.pk}@erased.invalid"
    user.legal_name = ""
    user.handle = f"erased-{str(user.pk)[:8]}"
    user.show_legal_name_to_peers = False
    user.is_active = False
    user.set_unusable_password()
    user.session_epoch += 1
    user.save(update_fields=["email", "legal_name", "handle", "show_legal_name_to_peers", "is_active",
                             "password", "session_epoch"])  # fmt: skip
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    RoleAssignment.objects.filter(user=user).delete()
    DeletionRequest.objects.filter(user=user, processed_at__isnull=True).update(processed_at=now(), reason="")
    record(action="account.erased", actor=actor, target=user)
    return user


@transaction.atomic
def organisation_create(*, name: str, kind: str, country: str = "GB", slug: str = "") -> Organisation:
    if kind not in Organisation.Kind.values:
        raise DomainError(f"Unknown kind of organisation: {kind}.", field="kind")
    slug = slug or slugify(name)[:80]
    if Organisation.objects.filter(slug=slug).exists():
        raise Conflict("An organisation with that short name exists.", field="slug")
    organisation = Organisation.objects.create(name=name.strip(), kind=kind, country=country.upper(), slug=slug)
    record(action="organisation.created", organisation=organisation, target=organisation)
    return organisation


def _check_may_manage_roles(actor: User | None, organisation: Organisation, role: str) -> None:
    if actor is None:  # the system itself: demo data, operator commands
        return
    held = set(RoleAssignment.objects.filter(user=actor, organisation=organisation).values_list("role", flat=True))
    if not ORG_MANAGER_ROLES.intersection(held):
        raise PermissionDenied("Only the organisation's coordinators and admins manage roles.")
    if role == Role.ADMIN and Role.ADMIN not in held:
        raise PermissionDenied("Only an admin can grant or remove the admin role.")


@transaction.atomic
def role_grant(*, actor: User | None, user: User, organisation: Organisation, role: str) -> RoleAssignment:
    if role not in Role.values:
        raise DomainError(f"Unknown role: {role}.", field="role")
    _check_may_manage_roles(actor, organisation, role)
    if RoleAssignment.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise Conflict(f"{user.handle} already holds the role {Role(role).label} here.", field="role")
    assignment = RoleAssignment.objects.create(user=user, organisation=organisation, role=role, granted_by=actor)
    _forget_roles(user)
    record(
        action="role.granted",
        actor=actor,
        organisation=organisation,
        target=user,
        details={"role": role, "old_roles": sorted(_org_roles(user, organisation) - {role}),
                 "new_roles": sorted(_org_roles(user, organisation))},
    )  # fmt: skip
    return assignment


def role_grant_by_email(*, actor: User | None, email: str, organisation: Organisation, role: str) -> RoleAssignment:
    """Grant a role to the person with this e-mail address; they must already have an account."""
    person = user_by_email(email)
    if person is None:
        raise DomainError(_("No one has an account with that e-mail address yet."), field="email")
    return role_grant(actor=actor, user=person, organisation=organisation, role=role)


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> None:
    organisation, user, role = assignment.organisation, assignment.user, assignment.role
    _check_may_manage_roles(actor, organisation, role)
    if actor is not None and actor.pk == user.pk and role in ORG_MANAGER_ROLES:
        others = RoleAssignment.objects.filter(organisation=organisation, role__in=ORG_MANAGER_ROLES).exclude(user=user)
        if not others.exists():
            raise DomainError(
                "You are the organisation's last coordinator or admin: grant the role to someone else first."
            )
    old_roles = sorted(_org_roles(user, organisation))
    assignment.delete()
    _forget_roles(user)
    record(
        action="role.revoked",
        actor=actor,
        organisation=organisation,
        target=user,
        details={"role": role, "old_roles": old_roles, "new_roles": sorted(_org_roles(user, organisation))},
    )


def _org_roles(user: User, organisation: Organisation) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user, organisation=organisation).values_list("role", flat=True))


def _forget_roles(user: Any) -> None:
    if hasattr(user, "_peerpath_roles"):
        del user._peerpath_roles


@transaction.atomic
def mfa_enrol_totp(*, user: User, secret: str) -> None:
    """Give a person a TOTP authenticator with a known secret (demo data and operators; people use the MFA pages)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise Conflict("This person already has an authenticator app set up.")
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    record(action="mfa.added", actor=None, target=user, details={"type": "totp", "via": "operator"})
