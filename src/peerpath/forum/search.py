"""Forum search (issue 6 points 3 and 4): one interface over SQLite FTS5 and PostgreSQL full text.

What a person may find: public documents (a public forum or thread of a space anyone may find) for everyone; for a
signed-in person also every document of the spaces where they are an active member (listeners included; meeting
notes only here), and the posts of the spaces they moderate (`forum.access.moderates`: leaders, and the host's
moderators, coordinators and admins, for the spaces the space gate lets them see). Held, hidden and deleted posts
have no search document, and neither has any post of a thread whose opening post is held or hidden (forum/indexing.py),
so they are never found; a result is shown only while its thread's opening post is visible, whatever the documents
say, so the title of a held question never shows.

Whether a public document's space may still be found is read when the search runs, never taken from the document's
is_public flag alone, so a listing delisted or a space archived leaves public search at once, without waiting for its
documents to be indexed again: PostgreSQL keeps public documents to a subquery of `spaces.selectors.public_spaces()`;
SQLite reads the few spaces that may not be found (`unfindable_space_ids`) once per search and leaves them out of the
public part of the MATCH by name, or, past _MAX_SPACE_TERMS of them, checks each matching row against public_spaces().

Posts screening flagged as misinformation or medical instructions (published with a flag, the space's choice) stay
out of what a person finds outside their own spaces until a moderator has looked, that is while the post's queue item
is open (issue 15 point 9): `unreviewed_documents` reads their documents once per search (the open queue is small),
and both engines leave those ids out, except in the spaces where the person is a member or moderates, whose members
read the post in its thread anyway. "Has this been asked before?" and the knowledge pages leave them out for everyone.

Free text never reaches the engine as syntax: it is cut into words of letters and digits, and each word is quoted
(FTS5) or passed through plainto_tsquery (PostgreSQL), so quotes, `*`, `:`, `-`, `NEAR`, `AND` and parentheses are
plain text. Snippets mark the matched words with private-use characters that the engine never sees in a query;
everything else is escaped before the marks become `<mark>`.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from peerpath.accounts.models import RoleAssignment
from peerpath.core.errors import DomainError
from peerpath.directory.models import Condition, Listing
from peerpath.forum.access import HOST_MODERATOR_ROLES, ForumViewer
from peerpath.forum.models import Post, Reaction, SearchDocument, Thread
from peerpath.forum.selectors import public_threads
from peerpath.moderation.models import QueueItem
from peerpath.moderation.selectors import crisis_threads
from peerpath.screening.categories import Category
from peerpath.spaces.models import Membership, Space
from peerpath.spaces.selectors import public_spaces, visible_spaces

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# Counting every match of a common word costs as much as ranking them all: past this, pages say "more than".
COUNT_CAP = 1000
RANK_WINDOW = 2000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
SIMILAR_LIMIT = 5
SIMILAR_MIN_LENGTH = 3
KNOWLEDGE_LIMIT = 30
# The dates the from/to filters accept: any real search, and always a day after the last one to end the search at.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
# Past this many spaces a scope is checked on each matching row instead of as index terms (an OR of thousands).
_MAX_SPACE_TERMS = 300
# bm25 weights per FTS5 column (migration 0002): the title counts ten times the body; the filter columns nothing.
_BM25 = "bm25(forum_search_fts, 10.0, 1.0, 0.0, 0.0, 0.0, 0.0)"
_FTS = "forum_search_fts"
_START, _STOP = "\ue000", "\ue001"
_WORD = re.compile(r"[^\W_]+")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("", "0", "false", "off", "no")
# Words that say nothing about which question: left out of "has this been asked before?".
_STOP_WORDS = frozenset(
    "a about am an and any anyone are as at be been but by can could did do does for from get got had has have how "  # noqa: SIM905
    "i if im in is it its just me my of on or so than that the their them there they this to was we what when where "
    "which who why will with would you your".split()
)


# --- The query -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForumQuery:
    text: str = ""
    space_id: uuid.UUID | None = None
    condition: str = ""
    answered_only: bool = False
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def params(self, **changes: Any) -> dict[str, str]:
        """This query as URL parameters (for the pages' links)."""
        query = replace(self, **changes) if changes else self
        params: dict[str, str] = {}
        if query.text:
            params["q"] = query.text
        if query.space_id is not None:
            params["space"] = str(query.space_id)
        if query.condition:
            params["condition"] = query.condition
        if query.answered_only:
            params["answered"] = "1"
        if query.date_from:
            params["from"] = query.date_from.isoformat()
        if query.date_to:
            params["to"] = query.date_to.isoformat()
        if query.page != 1:
            params["page"] = str(query.page)
        if query.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = str(query.page_size)
        return params

    def querystring(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    @property
    def words(self) -> tuple[str, ...]:
        return words_of(self.text)

    @property
    def has_filters(self) -> bool:
        return bool(self.space_id or self.condition or self.answered_only or self.date_from or self.date_to)


def words_of(text: str, *, limit: int = MAX_WORDS) -> tuple[str, ...]:
    """Plain words, lower case, each once: the only part of free text any engine sees."""
    return tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text[: MAX_QUERY_LENGTH * 4])))[:limit]


