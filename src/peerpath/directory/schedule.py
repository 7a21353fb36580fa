"""Reading a listing's recurrence and languages back as words people understand."""

from __future__ import annotations

import re

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from peerpath.directory.models import Listing

DAYS = {"MO": _("Monday"), "TU": _("Tuesday"), "WE": _("Wednesday"), "TH": _("Thursday"), "FR": _("Friday"),
        "SA": _("Saturday"), "SU": _("Sunday")}  # fmt: skip
ORDINALS = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth"), -1: _("last")}
BYDAY = re.compile(r"^(?P<nth>[+-]?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
# Languages Django does not name (its list covers the languages it is translated into).
EXTRA_LANGUAGES = {"pa": "Punjabi", "ur": "Urdu", "gu": "Gujarati", "so": "Somali", "tw": "Twi", "yo": "Yoruba",
                   "asl": "American Sign Language", "bsl": "British Sign Language"}  # fmt: skip


def _days(byday: str) -> str:
    parts = []
    for item in [part.strip().upper() for part in byday.split(",") if part.strip()]:
        match = BYDAY.match(item)
        if match is None:
            continue
        day = DAYS[match.group("day")]
        nth = match.group("nth")
        parts.append(f"{ORDINALS.get(int(nth), nth)} {day}" if nth else day)
    return " and ".join(parts)


def describe_schedule(listing: Listing) -> str:
    """ "every Tuesday, 19:00 to 20:30 (Europe/London)", "the first Thursday of every month", or "" when unscheduled."""
    frequency = listing.schedule_frequency
    if not frequency:
        return ""
    interval = listing.schedule_interval or 1
    days = _days(listing.schedule_byday)
    if frequency == Listing.Frequency.DAILY:
        text = _("every day") if interval == 1 else _("every %(n)s days") % {"n": interval}
    elif frequency == Listing.Frequency.WEEKLY:
        every = (
            _("every")
            if interval == 1
            else (_("every other") if interval == 2 else _("every %(n)s weeks on") % {"n": interval})
        )
        text = (
            f"{every} {days}"
            if days
            else (_("every week") if interval == 1 else _("every %(n)s weeks") % {"n": interval})
        )
    else:
        month = _("every month") if interval == 1 else _("every %(n)s months") % {"n": interval}
        text = _("the %(days)s of %(month)s") % {"days": days, "month": month} if days else month
    if listing.schedule_opens_at:
        start = listing.schedule_opens_at.strftime("%H:%M")
        end = f" to {listing.schedule_closes_at.strftime('%H:%M')}" if listing.schedule_closes_at else ""
        zone = f" ({listing.schedule_timezone})" if listing.schedule_timezone else ""
        text = f"{text}, {start}{end}{zone}"
    return text


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return EXTRA_LANGUAGES.get(code.lower(), code)
