"""Forms for accounts: the extra sign-up fields, profile, deletion and role management."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.accounts.models import handle_validator
from peerpath.accounts.roles import Role
from peerpath.accounts.selectors import handle_taken


class SignupDetailsForm(forms.Form):
    """Added to allauth's sign-up form: the public handle peers will see, and an optional legal name."""

    handle = forms.CharField(
        label=_("Handle"),
        max_length=30,
        validators=[handle_validator],
        help_text=_("The name other members see. Do not use your real name unless you want to."),
    )
    legal_name = forms.CharField(
        label=_("Full name (optional)"),
        max_length=150,
        required=False,
        help_text=_("Only your clinic and the organisations you join see this, never other members."),
    )

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip()
        if handle_taken(handle):
            raise forms.ValidationError(_("That handle is taken: choose another."))
        return handle

    def signup(self, request: Any, user: Any) -> None:
        from peerpath.accounts.services import user_signed_up

        user_signed_up(user=user)


class ProfileForm(forms.Form):
    handle = forms.CharField(label=_("Handle"), max_length=30, validators=[handle_validator])
    legal_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    show_legal_name_to_peers = forms.BooleanField(
        label=_("Show my full name to other members instead of my handle"), required=False
    )


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=2000,
    )  # fmt: skip
    confirm = forms.BooleanField(label=_("I understand my account and what I wrote will be erased"), required=True)


class RoleGrantForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
