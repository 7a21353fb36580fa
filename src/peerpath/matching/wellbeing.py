"""Mentors are protected (issue 17 point 6): repeated declines or rematches of one mentor show on the programme's
wellbeing board, beside their caseload and check-ins, so a coordinator sees a mentor who is being turned down, who
turns people down, or whose buddies keep asking for someone else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import ngettext

from peerpath.core.time import now
from peerpath.matching.models import Answer, Match, Proposal
from peerpath.programmes.models import Programme, Supporter
from peerpath.programmes.selectors import on_wellbeing_board

WINDOW = timedelta(days=90)
REPEATED = 2  # "repeated": more than once in the window


@on_wellbeing_board
def mentor_signs(programme: Programme, supporters: list[Supporter]) -> dict[Any, list[str]]:
    """For each supporter of the programme who mentors in it: declines and rematches in the last 90 days, when
    repeated."""
    by_user = {supporter.user_id: supporter.pk for supporter in supporters}
    if not by_user:
        return {}
    since = now() - WINDOW
    declined = (
        Proposal.objects.filter(programme=programme, mentor__user_id__in=by_user, status=Proposal.Status.DECLINED,
                                closed_at__gte=since)
        .values("mentor__user_id")
        .annotate(by_mentor=Count("pk", filter=Q(mentor_answer=Answer.DECLINE)),
                  by_member=Count("pk", filter=Q(mentee_answer=Answer.DECLINE)))
    )  # fmt: skip
    rematched = (
        Match.objects.filter(programme=programme, mentor__user_id__in=by_user, ended_at__gte=since,
                             end_reason__in=[Match.EndReason.REMATCH, Match.EndReason.NOT_WORKING])
        .values("mentor__user_id")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    signs: dict[Any, list[str]] = {}

    def add(user_id: Any, sentence: str) -> None:
        signs.setdefault(by_user[user_id], []).append(sentence)

    for row in declined:
        mine, theirs = row["by_mentor"], row["by_member"]
        if mine >= REPEATED:
            add(row["mentor__user_id"], _declined(mine) % {"n": mine})
        if theirs >= REPEATED:
            add(row["mentor__user_id"], _turned_down(theirs) % {"n": theirs})
    for row in rematched:
        if row["n"] >= REPEATED:
            add(row["mentor__user_id"], _not_working(row["n"]) % {"n": row["n"]})
    return signs


def _declined(n: int) -> str:
    return ngettext("Declined %(n)d buddy proposal in 90 days", "Declined %(n)d buddy proposals in 90 days", n)


def _turned_down(n: int) -> str:
    return ngettext("Turned down by %(n)d member in 90 days", "Turned down by %(n)d members in 90 days", n)


def _not_working(n: int) -> str:
    return ngettext("%(n)d buddy match ended as not working in 90 days",
                    "%(n)d buddy matches ended as not working in 90 days", n)  # fmt: skip
