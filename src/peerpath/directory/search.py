"""Public search of the directory: one interface over SQLite FTS5 and PostgreSQL full text.

`parse_listing_query` turns URL parameters (the page and `GET /api/v1/listings` share them) into a ListingQuery,
refusing unknown values with a DomainError; `search_listings` runs it. Free text never reaches the engine as
syntax: it is cut into words, and each word or condition phrase is quoted, so quotes, `*`, `:`, `-`, `NEAR` and
unbalanced parentheses are plain text. A word or phrase that names a condition ("POTS", "long covid", "T1D")
matches condition names and synonyms, not the free text of descriptions, so "ME" does not find every "me".
"""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField, QuerySet, Value
from django.utils.translation import gettext as _

from peerpath.core.errors import DomainError
from peerpath.core.fields import codes_contain
from peerpath.directory.geo import KM_PER_DEGREE, Place, haversine_km, resolve_place
from peerpath.directory.models import GRACE_AFTER_DUE, Condition, Listing, ListingSearchDocument
from peerpath.directory.selectors import public_listings, today

MAX_QUERY_LENGTH = 200
# Counting every match of a common word costs as much as ranking them all: past this, the page says "more than".
COUNT_CAP = 1000
MAX_WORDS = 12
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
RADII_KM = (5, 10, 25, 50, 100, 250)
DEFAULT_RADIUS_KM = 25
SORTS = ("relevance", "distance", "recent")
# Words that say nothing about which group: dropped from the text so they do not narrow the match.
_FILLER = frozenset(
    "a an and the for in of on or with to at by my i is are am any near support supports group groups peer peers "  # noqa: SIM905
    "people meeting meetings".split()
)
_WORD = re.compile(r"[^\W_]+")
_LONGEST_PHRASE = 5


@dataclass(frozen=True)
class ListingQuery:
    text: str = ""
    conditions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    cadences: tuple[str, ...] = ()
    audience: str = ""
    life_stage: str = ""
    language: str = ""
    free_only: bool = False
    near: str = ""
    place: Place | None = None
    radius_km: int | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def params(self, **changes: Any) -> dict[str, Any]:
        """This query as URL parameters (for links: pages, broader searches, sharing)."""
        query = replace(self, **changes) if changes else self
        params: dict[str, Any] = {}
        if query.text:
            params["q"] = query.text
        for name, values in (
            ("condition", query.conditions),
            ("kind", query.kinds),
            ("format", query.formats),
            ("cadence", query.cadences),
        ):
            if values:
                params[name] = list(values)
        for name, value in (("audience", query.audience), ("life_stage", query.life_stage),
                            ("language", query.language)):  # fmt: skip
            if value:
                params[name] = value
        if query.free_only:
            params["free"] = "1"
        if query.place is not None:
            if query.near:
                params["near"] = query.near
            else:
                params["lat"] = f"{query.place.latitude:.4f}"
                params["lon"] = f"{query.place.longitude:.4f}"
            if query.radius_km:
                params["radius"] = str(query.radius_km)
        if query.sort != "relevance":
            params["sort"] = query.sort
        if query.page != 1:
            params["page"] = str(query.page)
        if query.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = str(query.page_size)
        return params

    def querystring(self, **changes: Any) -> str:
        return urlencode(self.params(**changes), doseq=True)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.conditions or self.kinds or self.formats or self.cadences or self.audience or self.life_stage
            or self.language or self.free_only or self.place
        )  # fmt: skip


@dataclass
class SearchHit:
    listing: Listing
    distance_km: float | None = None


@dataclass
class BroaderSearch:
    label: str
    query: ListingQuery
    total: int


@dataclass
class SearchResult:
    query: ListingQuery
    hits: list[SearchHit]
    total: int  # matches counted up to COUNT_CAP + 1
    broader: list[BroaderSearch] = field(default_factory=list)

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