def _one(params: Mapping[str, Any], name: str) -> str:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist is not None else params.get(name)
    values = [raw] if isinstance(raw, str) else list(raw or [])
    values = [str(value).strip() for value in values if str(value).strip()]
    if len(values) > 1:
        raise DomainError(_("Give one value for %(name)s.") % {"name": name}, field=name)
    return values[0] if values else ""


def _day(params: Mapping[str, Any], name: str, label: str) -> date | None:
    raw = _one(params, name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("%(label)s must be a date such as 2026-03-31.") % {"label": label}, field=name) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        # 9999-12-31 has no next day to end the search at: out of range is bad input, not a server error.
        raise DomainError(
            _("%(label)s must be between %(first)s and %(last)s.")
            % {"label": label, "first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()},
            field=name,
        )
    return day


def _integer(params: Mapping[str, Any], name: str, *, default: int, high: int) -> int:
    raw = _one(params, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DomainError(_("%(name)s must be a whole number.") % {"name": name}, field=name) from None
    if not 1 <= value <= high:
        raise DomainError(_("%(name)s must be between 1 and %(high)s.") % {"name": name, "high": high}, field=name)
    return value


def parse_forum_query(
    params: Mapping[str, Any], *, condition_slugs: Collection[str], space_id: uuid.UUID | None = None
) -> ForumQuery:
    """URL parameters (the pages' and `GET /api/v1/forum/search`'s) to a query; a bad value is a DomainError naming
    the parameter. `space_id` fixes the space (a space's own search page)."""
    text = " ".join(_one(params, "q").split())
    if len(text) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("Your search is too long: use at most %(n)s characters.") % {"n": MAX_QUERY_LENGTH}, field="q"
        )
    if space_id is None:
        raw_space = _one(params, "space")
        if raw_space:
            try:
                space_id = uuid.UUID(raw_space)
            except ValueError:
                raise DomainError(_("space must be the id of a group."), field="space") from None
    condition = _one(params, "condition")
    if condition and condition not in condition_slugs:
        raise DomainError(_("Unknown condition: choose one from the list."), field="condition")
    answered = _one(params, "answered").lower()
    if answered not in _TRUE + _FALSE:
        raise DomainError(_("answered is 1 or 0."), field="answered")
    date_from = _day(params, "from", _("The first date"))
    date_to = _day(params, "to", _("The last date"))
    if date_from and date_to and date_from > date_to:
        raise DomainError(_("The first date must not be after the last date."), field="from")
    return ForumQuery(
        text=text,
        space_id=space_id,
        condition=condition,
        answered_only=answered in _TRUE,
        date_from=date_from,
        date_to=date_to,
        page=_integer(params, "page", default=1, high=math.ceil(COUNT_CAP / DEFAULT_PAGE_SIZE) * 5),
        page_size=_integer(params, "page_size", default=DEFAULT_PAGE_SIZE, high=MAX_PAGE_SIZE),
    )


# --- Who may find what -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The documents a person may find (see the module docstring)."""

    public: bool = True
    member_spaces: frozenset[uuid.UUID] = frozenset()
    moderated_spaces: frozenset[uuid.UUID] = frozenset()  # not a member: posts, not meeting notes

    @property
    def private_spaces(self) -> int:
        return len(self.member_spaces) + len(self.moderated_spaces)


def scope_for(user: Any) -> Scope:
    """Two queries for a signed-in person, none for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    member = frozenset(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list("space_id", flat=True)
    )
    host_orgs = RoleAssignment.objects.filter(user=user, role__in=HOST_MODERATOR_ROLES).values("organisation")
    # visible_spaces: the same spaces the space gate lets them reach, so search never outruns access_forum.
    moderated = frozenset(
        visible_spaces(user).filter(organisation__in=host_orgs).exclude(pk__in=member).values_list("pk", flat=True)
    )
    return Scope(member_spaces=member, moderated_spaces=moderated)


# Categories whose flagged posts wait for a moderator's look before they spread beyond their own group: a wrong claim
# or a dosing instruction must not be the first thing a stranger finds (issue 15 point 9).
REVIEW_FIRST = (Category.MISINFORMATION, Category.MEDICAL_INSTRUCTIONS)


def awaiting_review() -> QuerySet[QueueItem]:
    """Open queue items of the REVIEW_FIRST categories (screened, or reported as such by members): a moderator has
    not looked yet. Approving, hiding or any action that resolves the item ends it."""
    return QueueItem.objects.filter(status=QueueItem.Status.OPEN, category__in=REVIEW_FIRST)


def unreviewed_thread() -> Exists:
    """For a Thread queryset: the question or the marked answer waits for a moderator's look."""
    pending = awaiting_review().filter(
        Q(post__thread=OuterRef("pk"), post__is_opening=True) | Q(post_id=OuterRef("answer_id"))
    )
    return Exists(pending)


def unreviewed_documents(scope: Scope | None = None) -> list[int]:
    """The search documents to leave out for this scope: of a post waiting for review, every document of a thread
    whose question waits (each result shows the question's title), and every document of a thread with a crisis post;
    none in the scope's own spaces."""
    pending = awaiting_review().values("post_id")
    questions = Post.objects.filter(pk__in=pending, is_opening=True).values("thread_id")
    # A thread with a crisis post is never public either (issue 15 point 7): all its documents.
    documents = SearchDocument.objects.filter(
        Q(post_id__in=pending) | Q(thread_id__in=questions) | Q(thread_id__in=crisis_threads())
    )
    if scope is not None and scope.private_spaces:
        documents = documents.exclude(space_id__in=[*scope.member_spaces, *scope.moderated_spaces])
    return list(documents.order_by("pk").values_list("pk", flat=True))


def _condition_spaces(slug: str) -> set[uuid.UUID]:
    return set(Space.objects.filter(listing__conditions__slug=slug).values_list("pk", flat=True))


# --- The engines -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """One search as either engine runs it."""

    words: tuple[str, ...]
    scope: Scope
    any_word: bool = False  # "has this been asked before?": any word, ranked; search: every word
    title_only: bool = False
    spaces: frozenset[uuid.UUID] | None = None  # only these spaces
    answered_only: bool = False
    since: datetime | None = None
    until: datetime | None = None
    reviewed_only: bool = False  # leave out what waits for review in every space, the person's own too

    @cached_property
    def unreviewed(self) -> list[int]:
        return unreviewed_documents(None if self.reviewed_only else self.scope)


def _terms(column: str, values: Iterable[str]) -> str:
    # Every value is letters and digits only (words, hex ids), double-quoted: nothing in it is FTS5 syntax.
    return f"{column} : (" + " OR ".join(f'"{value}"' for value in values) + ")"


class SQLiteFTS5:
    """FTS5 over forum_search_fts (migration 0002): words, and the scope and filters as terms of one MATCH."""

    @staticmethod
    def text(plan: _Plan) -> str:
        columns = "title" if plan.title_only else "{title body}"
        joiner = " OR " if plan.any_word else " AND "
        return f"{columns} : (" + joiner.join(f'"{word}"' for word in plan.words) + ")"

    @staticmethod
    def _visible(scope: Scope) -> tuple[str, list[Any]]:
        """Who may find what as a check of each matching row (the same rule as PostgresFullText._select's), when the
        scope has too many spaces to name in the MATCH: a public document of a space anyone may find now, a document
        of a member's space, a post of a moderated space."""
        rules: list[str] = []
        params: list[Any] = []
        if scope.public:
            # A correlated EXISTS: SQLite flattens it into two primary-key lookups for each public row, where an IN
            # list of every public space would be built again by every query.
            spaces, space_params = _public_space_ids()
            findable = f"SELECT 1 FROM ({spaces}) findable WHERE findable.pk = d.space_id"  # noqa: S608 - ORM's SQL
            rules.append(f"(d.is_public AND EXISTS ({findable}))")
            params += space_params
        if scope.member_spaces:
            rules.append(f"d.space_id IN ({_marks(scope.member_spaces)})")
            params += [pk.hex for pk in scope.member_spaces]
        if scope.moderated_spaces:
            rules.append(f"(d.kind = 'post' AND d.space_id IN ({_marks(scope.moderated_spaces)}))")
            params += [pk.hex for pk in scope.moderated_spaces]
        return "(" + " OR ".join(rules or ["0"]) + ")", params

    @cached_property
    def _hidden_spaces(self) -> frozenset[uuid.UUID] | None:
        """The spaces anyone may not find now (archived, or a listing not vetted), read once per search; None past
        _MAX_SPACE_TERMS of them. Their documents may still say is_public (they were indexed before): the public
        part of a scope leaves them out by name, and rows are checked when there are too many to name."""
        hidden = list(unfindable_space_ids()[: _MAX_SPACE_TERMS + 1])
        return frozenset(hidden) if len(hidden) <= _MAX_SPACE_TERMS else None

    def _query(self, plan: _Plan) -> tuple[str, list[str], list[Any]]:
        """The MATCH expression and its parameters, and the checks of each row that do not fit in it."""
        groups = [f"({self.text(plan)})"]
        where: list[str] = []
        params: list[Any] = []
        scope = plan.scope
        hidden = self._hidden_spaces if scope.public else frozenset()
        if scope.private_spaces <= _MAX_SPACE_TERMS and hidden is not None:
            visible = []
            if scope.public:
                public = 'is_public : "1"'
                if hidden:
                    public = f"({public} NOT {_terms('space_id', (pk.hex for pk in hidden))})"
                visible.append(public)
            if scope.member_spaces:
                visible.append(_terms("space_id", (pk.hex for pk in scope.member_spaces)))
            if scope.moderated_spaces:
                visible.append(f'({_terms("space_id", (pk.hex for pk in scope.moderated_spaces))} AND kind : "post")')
            if not visible:
                visible = ['is_public : "0" AND is_public : "1"']  # nothing at all
            groups.append("(" + " OR ".join(visible) + ")")
        else:
            rule, params = self._visible(scope)
            where.append(rule)
        if plan.spaces is not None:
            if len(plan.spaces) <= _MAX_SPACE_TERMS:
                groups.append(_terms("space_id", (pk.hex for pk in plan.spaces)))
            else:
                where.append(f"d.space_id IN ({_marks(plan.spaces)})")
                params += [pk.hex for pk in plan.spaces]
        if plan.answered_only:
            groups.append('thread_answered : "1"')
        for bound, operator in ((plan.since, ">="), (plan.until, "<")):
            if bound is not None:
                where.append(f"d.created_at {operator} %s")
                params.append(connection.ops.adapt_datetimefield_value(bound))
        if plan.unreviewed:
            where.append(f"{_FTS}.rowid NOT IN ({_marks(plan.unreviewed)})")
            params += plan.unreviewed
        return " AND ".join(groups), where, params

    def _select(self, plan: _Plan, columns: str) -> tuple[str, list[Any]]:
        expression, where, params = self._query(plan)
        source = _FTS
        if any("d." in clause for clause in where):
            # CROSS JOIN keeps SQLite reading the index first and each match's row after, never the reverse.
            source = f"{_FTS} CROSS JOIN {SearchDocument._meta.db_table} d ON d.id = {_FTS}.rowid"
        conditions = " AND ".join([f"{_FTS} MATCH %s", *where])
        return f"SELECT {columns} FROM {source} WHERE {conditions}", [expression, *params]  # noqa: S608

    def count(self, plan: _Plan, cap: int) -> int:
        sql, params = self._select(plan, "1")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s)", [*params, cap])  # noqa: S608
            return int(cursor.fetchone()[0])

    def ranked(self, plan: _Plan, *, limit: int, offset: int = 0, window: int | None = None) -> list[int]:
        """Best first; ties to the newer document (ids grow with time), so pages never overlap. With `window`, only
        the newest `window` matches are ranked: FTS5 walks them newest first and stops."""
        sql, params = self._select(plan, f"{_FTS}.rowid AS doc, {_BM25} AS score")
        if window is not None:
            sql, params = f"SELECT doc, score FROM ({sql} ORDER BY doc DESC LIMIT %s)", [*params, window]  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY score, doc DESC LIMIT %s OFFSET %s", [*params, limit, offset])
            return [int(row[0]) for row in cursor.fetchall()]

    def snippets(self, plan: _Plan, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        text = self.text(replace(plan, title_only=False))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet({_FTS}, 1, %s, %s, '…', 32) FROM {_FTS} "  # noqa: S608
                f"WHERE {_FTS} MATCH %s AND rowid IN ({_marks(ids)})",
                [_START, _STOP, text, *ids],
            )
            return {int(row[0]): row[1] or "" for row in cursor.fetchall()}


