"""Pages of private conversations: the person's conversations, and one conversation with its reply form. Thin:
the gate, the selectors, the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.messages import selectors, services
from peerpath.messages.access import access_conversation
from peerpath.messages.forms import MessageForm, PersonalDataConfirmForm
from peerpath.messages.models import Conversation

MESSAGES_PER_PAGE = 50


@never_cache
@login_required
@require_GET
def conversation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.conversations_for(request.user)
    return render(request, "messages/conversation_list.html", {"rows": rows})


def _confirmed(request: HttpRequest) -> bool:
    """Whether the writer chose "send anyway" after being told their message contains personal data."""
    form = PersonalDataConfirmForm(request.POST)
    return form.is_valid() and bool(form.cleaned_data["confirm_personal_data"])


def _conversation_page(
    request: AuthenticatedHttpRequest, conversation: Conversation, form: MessageForm, *, status: int = 200,
    personal_data: services.PersonalDataFound | None = None,
) -> HttpResponse:  # fmt: skip
    paginator = Paginator(selectors.messages_of(conversation, request.user), MESSAGES_PER_PAGE)
    # The latest messages first come to the eye: the last page unless an earlier one was asked for.
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    participants = selectors.participants_of(conversation)
    others = [place for place in participants if place.user_id != request.user.pk]
    context = {
        "conversation": conversation,
        "title": selectors.title_of(conversation, others),
        "others": others,
        "page": page,
        "form": form,
        "personal_data": personal_data,
        # The writer of a crisis message sees the help lines at the top whenever they come back, for a while.
        "crisis_support": selectors.crisis_support(request.user, conversation),
    }
    return render(request, "messages/conversation.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def conversation_detail(request: AuthenticatedHttpRequest, conversation_id: str) -> HttpResponse:
    """The conversation, oldest message first, and a reply (POST) from a participant."""
    conversation = access_conversation(request.user, conversation_id)
    if request.method == "GET":
        services.conversation_read(user=request.user, conversation=conversation)
        return _conversation_page(request, conversation, MessageForm())
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, conversation, form, status=400)
    try:
        outcome = services.message_send(author=request.user, conversation=conversation,
                                        body=form.cleaned_data["body"],
                                        confirm_personal_data=_confirmed(request))  # fmt: skip
    except services.PersonalDataFound as found:
        # The form again, the text intact, and the question; nothing was sent.
        return _conversation_page(request, conversation, form, personal_data=found)
    except DomainError as error:
        add_domain_error(form, error)
        return _conversation_page(request, conversation, form, status=error.status)
    target = reverse("conversation_detail", kwargs={"conversation_id": conversation.pk})
    if outcome.is_crisis:
        return redirect(f"{target}#crisis-support")
    messages.success(request, _("Message sent."))
    return redirect(f"{target}#message-{outcome.message.pk}")