# --- Parsing ---------------------------------------------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str, *, split: bool = True) -> list[str]:
    """Every value of a parameter; multi-valued filters also take "a,b" for a repeated parameter."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist is not None else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    values: list[str] = []
    for item in raw or []:
        parts = str(item).split(",") if split else [str(item)]
        values.extend(part.strip() for part in parts if part.strip())
    return values


def _one(params: Mapping[str, Any], name: str) -> str:
    values = _values(params, name, split=False)
    if len(values) > 1:
        raise DomainError(_("Give one value for %(name)s.") % {"name": name}, field=name)
    return values[0] if values else ""


def _choices(params: Mapping[str, Any], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    values = _values(params, name)
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise DomainError(
            _("Unknown %(name)s: %(values)s. Choose from %(allowed)s.")
            % {"name": name, "values": ", ".join(unknown[:3])[:100], "allowed": ", ".join(allowed)},
            field=name,
        )
    return tuple(dict.fromkeys(values))


def _integer(params: Mapping[str, Any], name: str, *, default: int, low: int, high: int) -> int:
    raw = _one(params, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DomainError(_("%(name)s must be a whole number.") % {"name": name}, field=name) from None
    if not low <= value <= high:
        raise DomainError(
            _("%(name)s must be between %(low)s and %(high)s.") % {"name": name, "low": low, "high": high}, field=name
        )
    return value


def _coordinate(raw: str, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise DomainError(_("Your location could not be read: search by town instead."), field=name) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise DomainError(_("Your location could not be read: search by town instead."), field=name)
    return value


def parse_listing_query(
    params: Mapping[str, Any], *, conditions: Mapping[str, Condition], max_page_size: int = MAX_PAGE_SIZE
) -> ListingQuery:
    """URL parameters to a query; any unknown value is a DomainError naming the parameter."""
    text = " ".join(_values(params, "q", split=False))
    if len(text) > MAX_QUERY_LENGTH:
        raise DomainError(
            _("Your search is too long: use at most %(n)s characters.") % {"n": MAX_QUERY_LENGTH}, field="q"
        )
    condition_slugs = _choices(params, "condition", list(conditions))
    audience = _one(params, "audience")
    if audience and audience not in (Listing.Audience.PATIENTS, Listing.Audience.CARERS):
        raise DomainError(_("Unknown audience: choose patients or carers."), field="audience")
    life_stage = _one(params, "life_stage")
    if life_stage and life_stage not in Listing.LifeStage.values:
        raise DomainError(
            _("Unknown life stage. Choose from %(allowed)s.") % {"allowed": ", ".join(Listing.LifeStage.values)},
            field="life_stage",
        )
    language = _one(params, "language").lower()
    if language and not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", language):
        raise DomainError(_("A language is a code such as en, cy or pa."), field="language")
    free = _one(params, "free").lower()
    if free not in ("", "0", "1", "true", "false", "on", "yes", "no"):
        raise DomainError(_("free is 1 or 0."), field="free")

    near = _one(params, "near")
    if len(near) > 100:
        raise DomainError(_("A place name is at most 100 characters."), field="near")
    lat, lon = _one(params, "lat"), _one(params, "lon")
    place: Place | None = None
    if near:
        place = resolve_place(near)
        if place is None:
            raise DomainError(
                _("We could not find “%(place)s”. Try a nearby town or city, or a US ZIP code.") % {"place": near},
                field="near",
            )
    elif lat or lon:
        if not (lat and lon):
            raise DomainError(_("Your location could not be read: search by town instead."), field="near")
        place = Place(_("your location"), _coordinate(lat, "lat", 90), _coordinate(lon, "lon", 180))
    radius_raw = _one(params, "radius")
    radius: int | None = None
    if radius_raw:
        if place is None:
            raise DomainError(_("Say where: a town, a city or a ZIP code, or use your location."), field="near")
        radius = _integer(params, "radius", default=DEFAULT_RADIUS_KM, low=1, high=max(RADII_KM))
    elif place is not None:
        radius = DEFAULT_RADIUS_KM
    sort = _one(params, "sort") or "relevance"
    if sort not in SORTS:
        raise DomainError(_("Sort by relevance, distance or recent."), field="sort")
    if sort == "distance" and place is None:
        raise DomainError(_("Say where, to sort by distance."), field="near")
    return ListingQuery(
        text=" ".join(text.split()),
        conditions=condition_slugs,
        kinds=_choices(params, "kind", Listing.Kind.values),
        formats=_choices(params, "format", Listing.Format.values),
        cadences=_choices(params, "cadence", Listing.Cadence.values),
        audience=audience,
        life_stage=life_stage,
        language=language,
        free_only=free in ("1", "true", "on", "yes"),
        near=near,
        place=place,
        radius_km=radius,
        sort=sort,
        page=_integer(params, "page", default=1, low=1, high=10_000),
        page_size=_integer(params, "page_size", default=DEFAULT_PAGE_SIZE, low=1, high=max_page_size),
    )


# --- Text matching: the engine-specific part -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextQuery:
    """Free text cut into plain words and condition phrases (each a tuple of words)."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def condition_phrases(conditions: Sequence[Condition]) -> frozenset[tuple[str, ...]]:
    return _phrases(tuple((condition.name, tuple(condition.synonyms)) for condition in conditions))