class PostgresFullText:
    """tsvector search over the generated column (migration 0002), ranked by ts_rank with the title (A) above the
    body (C). Every word reaches PostgreSQL as a parameter: plainto_tsquery reads no syntax, and the words given to
    to_tsquery hold letters and digits only."""

    @staticmethod
    def tsquery(plan: _Plan) -> tuple[str, list[str]]:
        if plan.title_only:
            # "word:A" matches the word in the title (weight A) only.
            return "(" + " || ".join("to_tsquery('english', %s)" for _word in plan.words) + ")", [
                f"{word}:A" for word in plan.words
            ]
        if plan.any_word:
            return "(" + " || ".join("plainto_tsquery('english', %s)" for _word in plan.words) + ")", list(plan.words)
        return "plainto_tsquery('english', %s)", [" ".join(plan.words)]

    def _select(self, plan: _Plan, columns: str, *, ranked: bool) -> tuple[str, list[Any]]:
        tsquery, words = self.tsquery(plan)
        scope = plan.scope
        # Who may find what, as SQLiteFTS5._visible: a public document only of a space anyone may find now.
        spaces, space_params = _public_space_ids()
        where = [
            f"d.search_vector @@ {tsquery}",
            f"((d.is_public AND %s AND d.space_id IN ({spaces})) OR d.space_id = ANY(%s::uuid[]) "
            "OR (d.kind = 'post' AND d.space_id = ANY(%s::uuid[])))",
        ]
        params: list[Any] = [
            *words,
            scope.public,
            *space_params,
            list(scope.member_spaces),
            list(scope.moderated_spaces),
        ]
        if plan.spaces is not None:
            where.append("d.space_id = ANY(%s::uuid[])")
            params.append(list(plan.spaces))
        if plan.answered_only:
            where.append("d.thread_answered")
        for bound, operator in ((plan.since, ">="), (plan.until, "<")):
            if bound is not None:
                where.append(f"d.created_at {operator} %s")
                params.append(bound)
        if plan.unreviewed:
            where.append("d.id <> ALL(%s)")
            params.append(list(plan.unreviewed))
        table = SearchDocument._meta.db_table
        sql = f"SELECT {columns} FROM {table} d WHERE {' AND '.join(where)}"  # noqa: S608
        return sql, [*(words if ranked else []), *params]

    def count(self, plan: _Plan, cap: int) -> int:
        sql, params = self._select(plan, "1", ranked=False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s) matches", [*params, cap])  # noqa: S608
            return int(cursor.fetchone()[0])

    def ranked(self, plan: _Plan, *, limit: int, offset: int = 0, window: int | None = None) -> list[int]:
        """As SQLiteFTS5.ranked: with `window`, ts_rank reads the newest `window` matches only."""
        tsquery, words = self.tsquery(plan)
        if window is None:
            sql, params = self._select(plan, f"d.id, ts_rank(d.search_vector, {tsquery}) AS score", ranked=True)
        else:
            inner, inner_params = self._select(plan, "d.id, d.search_vector", ranked=False)
            sql = (
                f"SELECT id, ts_rank(search_vector, {tsquery}) AS score "  # noqa: S608
                f"FROM ({inner} ORDER BY d.id DESC LIMIT %s) newest"
            )
            params = [*words, *inner_params, window]
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY score DESC, id DESC LIMIT %s OFFSET %s", [*params, limit, offset])
            return [int(row[0]) for row in cursor.fetchall()]

    def snippets(self, plan: _Plan, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        tsquery, words = self.tsquery(replace(plan, title_only=False))
        options = (
            f'StartSel={_START}, StopSel={_STOP}, MaxWords=32, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, ts_headline('english', body, {tsquery}, %s) FROM {SearchDocument._meta.db_table} "  # noqa: S608
                "WHERE id = ANY(%s)",
                [*words, options, list(ids)],
            )
            return {int(row[0]): row[1] or "" for row in cursor.fetchall()}


def _marks(values: Collection[Any]) -> str:
    return ", ".join(["%s"] * len(values)) if values else "NULL"


def unfindable_space_ids() -> QuerySet[Space, uuid.UUID]:
    """The ids of every space but those of `spaces.selectors.public_spaces()` (not archived, with a vetted
    listing), written as its negation in two parts that indexes answer: a listing in any other status, or archived
    (test_search checks that the two share out every space between them)."""
    others = [status for status in Listing.Status.values if status != Listing.Status.VETTED]
    not_vetted = Space.objects.order_by().filter(listing__status__in=others).values_list("pk", flat=True)
    archived = Space.objects.order_by().filter(archived_at__isnull=False).values_list("pk", flat=True)
    return not_vetted.union(archived)


def _public_space_ids() -> tuple[str, list[Any]]:
    """The spaces anyone may find, as a subquery read when the search runs: a document's is_public flag was set when
    it was last indexed, and a listing delisted or a space archived since must leave public search at once."""
    sql, params = public_spaces().order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def engine() -> SQLiteFTS5 | PostgresFullText:
    return PostgresFullText() if connection.vendor == "postgresql" else SQLiteFTS5()


def marked(snippet: str) -> SafeString:
    """The engine's snippet as HTML: every character escaped, the matched words in <mark>, always balanced (a stray
    marker character in a post is dropped)."""
    parts: list[str] = []
    open_mark = False
    for piece in re.split(f"([{_START}{_STOP}])", snippet):
        if piece == _START:
            if not open_mark:
                parts.append("<mark>")
                open_mark = True
        elif piece == _STOP:
            if open_mark:
                parts.append("</mark>")
                open_mark = False
        else:
            parts.append(str(escape(piece)))
    if open_mark:
        parts.append("</mark>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


# --- Searching -------------------------------------------------------------------------------------------------------


@dataclass
class ForumHit:
    document: SearchDocument
    title: str
    snippet: SafeString
    url: str
    space: Space
    answered: bool
    created_at: datetime

    @property
    def kind(self) -> str:
        return self.document.kind


@dataclass
class ForumSearchResult:
    query: ForumQuery
    hits: list[ForumHit] = field(default_factory=list)
    total: int = 0  # counted up to COUNT_CAP + 1

    @property
    def more_than_cap(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def shown_total(self) -> int:
        return min(self.total, COUNT_CAP)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.shown_total / self.query.page_size))

    @property
    def first_index(self) -> int:
        return (self.query.page - 1) * self.query.page_size + 1 if self.hits else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.hits) - 1 if self.hits else 0


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _plan(query: ForumQuery, scope: Scope) -> _Plan | None:
    """None when nothing can match (no words, or filters that leave no space)."""
    words = query.words
    if not words:
        return None
    spaces: set[uuid.UUID] | None = None
    if query.space_id is not None:
        spaces = {query.space_id}
    if query.condition:
        with_condition = _condition_spaces(query.condition)
        spaces = with_condition if spaces is None else spaces & with_condition
    if spaces is not None and not spaces:
        return None
    return _Plan(
        words=words,
        scope=scope,
        spaces=frozenset(spaces) if spaces is not None else None,
        answered_only=query.answered_only,
        since=_start_of(query.date_from) if query.date_from else None,
        until=_start_of(query.date_to + timedelta(days=1)) if query.date_to else None,
    )


