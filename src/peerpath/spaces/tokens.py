"""Secrets of spaces, derived from a stored nonce and SECRET_KEY and never stored themselves: a meeting's check-in
code (read aloud or shown on screen) and a member's calendar-feed token (a revocable URL)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets as random

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

# No 0/O, 1/I/L: the code is read off a screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECK_IN_CODE_LENGTH = 6


def new_nonce() -> str:
    return random.token_hex(16)


def _mac(purpose: str, object_id: object, nonce: str) -> bytes:
    return salted_hmac(f"peerpath.spaces.{purpose}", f"{object_id}:{nonce}", algorithm="sha256").digest()


def check_in_code(meeting_id: object, nonce: str) -> str:
    number = int.from_bytes(_mac("check-in", meeting_id, nonce), "big")
    letters = []
    for _ in range(CHECK_IN_CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[index])
    return "".join(letters)


def normalise_code(code: str) -> str:
    """What a person typed: spaces, dashes and lower case forgiven."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:20]


def code_matches(meeting_id: object, nonce: str, typed: str) -> bool:
    return constant_time_compare(check_in_code(meeting_id, nonce), normalise_code(typed))


def feed_token(feed_id: object, nonce: str) -> str:
    return _mac("calendar-feed", feed_id, nonce).hex()[:40]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def site_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


# A feed URL is a bearer secret (calendar/<token>.ics): log lines that name a path (runserver's request lines,
# django.request's "Not Found: <path>") carry it unless it is masked on the way out.
_FEED_PATH = re.compile(r"/calendar/[^/\s\"'?]+\.ics")
FEED_PATH_MASK = "/calendar/[token].ics"


def mask_feed_tokens(text: str) -> str:
    return _FEED_PATH.sub(FEED_PATH_MASK, text)


class FeedTokenLogFilter(logging.Filter):
    """Masks calendar-feed tokens in a log record's message and arguments (settings.LOGGING uses it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_feed_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_feed_tokens(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                key: mask_feed_tokens(value) if isinstance(value, str) else value for key, value in record.args.items()
            }
        return True