@functools.lru_cache(maxsize=4)  # the value set changes rarely; every search reads it
def _phrases(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> frozenset[tuple[str, ...]]:
    phrases = set()
    for name, synonyms in terms:
        for term in (name, *synonyms):
            words = tuple(words_of(term))
            if 0 < len(words) <= _LONGEST_PHRASE:
                phrases.add(words)
    return frozenset(phrases)


def text_query(text: str, phrases: frozenset[tuple[str, ...]]) -> TextQuery:
    """Longest condition phrases first, left to right; other words minus filler."""
    tokens = words_of(text)[: MAX_WORDS * 2]
    for i in range(len(tokens) - 1, 0, -1):  # "near me" is about a place, not ME/CFS
        if tokens[i - 1 : i + 1] == ["near", "me"]:
            del tokens[i - 1 : i + 1]
    words: list[str] = []
    found: list[tuple[str, ...]] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1):
            candidate = tuple(tokens[i : i + size])
            if candidate in phrases:
                found.append(candidate)
                i += size
                break
        else:
            if tokens[i] not in _FILLER:
                words.append(tokens[i])
            i += 1
    return TextQuery(tuple(dict.fromkeys(words))[:MAX_WORDS], tuple(dict.fromkeys(found))[:MAX_WORDS])


class TextBackend(Protocol):
    def match(self, queryset: QuerySet[Listing], query: TextQuery) -> QuerySet[Listing]:
        """Listings matching every word and phrase, annotated `text_rank` (higher is better)."""

    def top(self, query: TextQuery, limit: int) -> list[tuple[int, float]]:
        """The best `limit` search documents for the text alone: (document id, rank), best first."""


class SQLiteFTS5:
    """FTS5 over directory_listing_fts (migrations 0002, 0004), ranked by bm25 with name > conditions > the rest.

    The fourth column holds the facet terms: it is matched by filters only and weighs nothing in the rank."""

    table = "directory_listing_fts"
    rank = f"bm25({table}, 10.0, 6.0, 1.0, 0.0)"

    @staticmethod
    def expression(query: TextQuery, facets: Sequence[Sequence[str]] = ()) -> str:
        # Every word is a double-quoted FTS5 string, so nothing in it is syntax (words hold letters and digits only).
        parts = ['{name conditions body} : "' + word + '"' for word in query.words]
        parts += ['{name conditions} : "' + " ".join(phrase) + '"' for phrase in query.phrases]
        parts += ["facets : (" + " OR ".join(f'"{term}"' for term in group) + ")" for group in facets]
        return " AND ".join(parts)

    def match(self, queryset: QuerySet[Listing], query: TextQuery) -> QuerySet[Listing]:
        # extra(): FTS5 needs its MATCH and bm25() on the virtual table; only constant SQL here, the text is a param.
        return queryset.filter(search_document__isnull=False).extra(  # noqa: S610
            select={"text_rank": f"-{self.rank}"},
            tables=[self.table],
            where=[
                f"{self.table}.rowid = directory_listingsearchdocument.id",
                f"{self.table} MATCH %s",
            ],
            params=[self.expression(query)],
        )

    def top(self, query: TextQuery, limit: int) -> list[tuple[int, float]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, -{self.rank} FROM {self.table} WHERE {self.table} MATCH %s "  # noqa: S608
                f"ORDER BY {self.rank} LIMIT %s",
                [self.expression(query), limit],
            )
            return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