def _visible_openings(thread: Any) -> QuerySet[Post]:
    """The thread's opening post while others may see it (published, or a tombstone): selectors.public_threads'
    rule, without which nothing of the thread is listed."""
    return Post.objects.filter(thread=thread, is_opening=True, status__in=Post.VISIBLE_STATUSES)


def thread_url(space_id: Any, thread_id: Any, post_id: Any = None) -> str:
    url = reverse("thread_detail", kwargs={"space_id": space_id, "thread_id": thread_id})
    return f"{url}#post-{post_id}" if post_id else url


def content_warning_text(warning: str) -> str:
    """What a list shows instead of the words of a post with a content warning (as the thread page does)."""
    return _("Content warning: %(warning)s") % {"warning": warning}


def _hits(ids: Sequence[int], snippets: Mapping[int, str]) -> list[ForumHit]:
    documents = {
        document.pk: document
        for document in SearchDocument.objects.filter(pk__in=ids)
        .select_related("thread", "space", "note__meeting", "post")
        .defer("post__body", "post__body_html")
        .annotate(opening_shown=Exists(_visible_openings(OuterRef("thread_id"))))
    }
    hits = []
    for pk in ids:
        document = documents.get(pk)
        if document is None:  # removed between the two reads
            continue
        snippet = marked(snippets.get(pk, ""))
        if document.kind == SearchDocument.Kind.NOTE and document.note is not None:
            title = document.title
            url = reverse(
                "meeting_detail", kwargs={"space_id": document.space_id, "meeting_id": document.note.meeting_id}
            )
        elif document.thread is not None and document.opening_shown:
            # Never the title of a question that waits for review or was hidden, even from a document left behind.
            title = document.thread.title
            url = thread_url(document.space_id, document.thread_id, document.post_id)
            if document.post is not None and document.post.content_warning:
                # The words stay behind the warning, as on the thread page.
                snippet = marked(content_warning_text(document.post.content_warning))
        else:
            continue
        hits.append(
            ForumHit(
                document=document,
                title=title,
                snippet=snippet,
                url=url,
                space=document.space,
                answered=document.thread_answered,
                created_at=document.created_at,
            )
        )
    return hits


