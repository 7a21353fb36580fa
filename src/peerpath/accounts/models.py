"""People, organisations and the roles that join them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from peerpath.accounts.roles import Role
from peerpath.core.models import BaseModel

handle_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,29}$",
    _("A handle is 3 to 30 letters, digits, dots, dashes or underscores, starting with a letter or digit."),
)


class Organisation(BaseModel):
    class Kind(models.TextChoices):
        CLINIC = "clinic", _("Clinic")
        HEALTH_SYSTEM = "health_system", _("Health system")
        CHARITY = "charity", _("Charity")
        SOCIETY = "society", _("Society")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=2, default="GB", help_text=_("ISO 3166-1 alpha-2"))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person. Peers see only the handle; the legal name is for their clinic and staff, unless they choose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    legal_name = models.CharField(_("full name"), max_length=150, blank=True)
    handle = models.CharField(_("handle"), max_length=30, validators=[handle_validator])
    show_legal_name_to_peers = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by "sign out everywhere": part of the session hash, so every session of the person ends at once.
    session_epoch = models.PositiveIntegerField(default=0)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["handle"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("handle"), name="accounts_user_handle_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.handle

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "peerpath.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def public_name(self) -> str:
        """What peers see: the handle, or the legal name only when the person chose to show it."""
        if self.show_legal_name_to_peers and self.legal_name:
            return self.legal_name
        return self.handle


class RoleAssignment(BaseModel):
    """One role of one person in one organisation; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="accounts_role_unique"),
        ]
        ordering = ["organisation__name", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation}"


class DeletionRequest(BaseModel):
    """A person's request to erase their account; processed by `peerpath accounts erase-requested`."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="deletion_request")
    reason = models.TextField(blank=True, max_length=2000)
    processed_at = models.DateTimeField(null=True, blank=True)