class PostgresFullText:
    """tsvector search over the generated column (migration 0002), ranked by ts_rank with weights A > B > C."""

    @staticmethod
    def expression(query: TextQuery) -> tuple[str, list[str]]:
        """A tsquery built from parameters only. A word matches stemmed (english) or as written (simple, which
        keeps words such as "me" that english drops); a phrase matches names and conditions only (weights A, B)."""
        sql: list[str] = []
        params: list[str] = []
        for word in query.words:
            sql.append("(to_tsquery('english', %s) || to_tsquery('simple', %s))")
            params += [word, word]
        for phrase in query.phrases:
            text = " <-> ".join(f"{word}:AB" for word in phrase)
            sql.append("(to_tsquery('english', %s) || to_tsquery('simple', %s))")
            params += [text, text]
        return " && ".join(sql), params

    def match(self, queryset: QuerySet[Listing], query: TextQuery) -> QuerySet[Listing]:
        tsquery, params = self.expression(query)
        vector = "directory_listingsearchdocument.search_vector"
        # Constant SQL; every word reaches PostgreSQL as a parameter.
        return queryset.filter(search_document__isnull=False).extra(  # noqa: S610
            select={"text_rank": f"ts_rank({vector}, {tsquery})"},
            select_params=params,
            where=[f"{vector} @@ ({tsquery})"],
            params=params,
        )

    def top(self, query: TextQuery, limit: int) -> list[tuple[int, float]]:
        tsquery, params = self.expression(query)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, ts_rank(search_vector, {tsquery}) AS rank FROM directory_listingsearchdocument "  # noqa: S608
                f"WHERE search_vector @@ ({tsquery}) ORDER BY rank DESC LIMIT %s",
                [*params, *params, limit],
            )
            return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def text_backend() -> TextBackend:
    return PostgresFullText() if connection.vendor == "postgresql" else SQLiteFTS5()


# --- Facets: filter values as index terms (used on SQLite) ----------------------------------------------------------

# Map cells are one degree square; a "near me" search lists the cells its circle touches, up to this many.
_MAX_CELLS = 60


def _term(prefix: str, value: Any) -> str:
    """An index term of letters and digits only, so that FTS5 keeps it one token."""
    return prefix + re.sub(r"[^0-9a-z]", "", str(value).lower())


def _condition_term(pk: Any) -> str:
    return "condition" + uuid.UUID(str(pk)).hex


def _cell(row: int, column: int) -> str:
    return f"cell{row}x{column % 360}"


def facet_terms(listing: Any, condition_ids: Iterable[Any]) -> str:
    """A listing's filter values as index terms, for its search document."""
    terms = [_term("kind", listing.kind), _term("format", listing.format), _term("cadence", listing.cadence),
             _term("audience", listing.audience)]  # fmt: skip
    terms += [_term("stage", stage) for stage in listing.life_stages]
    terms += [_term("lang", code) for code in listing.languages]
    if listing.is_free:
        terms.append("costfree")
    terms += [_condition_term(pk) for pk in condition_ids]
    if listing.latitude is not None and listing.longitude is not None:
        terms.append(_cell(math.floor(listing.latitude + 90), math.floor(listing.longitude + 180)))
    return " ".join(terms)


def _cells(place: Place, radius_km: int) -> list[str] | None:
    """The cells under the box that `_near` draws round a place; None when they are too many to list."""
    degrees = radius_km / KM_PER_DEGREE
    shrink = math.cos(math.radians(place.latitude))
    if shrink < 0.05:
        return None
    lon_degrees = degrees / shrink
    rows = range(math.floor(place.latitude - degrees + 90), math.floor(place.latitude + degrees + 90) + 1)
    columns = range(math.floor(place.longitude - lon_degrees + 180),
                    math.floor(place.longitude + lon_degrees + 180) + 1)  # fmt: skip
    if len(rows) * len(columns) > _MAX_CELLS:
        return None
    return [_cell(row, column) for row in rows for column in columns]


