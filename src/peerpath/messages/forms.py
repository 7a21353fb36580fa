from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.messages.models import MAX_BODY_LENGTH


class MessageForm(forms.Form):
    """A message. Its length is the service's rule (messages.services), told in the service's words; the browser is
    only told the limit."""

    body = forms.CharField(
        label=_("Your message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY_LENGTH}),
        error_messages={
            "required": _("Write a message first."),
            "null_characters_not_allowed": _("Remove the null character from the text: it cannot be saved."),
        },
    )


class PersonalDataConfirmForm(forms.Form):
    """The writer's answer when screening found personal data in their message: "send anyway"."""

    confirm_personal_data = forms.BooleanField(required=False)
