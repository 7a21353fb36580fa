"""Forms of the spaces and membership pages: they parse input into the services' data objects (issue 5 point 1-2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from peerpath.accounts.models import User
from peerpath.accounts.selectors import user_by_email
from peerpath.core.errors import DomainError
from peerpath.directory.models import Listing
from peerpath.spaces import reach, recurrence
from peerpath.spaces.models import IntroCard, Membership, Space
from peerpath.spaces.services import IntroCardData, SpaceData


def _zone_field(*, required: bool, label: Any, help_text: Any = "") -> forms.ChoiceField:
    empty = [] if required else [("", _("Not set: show times in the group's time zone"))]
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        required=required,
        choices=[*empty, *((name, name.replace("_", " ")) for name in recurrence.zone_choices())],
    )


class SpaceSettingsForm(forms.Form):
    """What organisers can change about a space."""

    name = forms.CharField(label=_("Name"), max_length=200)
    about = forms.CharField(
        label=_("About the group"),
        help_text=_("Who it is for and what happens at meetings. Anyone can read this while the group is public."),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    join_policy = forms.ChoiceField(
        label=_("How people join"), choices=Space.JoinPolicy.choices, widget=forms.RadioSelect
    )
    is_public = forms.BooleanField(
        label=_("Publish meeting times in a public calendar"),
        help_text=_("Anyone can subscribe to the times. Join links and places stay for members only."),
        required=False,
    )
    timezone = _zone_field(required=True, label=_("The group's time zone"))

    def to_data(self) -> SpaceData:
        data = self.cleaned_data
        return SpaceData(
            name=data["name"],
            about=data["about"],
            join_policy=data["join_policy"],
            is_public=data["is_public"],
            timezone=data["timezone"],
        )

    @classmethod
    def initial_for(cls, space: Space) -> dict[str, Any]:
        return {
            "name": space.name,
            "about": space.about,
            "join_policy": space.join_policy,
            "is_public": space.is_public,
            "timezone": space.timezone,
        }


class ListingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_status_display().lower()})"


class SpaceCreateForm(SpaceSettingsForm):
    """Host a group of a listing your organisation curates."""

    field_order = ["listing", "name", "about", "join_policy", "is_public", "timezone"]

    def __init__(self, *args: Any, listings: QuerySet[Listing], **kwargs: Any) -> None:
        initial = {"join_policy": Space.JoinPolicy.REQUEST, "is_public": True, "timezone": "Europe/London"}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["listing"] = ListingChoiceField(
            label=_("The directory listing"),
            help_text=_("Listings your organisation curates that are not hosted yet."),
            queryset=listings,
            empty_label=_("Choose a listing"),
        )
        self.order_fields(self.field_order)

    def listing(self) -> Listing:
        listing: Listing = self.cleaned_data["listing"]
        return listing


class JoinForm(forms.Form):
    reason = forms.CharField(
        label=_("Why would you like to join?"),
        help_text=_("A sentence or two for the organisers, up to 500 characters. Only they see it."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    person = forms.CharField(
        label=_("E-mail address or handle"),
        help_text=_("The person gets an invitation to accept."),
        max_length=254,
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def person_found(self) -> User | None:
        """The person meant, or None: the page says the same either way, so accounts cannot be discovered."""
        text = self.cleaned_data["person"].strip()
        if "@" in text:
            return user_by_email(text)
        return User.objects.filter(handle__iexact=text.lstrip("@"), is_active=True).first()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for removing"),
        help_text=_("Kept in the audit log. Up to 500 characters."),
        max_length=500,
    )


class IntroCardForm(forms.Form):
    lived_with = forms.ChoiceField(
        label=_("How long have you lived with the condition?"),
        choices=IntroCard.LivedWith.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    hoping_for = forms.CharField(
        label=_("What you would like from the group"),
        help_text=_("Up to 300 characters."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    can_offer = forms.CharField(
        label=_("What you can offer others"),
        help_text=_("Up to 300 characters."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    avoid_topics = forms.CharField(
        label=_("Topics you would rather not discuss"),
        help_text=_("Up to 300 characters."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def to_data(self) -> IntroCardData:
        data = self.cleaned_data
        return IntroCardData(
            lived_with=data["lived_with"] or "",
            hoping_for=data["hoping_for"],
            can_offer=data["can_offer"],
            avoid_topics=data["avoid_topics"],
        )

    @classmethod
    def initial_for(cls, card: IntroCard | None) -> dict[str, Any]:
        if card is None:
            return {"lived_with": ""}
        return {
            "lived_with": card.lived_with,
            "hoping_for": card.hoping_for,
            "can_offer": card.can_offer,
            "avoid_topics": card.avoid_topics,
        }


def _domain_checked(check: Callable[..., str], value: str) -> str:
    """Run a domain check on a form value, its refusal shown as the field's error."""
    try:
        return check(value)
    except DomainError as error:
        raise forms.ValidationError(error.message) from None


class PreferencesForm(forms.Form):
    remind_day_before = forms.BooleanField(label=_("E-mail me the day before each meeting"), required=False)
    remind_hour_before = forms.BooleanField(label=_("E-mail me an hour before each meeting"), required=False)
    peer_check_in_ok = forms.BooleanField(
        label=_("If I miss two meetings in a row, a peer supporter may get in touch to see how I am"),
        help_text=_(
            "A trained peer supporter of the group's host, not a clinician. You can change your mind at any time."
        ),
        required=False,
    )
    check_in_phone = forms.CharField(
        label=_("Phone number for the peer supporter (optional)"), required=False, max_length=reach.PHONE_MAX_LENGTH,
        help_text=_("Only if you agree to a check-in above. They can always send you a private message in PeerPath."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    check_in_email = forms.CharField(
        label=_("E-mail address for the peer supporter (optional)"), required=False,
        max_length=reach.EMAIL_MAX_LENGTH,
        help_text=_("Only if you agree to a check-in above. Unticking the agreement removes both."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )  # fmt: skip
    timezone = _zone_field(
        required=False,
        label=_("Your time zone"),
        help_text=_("If you live in another time zone, we also show meeting times in yours."),
    )

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, Any]:
        return {
            "remind_day_before": membership.remind_day_before,
            "remind_hour_before": membership.remind_hour_before,
            "peer_check_in_ok": membership.peer_check_in_ok,
            "check_in_phone": membership.check_in_phone,
            "check_in_email": membership.check_in_email,
            "timezone": membership.timezone,
        }

    def clean_check_in_phone(self) -> str:
        return _domain_checked(reach.clean_phone, self.cleaned_data["check_in_phone"])

    def clean_check_in_email(self) -> str:
        return _domain_checked(reach.clean_email, self.cleaned_data["check_in_email"])


class CheckInCloseForm(forms.Form):
    """A peer supporter records that they checked in on a member, or calls the check-in off."""

    outcome = forms.ChoiceField(
        choices=[("done", _("Done")), ("cancel", _("Cancel"))],
        error_messages={
            "required": _("Choose Done or Cancel."),
            "invalid_choice": _("Choose Done or Cancel."),
        },
    )