def facet_groups(query: ListingQuery, conditions: Mapping[str, Condition]) -> list[list[str]]:
    """The query's filters as groups of terms: a listing matches when it has a term of every group."""
    groups = [[_condition_term(conditions[slug].pk) for slug in query.conditions]]
    groups += [[_term("kind", kind) for kind in query.kinds], [_term("format", f) for f in query.formats],
               [_term("cadence", cadence) for cadence in query.cadences]]  # fmt: skip
    if query.audience:
        groups.append([_term("audience", query.audience), _term("audience", Listing.Audience.BOTH)])
    if query.life_stage:
        groups.append([_term("stage", query.life_stage)])
    if query.language:
        groups.append([_term("lang", query.language)])
    if query.free_only:
        groups.append(["costfree"])
    if query.place is not None:
        # Without cells the exact distance check below still applies; it just reads more rows.
        groups.append(_cells(query.place, query.radius_km or DEFAULT_RADIUS_KM) or [])
    return [group for group in groups if group]


class _Match(NamedTuple):
    pk: str
    rank: float
    vetted_on: str
    distance2: float
    document: int


_PUBLIC_BY_VETTING = "directory_status_vetted_idx"  # (status, last_vetted_on DESC, id DESC), Listing.Meta


def _fts_matches(
    query: ListingQuery,
    expression: str,
    *,
    ranked: bool,
    limit: int,
    best: int = 0,
    walk: bool = False,
    by_vetting: bool = False,
) -> list[_Match]:
    """Public listings whose documents match an FTS5 expression, up to `limit`, read one of three ways.

    - By default, the index first, in no order (or `by_vetting`, most recent first): CROSS JOIN fixes SQLite's
      join order, which would otherwise walk every public listing and probe the index for each.
    - With `best`, only among the `best` highest-ranked documents.
    - With `walk`, the public listings in order of vetting, each probed in the index: fast when matches are common,
      since it stops as soon as `limit` are found.
    """
    fts, rank = SQLiteFTS5.table, SQLiteFTS5.rank
    public = "l.status = %s AND l.rereview_due_on >= %s"
    public_params = [Listing.Status.VETTED, (today() - GRACE_AFTER_DUE).isoformat()]
    score, order = (f"-{rank}" if ranked else "0.0"), ""
    if best:
        source = (
            f"(SELECT rowid AS doc, -{rank} AS rank FROM {fts} WHERE {fts} MATCH %s ORDER BY {rank} LIMIT %s) best "  # noqa: S608
            f"CROSS JOIN directory_listingsearchdocument d ON d.id = best.doc "
            f"CROSS JOIN directory_listing l ON l.id = d.listing_id"
        )
        source_params: list[Any] = [expression, best]
        score, where, where_params = "best.rank", public, public_params
    elif walk:
        source = (
            f"directory_listing l INDEXED BY {_PUBLIC_BY_VETTING} "
            f"CROSS JOIN directory_listingsearchdocument d ON d.listing_id = l.id "
            f"CROSS JOIN {fts} ON {fts}.rowid = d.id"
        )
        source_params, where, where_params = [], f"{fts} MATCH %s AND {public}", [expression, *public_params]
        order = "ORDER BY l.last_vetted_on DESC, l.id DESC"
    else:
        source = (
            f"{fts} CROSS JOIN directory_listingsearchdocument d ON d.id = {fts}.rowid "
            f"CROSS JOIN directory_listing l ON l.id = d.listing_id"
        )
        source_params, where, where_params = [], f"{fts} MATCH %s AND {public}", [expression, *public_params]
        order = "ORDER BY 3 DESC, 1 DESC" if by_vetting else ""
    distance, distance_params, near_params = "0.0", [], []
    if query.place is not None:
        degrees = (query.radius_km or DEFAULT_RADIUS_KM) / KM_PER_DEGREE
        lat, lon = query.place.latitude, query.place.longitude
        # As in `_near`: equirectangular, squared, in degrees of latitude.
        distance = "((l.latitude - %s) * (l.latitude - %s) + (l.longitude - %s) * (l.longitude - %s) * %s)"
        distance_params = [lat, lat, lon, lon, math.cos(math.radians(lat)) ** 2]
        where += f" AND l.latitude BETWEEN %s AND %s AND l.longitude IS NOT NULL AND {distance} <= %s"
        near_params = [lat - degrees, lat + degrees, *distance_params, degrees * degrees]
    # The date is read as text: the driver would otherwise parse every one into a date object.
    sql = f"SELECT l.id, {score}, CAST(l.last_vetted_on AS TEXT), {distance}, d.id FROM {source} WHERE {where} {order} LIMIT %s"  # noqa: S608, E501
    params = [*distance_params, *source_params, *where_params, *near_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # constant SQL: the expression and every value are parameters
        return [_Match(pk, score, day or "", d2, doc) for pk, score, day, d2, doc in cursor.fetchall()]


def _sorted(matches: list[_Match], query: ListingQuery, *, ranked: bool) -> list[_Match]:
    """In the order `_run` gives: ties fall to the most recently vetted, then the id, so pages never overlap."""
    if query.sort == "distance" and query.place is not None:
        return sorted(matches, key=lambda m: (-m.distance2, m.vetted_on, m.pk), reverse=True)
    if query.sort == "recent" or not ranked:
        return sorted(matches, key=lambda m: (m.vetted_on, m.pk), reverse=True)
    return sorted(matches, key=lambda m: (m.rank, m.vetted_on, m.pk), reverse=True)


def _indexed_expression(query: ListingQuery, conditions: Mapping[str, Condition], text: TextQuery) -> str:
    """The whole search as one FTS5 expression, or "" where the index cannot help (PostgreSQL; plain browsing)."""
    if connection.vendor != "sqlite":
        return ""
    return SQLiteFTS5.expression(text, facet_groups(query, conditions))


def _indexed_page(
    query: ListingQuery, expression: str, text: TextQuery, offset: int, size: int
) -> tuple[int, list[Any] | None]:
    """The total and one page's ids through the index; the ids are None when the ORM should page instead."""
    ranked = not text.is_empty
    matches = _fts_matches(query, expression, ranked=ranked, limit=COUNT_CAP + 1)
    total = len(matches)
    if total <= COUNT_CAP:
        return total, [uuid.UUID(m.pk) for m in _sorted(matches, query, ranked=ranked)[offset : offset + size]]
    if query.sort == "relevance" and ranked:
        # So many matches that ranking them all is the cost: rank the best few, and keep the public ones.
        best = max(_TOP_FIRST, (offset + size) * 4)
        for _attempt in range(3):
            passing = _fts_matches(query, expression, ranked=True, limit=best, best=best)
            if len(passing) >= offset + size:
                page = _sorted(passing, query, ranked=True)[offset : offset + size]
                return total, [uuid.UUID(m.pk) for m in page]
            best *= _TOP_GROWTH
        return total, None
    if query.sort == "distance" or not ranked:
        # Distance: the ORM reads the latitude index, which holds far fewer rows than the map cells. Filters alone:
        # the ORM walks the listings in order of vetting and checks each, which finds common matches soonest.
        return total, None
    # Words, most recently vetted first. The index hands documents over in id order, so how far the first matches
    # reached says how common matches are: common enough, and walking the listings in order of vetting, probing
    # the index for each, finds the page soonest; otherwise SQLite sorts all the matches.
    reach = max(m.document for m in matches) / len(matches)
    walk = (offset + size) * reach <= _WALK_LIMIT
    page = _fts_matches(query, expression, ranked=False, limit=offset + size, walk=walk, by_vetting=not walk)
    return total, [uuid.UUID(m.pk) for m in page[offset:]]


# --- Running a query -------------------------------------------------------------------------------------------------


def _filtered(query: ListingQuery, base: QuerySet[Listing], conditions: Mapping[str, Condition]) -> QuerySet[Listing]:
    queryset = base
    if query.conditions:
        ids = [conditions[slug].pk for slug in query.conditions]
        # A subquery, not a join: one row per listing whatever the number of conditions it has.
        queryset = queryset.filter(pk__in=Listing.conditions.through.objects.filter(condition_id__in=ids)
                                   .values("listing_id"))  # fmt: skip
    if query.kinds:
        queryset = queryset.filter(kind__in=query.kinds)
    if query.formats:
        queryset = queryset.filter(format__in=query.formats)
    if query.cadences:
        queryset = queryset.filter(cadence__in=query.cadences)
    if query.audience:
        queryset = queryset.filter(audience__in=[query.audience, Listing.Audience.BOTH])
    if query.life_stage:
        queryset = queryset.filter(codes_contain("life_stages", query.life_stage))
    if query.language:
        queryset = queryset.filter(codes_contain("languages", query.language))
    if query.free_only:
        queryset = queryset.filter(is_free=True)
    return queryset


def _near(queryset: QuerySet[Listing], place: Place, radius_km: int) -> QuerySet[Listing]:
    """Within the radius, by an equirectangular distance: plain arithmetic that both engines index-filter on
    latitude first, and accurate to well under 1% at these distances. Shown distances are great-circle."""
    degrees = radius_km / KM_PER_DEGREE
    shrink = math.cos(math.radians(place.latitude))
    dlat = F("latitude") - Value(place.latitude)
    dlon = (F("longitude") - Value(place.longitude)) * Value(shrink)
    return (
        queryset.filter(
            latitude__gte=place.latitude - degrees,
            latitude__lte=place.latitude + degrees,
            longitude__isnull=False,
        )
        .annotate(distance2=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField()))
        .filter(distance2__lte=degrees * degrees)
    )


