"""Template tags of moderation: a space's published rules, and what the thread page needs per post from moderation
(its open queue item, whether its author appealed), fetched once per thread so the page's cost stays flat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from peerpath.moderation.models import Appeal, Category, QueueItem, Report
from peerpath.moderation.rules import RuleTemplate, templates_for
from peerpath.moderation.selectors import policy_of

register = template.Library()


@dataclass(frozen=True)
class PublishedRules:
    templates: list[RuleTemplate]
    own: list[str]

    def __bool__(self) -> bool:
        return bool(self.templates or self.own)


def published_rules(space: Any) -> PublishedRules:
    policy = policy_of(space)
    own = [line.strip() for line in (policy.own_rules or "").splitlines() if line.strip()]
    return PublishedRules(templates=templates_for(list(policy.rule_templates)), own=own)


@register.inclusion_tag("moderation/includes/rules.html")
def space_rules(space: Any, heading_level: int = 2) -> dict[str, Any]:
    """The rules a space publishes (issue 6 point 7), shown on joining, on its page and beside the composer."""
    return {"space": space, "rules": published_rules(space), "heading_level": heading_level}


@dataclass(frozen=True)
class PostModeration:
    open_item_id: Any = None
    appealed: bool = False


_CACHE = "_peerpath_post_moderation"


@register.simple_tag(takes_context=True)
def post_moderation(context: template.Context, post: Any, thread: Any) -> PostModeration:
    """The post's open queue item (for moderators) and whether an appeal exists (for its author): one query each
    per thread page, cached on the thread object."""
    viewer, user = context.get("viewer"), context.get("user")
    if not getattr(user, "is_authenticated", False):
        return PostModeration()
    cached = getattr(thread, _CACHE, None)
    if cached is None:
        items: dict[Any, Any] = {}
        if viewer is not None and viewer.is_moderator:
            items = dict(
                QueueItem.objects.filter(post__thread=thread, status=QueueItem.Status.OPEN).values_list("post_id", "pk")
            )
        appealed = set(Appeal.objects.filter(post__thread=thread, post__author=user).values_list("post_id", flat=True))
        cached = (items, appealed)
        setattr(thread, _CACHE, cached)
    items, appealed = cached
    return PostModeration(open_item_id=items.get(post.pk), appealed=post.pk in appealed)


@register.simple_tag
def report_reasons() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Report.Reason.choices]


_LABELS = {**dict(Report.Reason.choices), **dict(Category.choices)}


@register.filter
def category_label(value: str) -> str:
    """A screening category or a report's reason, as people read it."""
    return str(_LABELS.get(value, value))
