"""The caseload page's "How are you doing?" prompt, shown while a supporter's wellbeing check-in is due."""

from __future__ import annotations

from typing import Any

from django import template

from peerpath.programmes.models import Supporter
from peerpath.programmes.selectors import check_in_due

register = template.Library()


@register.inclusion_tag("programmes/wellbeing_prompt.html")
def wellbeing_prompt(supporter: Supporter) -> dict[str, Any]:
    return {"due": check_in_due(supporter)}
