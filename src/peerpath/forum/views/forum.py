"""Forum pages of a space (issue 6 points 1, 2 and 6): threads, posts, the composer, reactions, answers, bookmarks,
follows and visibility.

    /spaces/<id>/forum/                           readers of the forum; moderators also set who may read it
    /spaces/<id>/forum/new/                       members who may post: the composer, with the space's rules
    /spaces/<id>/forum/<thread id>/               readers of the thread; members who may post also reply (POST)
    /spaces/<id>/forum/<thread id>/follow/        POST: follow (site or e-mail digest) or stop
    /spaces/<id>/forum/<thread id>/public/        POST, moderators: readable by anyone, or members only
    /spaces/<id>/forum/<thread id>/lock/          POST, moderators: no more replies, or open again
    /forum/posts/<post id>/edit/  …/delete/       the post's author
    /forum/posts/<post id>/react/ …/bookmark/     POST: members react; anyone signed in who sees the post saves it
    /forum/posts/<post id>/answer/                POST: the thread's author or a moderator
    /forum/posts/<post id>/quote/                 members who may post: the reply form with the quote
    /forum/posts/<post id>/history/               moderators: earlier versions of the post
    /sitemap.xml                                  public threads only

Threads and posts come through the gates in forum/access.py, lists through forum/selectors.py, every change through
forum/services.py. A post's outcome is shown on a page of its own: crisis help lines first, or "waiting for a
moderator", never only a flash message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.sitemaps.views import sitemap
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerpath.audit.services import record_access
from peerpath.core.errors import DomainError
from peerpath.core.forms import add_domain_error
from peerpath.core.http import AuthenticatedHttpRequest
from peerpath.forum import rendering, selectors, services
from peerpath.forum.access import ForumViewer, access_forum, access_post, access_thread
from peerpath.forum.forms import (
    FollowForm,
    ForumSettingsForm,
    PersonalDataConfirmForm,
    PostEditForm,
    ReactionForm,
    ReplyForm,
    SwitchForm,
    ThreadForm,
)
from peerpath.forum.indexing import thread_is_public
from peerpath.forum.models import Post, Thread
from peerpath.forum.sitemaps import SITEMAPS
from peerpath.moderation.rules import templates_for
from peerpath.moderation.selectors import policy_of

THREADS_PER_PAGE = 25
MODERATION_TOOLS = "moderation/includes/post_tools.html"
FACT_NOTES = "moderation/includes/fact_notes.html"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _template_exists(name: str) -> bool:
    """The moderation app's include points are optional: the forum renders without them."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _refused(request: HttpRequest, error: DomainError, *, back: str) -> HttpResponse:
    """A refused one-click change (a reaction, a bookmark, a lock): the reason, on a page of its own."""
    return render(request, "forum/refused.html", {"message": error.message, "back": back}, status=error.status)


def _thread_url(thread: Thread, post: Post | None = None) -> str:
    url = reverse("thread_detail", kwargs={"space_id": thread.space_id, "thread_id": thread.pk})
    return f"{url}#post-{post.pk}" if post is not None else url


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def _why_not(viewer: ForumViewer) -> str:
    """Why the person may not post here, as a key the templates turn into words and links."""
    return viewer.why_not_post


def _rules(viewer: ForumViewer) -> dict[str, Any]:
    policy = policy_of(viewer.space)
    return {"rule_templates": templates_for(list(policy.rule_templates or [])), "own_rules": policy.own_rules}


def _confirmed(request: HttpRequest) -> bool:
    """Whether the writer chose "publish anyway" after being told their post contains personal data."""
    form = PersonalDataConfirmForm(request.POST)
    return form.is_valid() and bool(form.cleaned_data["confirm_personal_data"])


def _after_post(request: HttpRequest, outcome: services.Outcome) -> HttpResponse:
    """Where the writer goes once a post is saved: crisis lines first, a held post's page, or the post itself."""
    thread = outcome.post.thread
    context = {"outcome": outcome, "thread": thread, "space": thread.space, "thread_url": _thread_url(thread)}
    if outcome.is_crisis:
        return render(request, "forum/post_crisis.html", context)
    if outcome.held:
        return render(request, "forum/post_held.html", context)
    messages.success(request, outcome.message)
    return redirect(_thread_url(thread, outcome.post))


