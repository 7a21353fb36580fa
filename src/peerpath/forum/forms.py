"""Forms of the forum pages: they parse input; the services decide (limits, screening, who may do what)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.forum.models import MAX_BODY_LENGTH, MAX_CONTENT_WARNING_LENGTH, MAX_TITLE_LENGTH, Follow, Reaction

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MARKDOWN_HELP = _(
    "You can use Markdown: **bold**, *italic*, a blank line between paragraphs, lines starting with - for a list, "
    "&gt; for a quote, and links written as [words](https://example.org). Pictures and HTML are not shown."
)
WARNING_HELP = _(
    "Optional. If your post talks about something others may find hard to read (for example self-harm or loss), "
    "name it here: readers see only this until they choose to open your post."
)


def _body_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=MARKDOWN_HELP,
        max_length=MAX_BODY_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write something first."),
            "max_length": _("Posts can be at most %(limit_value)s characters: split it into replies."),
        },
    )


def _warning_field() -> forms.CharField:
    return forms.CharField(
        label=_("Content warning"),
        help_text=WARNING_HELP,
        max_length=MAX_CONTENT_WARNING_LENGTH,
        required=False,
        error_messages={"max_length": _("Keep the content warning under %(limit_value)s characters.")},
    )


def _title_field() -> forms.CharField:
    return forms.CharField(
        label=_("Title"),
        help_text=_("A question or a topic, in a few words."),
        max_length=MAX_TITLE_LENGTH,
        error_messages={
            "required": _("Give the thread a title."),
            "max_length": _("Keep the title under %(limit_value)s characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ThreadForm(forms.Form):
    title = _title_field()
    body = _body_field(_("Your post"))
    content_warning = _warning_field()


class ReplyForm(forms.Form):
    body = _body_field(_("Your reply"))
    content_warning = _warning_field()
    quoted = forms.UUIDField(required=False, widget=forms.HiddenInput)


class PostEditForm(forms.Form):
    """Editing a post; the title only for a thread's opening post."""

    title = _title_field()
    body = _body_field(_("Your post"))
    content_warning = _warning_field()

    def __init__(self, *args: object, opening: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not opening:
            del self.fields["title"]


class ForumSettingsForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who can read this forum"),
        choices=[
            ("members", _("Members only")),
            ("public", _("Anyone, without signing in (posting still needs membership)")),
        ],
        widget=forms.RadioSelect,
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices, error_messages={"invalid_choice": _("Unknown reaction.")})
    on = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")


class SwitchForm(forms.Form):
    """An on/off change: bookmark, mark as answer, public thread, lock."""

    on = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")


class FollowForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Tell me about replies"),
        choices=[*Follow.Channel.choices, ("stop", _("Stop following"))],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how to be told.")},
    )


class NotificationsReadForm(forms.Form):
    """Mark one notification read, or all of them when no id is given."""

    notification = forms.UUIDField(required=False)


class PersonalDataConfirmForm(forms.Form):
    """The writer's answer when screening found personal data in a new post: "publish anyway" (issue 15 point 5)."""

    confirm_personal_data = forms.BooleanField(required=False)