def _run(
    query: ListingQuery,
    base: QuerySet[Listing],
    conditions: Mapping[str, Condition],
    phrases: frozenset[tuple[str, ...]],
) -> QuerySet[Listing]:
    queryset = _filtered(query, base, conditions)
    text = text_query(query.text, phrases)
    ranked = not text.is_empty
    if ranked:
        queryset = text_backend().match(queryset, text)
    if query.place is not None:
        queryset = _near(queryset, query.place, query.radius_km or DEFAULT_RADIUS_KM)
    # Ties break on the id, so pages never overlap; "recent" walks the (status, last vetted, id) index.
    if query.sort == "distance" and query.place is not None:
        order = ["distance2", "-last_vetted_on", "-pk"]
    elif query.sort == "recent" or not ranked:
        order = ["-last_vetted_on", "-pk"]
    else:
        order = ["-text_rank", "-last_vetted_on", "-pk"]
    return queryset.order_by(*order)


# The text engine ranks its best matches on its own (as fast as it can go); filters then keep the ones that pass.
# Only when too few pass, and the engine had more, does the whole ranked join run.
_TOP_FIRST = 200
_TOP_GROWTH = 10
# The most listings a walk in order of vetting should expect to probe before its page is full (a probe costs
# about as much as reading 50 matches).
_WALK_LIMIT = 300