# --- The forum of a space --------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def forum_index(request: HttpRequest, space_id: str) -> HttpResponse:
    """The threads, most recent activity first; moderators also choose who may read the forum."""
    viewer = access_forum(request.user, space_id)
    space = viewer.space
    visibility = "public" if viewer.forum_public else "members"
    settings_form = (
        ForumSettingsForm(_posted(request), initial={"visibility": visibility}) if viewer.is_moderator else None
    )
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if settings_form is None:
            raise Http404
        if settings_form.is_valid():
            public = settings_form.cleaned_data["visibility"] == "public"
            try:
                services.forum_settings_update(actor=request.user, space=space, public=public)
            except DomainError as error:
                add_domain_error(settings_form, error)
                status = error.status
            else:
                messages.success(
                    request, _("Anyone can now read this forum.") if public else _("Only members can read this forum.")
                )
                return redirect("forum_index", space_id=space.pk)
        else:
            status = 400
    page = Paginator(selectors.threads_for(viewer, request.user), THREADS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "viewer": viewer,
        "space": space,
        "page": page,
        "settings_form": settings_form,
        "why_not": _why_not(viewer),
        "indexable": viewer.forum_public and viewer.space_public,
        "canonical": request.build_absolute_uri(reverse("forum_index", kwargs={"space_id": space.pk})),
    }
    return render(request, "forum/forum_index.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: AuthenticatedHttpRequest, space_id: str) -> HttpResponse:
    """The composer: title, body and content warning, the space's rules beside it, similar answered threads under
    the title as it is typed."""
    viewer = access_forum(request.user, space_id)
    form = ThreadForm(_posted(request))
    status = 200 if viewer.may_post else 403
    personal_data = None
    if request.method == "POST" and viewer.may_post:
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = services.thread_create(
                    author=request.user,
                    space=viewer.space,
                    title=data["title"],
                    body=data["body"],
                    content_warning=data["content_warning"],
                    confirm_personal_data=_confirmed(request),
                )
            except services.PersonalDataFound as found:
                personal_data = found  # the composer again, the text intact, and the question; nothing saved
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                return _after_post(request, outcome)
        else:
            status = 400
    context = {
        "viewer": viewer,
        "space": viewer.space,
        "form": form,
        "why_not": _why_not(viewer),
        "personal_data": personal_data,
        **_rules(viewer),
    }
    return render(request, "forum/thread_create.html", context, status=status)


# --- One thread ------------------------------------------------------------------------------------------------


def _thread_page(
    request: HttpRequest,
    viewer: ForumViewer,
    thread: Thread,
    *,
    form: ReplyForm,
    status: int = 200,
    personal_data: services.PersonalDataFound | None = None,
) -> HttpResponse:
    posts = selectors.thread_posts(viewer, thread, request.user)
    opening = posts[0] if posts and posts[0].is_opening else None
    replies = [post for post in posts if not post.is_opening]
    answer = next((post for post in replies if post.pk == thread.answer_id), None)
    user = request.user
    why_held = selectors.held_reasons_of(user, posts)
    for post in posts:
        post.held_reasons = why_held.get(post.pk, [])  # type: ignore[attr-defined]
    indexable = thread_is_public(thread, forum_public=viewer.forum_public, space_public=viewer.space_public)
    context = {
        "viewer": viewer,
        "space": viewer.space,
        "thread": thread,
        "opening": opening,
        "replies": replies,
        "answer": answer,
        "form": form,
        "why_not": _why_not(viewer),
        "locked": thread.status == Thread.Status.LOCKED,
        "marks_answer": user.is_authenticated and (thread.author_id == user.pk or viewer.is_moderator),
        "follow": selectors.follow_of(user, thread),
        "follow_form": FollowForm(),
        "moderation_tools_available": _template_exists(MODERATION_TOOLS),
        "fact_notes_available": _template_exists(FACT_NOTES),
        "indexable": indexable,
        "canonical": request.build_absolute_uri(_thread_url(thread)),
        # The writer of a crisis post sees the help lines whenever they come back, for a while (issue 15 point 8).
        "crisis_support": selectors.crisis_support(user, thread),
        "personal_data": personal_data,
    }
    return render(request, "forum/thread_detail.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, space_id: str, thread_id: str) -> HttpResponse:
    """The thread, oldest post first, the answer under the question; a reply (POST) from members who may post."""
    viewer, thread = access_thread(request.user, space_id, thread_id)
    if not selectors.opening_visible(viewer, thread, request.user):
        raise Http404
    form = ReplyForm(_posted(request))
    status = 200
    personal_data = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            data = form.cleaned_data
            try:
                quoted = access_post(request.user, data["quoted"])[1] if data["quoted"] else None
                outcome = services.post_reply(
                    author=request.user,
                    thread=thread,
                    body=data["body"],
                    content_warning=data["content_warning"],
                    quoted=quoted,
                    confirm_personal_data=_confirmed(request),
                )
            except services.PersonalDataFound as found:
                personal_data = found
            except Http404:
                form.add_error(None, _("You can quote a published post of this thread only."))
                status = 400
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                return _after_post(request, outcome)
        else:
            status = 400
    return _thread_page(request, viewer, thread, form=form, status=status, personal_data=personal_data)


@never_cache
@login_required
@require_POST
def thread_follow(request: AuthenticatedHttpRequest, space_id: str, thread_id: str) -> HttpResponse:
    _viewer, thread = access_thread(request.user, space_id, thread_id)
    form = FollowForm(request.POST)
    back = _thread_url(thread)
    if not form.is_valid():
        return _refused(request, DomainError(_("Choose how to be told."), field="channel"), back=back)
    channel = form.cleaned_data["channel"]
    try:
        services.follow_set(user=request.user, thread=thread, channel=None if channel == "stop" else channel)
    except DomainError as error:
        return _refused(request, error, back=back)
    messages.success(
        request, _("You no longer follow this thread.") if channel == "stop" else _("You follow this thread.")
    )
    return redirect(back)


def _moderator_switch(request: AuthenticatedHttpRequest, space_id: str, thread_id: str, change: str) -> HttpResponse:
    _viewer, thread = access_thread(request.user, space_id, thread_id)
    form = SwitchForm(request.POST)
    back = _thread_url(thread)
    if not form.is_valid():
        return _refused(request, DomainError(_("Choose on or off.")), back=back)
    on = form.cleaned_data["on"]
    try:
        if change == "public":
            services.thread_set_public(actor=request.user, thread=thread, public=on)
            done = _("Anyone can now read this thread.") if on else _("Only members can read this thread.")
        else:
            services.thread_lock(actor=request.user, thread=thread, locked=on)
            done = _("The thread is locked: no more replies.") if on else _("The thread is open for replies again.")
    except DomainError as error:
        return _refused(request, error, back=back)
    messages.success(request, done)
    return redirect(back)


@never_cache
@login_required
@require_POST
def thread_public(request: AuthenticatedHttpRequest, space_id: str, thread_id: str) -> HttpResponse:
    return _moderator_switch(request, space_id, thread_id, "public")


@never_cache
@login_required
@require_POST
def thread_lock(request: AuthenticatedHttpRequest, space_id: str, thread_id: str) -> HttpResponse:
    return _moderator_switch(request, space_id, thread_id, "lock")


# --- One post --------------------------------------------------------------------------------------------------


def _own_post(request: AuthenticatedHttpRequest, post_id: str) -> tuple[ForumViewer, Post]:
    """A post of the person's own; anyone else's is the same 404 as a missing one."""
    viewer, post = access_post(request.user, post_id)
    if post.author_id != request.user.pk:
        raise Http404
    return viewer, post


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    viewer, post = _own_post(request, post_id)
    thread = post.thread
    # A title waiting with a held edit is what the author last wrote: they go on from it.
    title = post.pending_title or thread.title
    initial = {"title": title, "body": post.body, "content_warning": post.content_warning}
    form = PostEditForm(_posted(request), initial=initial, opening=post.is_opening)
    status = 200
    if post.is_deleted:
        return _refused(
            request, DomainError(_("A deleted post cannot be edited."), status=409), back=_thread_url(thread)
        )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = services.post_edit(
                    author=request.user,
                    post=post,
                    body=data["body"],
                    title=data.get("title"),
                    content_warning=data["content_warning"],
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                outcome.post.thread = thread
                return _after_post(request, outcome)
        else:
            status = 400
    context = {"viewer": viewer, "space": viewer.space, "thread": thread, "post": post, "form": form}
    return render(request, "forum/post_edit.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    viewer, post = _own_post(request, post_id)
    thread = post.thread
    if request.method == "POST":
        try:
            services.post_delete(author=request.user, post=post)
        except DomainError as error:
            return _refused(request, error, back=_thread_url(thread))
        messages.success(request, _("Your post is deleted. The thread shows that it was deleted by its author."))
        return redirect(_thread_url(thread))
    context = {"viewer": viewer, "space": viewer.space, "thread": thread, "post": post}
    return render(request, "forum/post_delete.html", context)


@never_cache
@login_required
@require_POST
def post_react(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    """ "Helpful", "me too", "thank you": on or off."""
    _viewer, post = access_post(request.user, post_id)
    form = ReactionForm(request.POST)
    back = _thread_url(post.thread, post)
    try:
        if not form.is_valid():
            raise DomainError(_("Unknown reaction."), field="kind")
        services.reaction_set(user=request.user, post=post, kind=form.cleaned_data["kind"], on=form.cleaned_data["on"])
    except DomainError as error:
        return _refused(request, error, back=back)
    return redirect(back)


@never_cache
@login_required
@require_POST
def post_answer(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    """The thread's author or a moderator marks this reply as the answer, or unmarks it."""
    _viewer, post = access_post(request.user, post_id)
    form = SwitchForm(request.POST)
    back = _thread_url(post.thread, post)
    try:
        if not form.is_valid():
            raise DomainError(_("Choose on or off."))
        on = form.cleaned_data["on"]
        if not on and post.thread.answer_id != post.pk:
            raise DomainError(_("This reply is not the marked answer."), status=409)
        services.answer_mark(actor=request.user, thread=post.thread, post=post if on else None)
    except DomainError as error:
        return _refused(request, error, back=back)
    messages.success(request, _("Marked as the answer.") if on else _("No longer marked as the answer."))
    return redirect(back)


@never_cache
@login_required
@require_POST
def post_bookmark(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    """Save for later (seed 002), or remove from the saved posts."""
    _viewer, post = access_post(request.user, post_id)
    form = SwitchForm(request.POST)
    back = _next_or(request, _thread_url(post.thread, post))
    if not form.is_valid():
        return _refused(request, DomainError(_("Choose on or off.")), back=back)
    on = form.cleaned_data["on"]
    services.bookmark_set(user=request.user, post=post, on=on)
    messages.success(request, _("Saved for later.") if on else _("Removed from your saved posts."))
    return redirect(back)


@never_cache
@login_required
@require_GET
def post_quote(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    """The reply form, starting with a quote of this post."""
    viewer, post = access_post(request.user, post_id)
    thread = post.thread
    if post.status != Post.Status.PUBLISHED:
        return _refused(
            request, DomainError(_("You can quote a published post of this thread only."), status=409),
            back=_thread_url(thread),
        )  # fmt: skip
    handle = post.author.handle if post.author is not None else _("A former member")
    # A quoted passage keeps the writer's content warning, so quoting cannot show what they chose to hide.
    initial = {
        "body": rendering.quote_of(handle, post.body),
        "quoted": post.pk,
        "content_warning": post.content_warning,
    }
    form = ReplyForm(initial=initial)
    context = {
        "viewer": viewer,
        "space": viewer.space,
        "thread": thread,
        "post": post,
        "form": form,
        "why_not": _why_not(viewer),
        "locked": thread.status == Thread.Status.LOCKED,
    }
    return render(request, "forum/post_quote.html", context, status=200 if viewer.may_post else 403)


@never_cache
@login_required
@require_GET
def post_history(request: AuthenticatedHttpRequest, post_id: str) -> HttpResponse:
    """Earlier versions of a post: for the space's moderators (issue 6 point 1)."""
    viewer, post = access_post(request.user, post_id)
    if not viewer.is_moderator:
        raise Http404
    record_access(actor=request.user, target=post, organisation=viewer.space.organisation, purpose="post_history")
    context = {
        "viewer": viewer,
        "space": viewer.space,
        "thread": post.thread,
        "post": post,
        "revisions": list(selectors.post_revisions(post)),
    }
    return render(request, "forum/post_history.html", context)


urlpatterns = [
    path("spaces/<uuid:space_id>/forum/", forum_index, name="forum_index"),
    path("spaces/<uuid:space_id>/forum/new/", thread_create, name="thread_create"),
    path("spaces/<uuid:space_id>/forum/<uuid:thread_id>/", thread_detail, name="thread_detail"),
    path("spaces/<uuid:space_id>/forum/<uuid:thread_id>/follow/", thread_follow, name="thread_follow"),
    path("spaces/<uuid:space_id>/forum/<uuid:thread_id>/public/", thread_public, name="thread_public"),
    path("spaces/<uuid:space_id>/forum/<uuid:thread_id>/lock/", thread_lock, name="thread_lock"),
    path("forum/posts/<uuid:post_id>/edit/", post_edit, name="post_edit"),
    path("forum/posts/<uuid:post_id>/delete/", post_delete, name="post_delete"),
    path("forum/posts/<uuid:post_id>/react/", post_react, name="post_react"),
    path("forum/posts/<uuid:post_id>/answer/", post_answer, name="post_answer"),
    path("forum/posts/<uuid:post_id>/bookmark/", post_bookmark, name="post_bookmark"),
    path("forum/posts/<uuid:post_id>/quote/", post_quote, name="post_quote"),
    path("forum/posts/<uuid:post_id>/history/", post_history, name="post_history"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