def search_forum(query: ForumQuery, *, user: Any, scope: Scope | None = None) -> ForumSearchResult:
    """One page of what the person may find, best first, and the total: a constant number of queries."""
    plan = _plan(query, scope_for(user) if scope is None else scope)
    if plan is None:
        return ForumSearchResult(query=query)
    backend = engine()
    total = backend.count(plan, COUNT_CAP + 1)
    offset = (query.page - 1) * query.page_size
    if total == 0 or offset >= min(total, COUNT_CAP):
        return ForumSearchResult(query=query, total=total)
    # Ranking every match of a common word is the whole cost of a search: past COUNT_CAP matches, the best of the
    # newest RANK_WINDOW are shown (a forum's recent answers are the likeliest to help; filters or another word narrow).
    window = RANK_WINDOW if total > COUNT_CAP else None
    ids = backend.ranked(plan, limit=query.page_size, offset=offset, window=window)
    return ForumSearchResult(query=query, hits=_hits(ids, backend.snippets(plan, ids)), total=total)


def public_scope() -> Scope:
    return Scope()


# --- "Has this been asked before?" -----------------------------------------------------------------------------------


def similar_threads(user: Any, viewer: ForumViewer, title: str, *, limit: int = SIMILAR_LIMIT) -> list[Thread]:
    """Answered threads whose titles share words with `title`, that the person may read: this space's first, then
    public threads of other spaces sharing a condition with it."""
    words = tuple(word for word in words_of(title) if word not in _STOP_WORDS)
    if len(title.strip()) < SIMILAR_MIN_LENGTH or not words:
        return []
    backend = engine()
    space = viewer.space
    here = _Plan(words, scope_for(user), any_word=True, title_only=True, spaces=frozenset({space.pk}),
                 answered_only=True, reviewed_only=True)  # fmt: skip
    ids = backend.ranked(here, limit=limit, window=RANK_WINDOW)
    if len(ids) < limit:
        siblings = frozenset(
            public_spaces()
            .filter(listing__conditions__in=space.listing.conditions.values("pk"))
            .exclude(pk=space.pk)
            .values_list("pk", flat=True)
            .distinct()
        )
        if siblings:
            elsewhere = replace(here, scope=public_scope(), spaces=siblings)
            ids += [pk for pk in backend.ranked(elsewhere, limit=limit, window=RANK_WINDOW) if pk not in ids]
    thread_of = dict(SearchDocument.objects.filter(pk__in=ids).values_list("pk", "thread_id"))
    order = list(dict.fromkeys(thread_of[pk] for pk in ids if thread_of.get(pk)))[:limit]
    threads = {
        thread.pk: thread
        for thread in Thread.objects.filter(pk__in=order)
        .filter(Exists(_visible_openings(OuterRef("pk"))))
        .exclude(unreviewed_thread())
        .select_related("space")
    }
    return [threads[pk] for pk in order if pk in threads]