def _ranked_page(
    query: ListingQuery, filtered: QuerySet[Listing], text: TextQuery, offset: int, size: int
) -> list[Any]:
    backend = text_backend()
    limit = max(_TOP_FIRST, (offset + size) * 4)
    for _attempt in range(2):
        top = backend.top(text, limit)
        # Documents to listings by primary key first: given the listing ids, the planner looks each one up,
        # where a join on the document ids would walk the listings' status index instead (hundreds of ms).
        listing_of = dict(ListingSearchDocument.objects.filter(pk__in=[doc for doc, _rank in top])
                          .values_list("pk", "listing_id"))  # fmt: skip
        ranks = {listing_of[doc]: rank for doc, rank in top if doc in listing_of}
        rows = filtered.filter(pk__in=list(ranks)).values_list("pk", "last_vetted_on")
        passing = sorted(rows, key=lambda row: (-ranks[row[0]], -(row[1].toordinal() if row[1] else 0), str(row[0])))
        if len(passing) >= offset + size or len(top) < limit:
            return [row[0] for row in passing[offset : offset + size]]
        limit *= _TOP_GROWTH
    ranked = backend.match(filtered, text).order_by("-text_rank", "-last_vetted_on", "-pk")
    return list(ranked.values_list("pk", flat=True)[offset : offset + size])


def _count(query: ListingQuery, conditions: Mapping[str, Condition], phrases: frozenset[tuple[str, ...]]) -> int:
    """Matches, counted up to COUNT_CAP + 1."""
    expression = _indexed_expression(query, conditions, text_query(query.text, phrases))
    if expression:
        return len(_fts_matches(query, expression, ranked=False, limit=COUNT_CAP + 1))
    return _capped_count(_run(query, public_listings(), conditions, phrases))


