"""The roles a person holds in an organisation, and which of them are staff (SECURITY.md MFA and Sessions)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    CARER = "carer", _("Carer")
    PEER_SUPPORTER = "peer_supporter", _("Peer supporter")
    MODERATOR = "moderator", _("Moderator")
    CLINICIAN = "clinician", _("Clinician")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMIN = "admin", _("Admin")


# SECURITY.md MFA row: TOTP required for these before any staff page; they also get the staff session limits.
# Peer supporters see patient data (their caseload), so they are staff too (issue 16 point 2).
STAFF_ROLES: frozenset[str] = frozenset(
    {Role.PEER_SUPPORTER, Role.MODERATOR, Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN}
)
# Who may see an organisation's staff list and audit log, and grant roles in it.
ORG_MANAGER_ROLES: frozenset[str] = frozenset({Role.COORDINATOR, Role.ADMIN})
# Who keeps an organisation's patient records and sees its prescriptions (issue 4).
CLINICAL_STAFF_ROLES: frozenset[str] = frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN})
# Roles shown on the organisation's staff list (people who work or volunteer for it).
TEAM_ROLES: frozenset[str] = frozenset(STAFF_ROLES | {Role.PEER_SUPPORTER})