# --- Knowledge: the most helpful answered public threads of a condition -----------------------------------------------


def _public_threads() -> QuerySet[Thread]:
    """Threads anyone may read (forum.selectors.public_threads: in a public forum or made public, in a space anyone
    may find, with a visible opening post), answered, with a published answer."""
    return (
        public_threads()
        .order_by()
        .filter(answer__isnull=False, answer__status=Post.Status.PUBLISHED)
        .exclude(unreviewed_thread())
    )


def _helpful_count(**lookups: Any) -> Coalesce:
    return Coalesce(
        Subquery(
            Reaction.objects.filter(kind=Reaction.Kind.HELPFUL, **lookups)
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def knowledge_threads(condition: Condition, *, limit: int = KNOWLEDGE_LIMIT) -> list[Thread]:
    """Helpfulness: "helpful" reactions on the answer and on the question, then the most recent activity."""
    return list(
        _public_threads()
        .filter(space__listing__conditions=condition)
        .annotate(
            helpful=_helpful_count(post=OuterRef("answer_id"))
            + _helpful_count(post__thread=OuterRef("pk"), post__is_opening=True)
        )
        .select_related("space", "author", "answer__author")
        .order_by("-helpful", "-last_activity_at", "-pk")[:limit]
    )


def knowledge_conditions() -> list[Condition]:
    """Conditions with any answered public thread, by name, each with `thread_count`."""
    threads = _public_threads().filter(space__listing__conditions=OuterRef("pk"))
    conditions = Condition.objects.filter(Exists(threads)).order_by("name")
    counts = dict(
        _public_threads()
        .filter(space__listing__conditions__in=conditions)
        .values("space__listing__conditions")
        .annotate(n=Count("pk", distinct=True))
        .values_list("space__listing__conditions", "n")
    )
    found = list(conditions)
    for condition in found:
        condition.thread_count = counts.get(condition.pk, 0)  # type: ignore[attr-defined]
    return found