def _capped_count(queryset: QuerySet[Listing]) -> int:
    # values(): the count then leaves out the rank, which PostgreSQL would otherwise compute for every match.
    return queryset.values("pk").order_by()[: COUNT_CAP + 1].count()


def search_listings(
    query: ListingQuery,
    *,
    suggest_broader: bool = True,
    conditions: Sequence[Condition] | None = None,
) -> SearchResult:
    """One page of public listings and the total; a constant number of queries whatever the page size.

    `conditions` is the value set when the caller has already read it (to parse the query)."""
    conditions = list(Condition.objects.all()) if conditions is None else conditions
    by_slug = {condition.slug: condition for condition in conditions}
    phrases = condition_phrases(conditions)
    text = text_query(query.text, phrases)
    offset = (query.page - 1) * query.page_size
    expression = _indexed_expression(query, by_slug, text)
    ids: list[Any] | None = None
    if expression:
        total, ids = _indexed_page(query, expression, text, offset, query.page_size)
    if ids is None:
        base = public_listings()
        queryset = _run(query, base, by_slug, phrases)
        if not expression:
            total = _capped_count(queryset)
        if query.sort == "relevance" and not text.is_empty and total > COUNT_CAP:
            filtered = _filtered(query, base, by_slug)
            if query.place is not None:
                filtered = _near(filtered, query.place, query.radius_km or DEFAULT_RADIUS_KM)
            ids = _ranked_page(query, filtered, text, offset, query.page_size)
        else:
            ids = list(queryset.values_list("pk", flat=True)[offset : offset + query.page_size])
    listings = {
        listing.pk: listing
        for listing in Listing.objects.filter(pk__in=ids)
        .select_related("host", "curator")
        .prefetch_related("conditions")
    }
    hits = []
    for pk in ids:
        listing = listings[pk]
        distance = None
        if query.place is not None and listing.has_place:
            distance = haversine_km(query.place.latitude, query.place.longitude, listing.latitude,  # type: ignore[arg-type]
                                    listing.longitude)  # type: ignore[arg-type]  # fmt: skip
        hits.append(SearchHit(listing, distance))
    result = SearchResult(query=query, hits=hits, total=total)
    if total == 0 and suggest_broader:
        result.broader = broader_searches(query, conditions=by_slug, phrases=phrases)
    return result


def broader_searches(
    query: ListingQuery,
    *,
    conditions: Mapping[str, Condition],
    phrases: frozenset[tuple[str, ...]],
) -> list[BroaderSearch]:
    """When nothing matches: the same search with one thing relaxed at a time, each with how many it finds."""
    first = replace(query, page=1)
    candidates: list[tuple[str, ListingQuery]] = []
    if query.place is not None and (query.radius_km or 0) < max(RADII_KM):
        wider = next(r for r in RADII_KM if r > (query.radius_km or 0))
        candidates.append((_("Search within %(km)s km") % {"km": wider}, replace(first, radius_km=wider)))
    if query.place is not None:
        candidates.append((_("Search everywhere, including online groups"),
                           replace(first, place=None, near="", radius_km=None,
                                   sort="relevance" if query.sort == "distance" else query.sort)))  # fmt: skip
    if query.text and (query.has_filters):
        candidates.append((_("Search for “%(text)s” without filters") % {"text": query.text},
                           ListingQuery(text=query.text)))  # fmt: skip
    if query.text and len(words_of(query.text)) > 1:
        for word in words_of(query.text):
            if word not in _FILLER:
                candidates.append((_("Search for “%(text)s” only") % {"text": word}, replace(first, text=word)))
    for name, label in (
        ("formats", _("any format")),
        ("cadences", _("any schedule")),
        ("kinds", _("any kind of support")),
        ("free_only", _("paid groups too")),
        ("conditions", _("any condition")),
    ):
        if getattr(query, name):
            empty: Any = False if name == "free_only" else ()
            candidates.append((_("Include %(what)s") % {"what": label}, replace(first, **{name: empty})))
    if query.text and not query.has_filters:
        candidates.append((_("Browse every vetted group"), ListingQuery()))
    found: list[BroaderSearch] = []
    for label, candidate in candidates[:6]:
        total = _count(candidate, conditions, phrases)
        if total:
            found.append(BroaderSearch(label, candidate, total))
    return found
