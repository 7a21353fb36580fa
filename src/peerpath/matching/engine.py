"""The matcher (issue 17): hard constraints exclude a pair, a weighted score ranks the rest, and one optimal assignment
for the whole pool is solved as a min-cost flow by OR-tools (no hand-written solver, not greedy).

It reads plain values only (person.Person, vocabulary.py): profiles are loaded elsewhere (pool.py), so the matcher is
tested and measured without the database. Two paths compute the same thing:

- the scalar functions `excluded` and `score`, which say why, one pair at a time (explanations, tests, the parts a
  coordinator sees);
- a numpy kernel over many pairs at once (`candidate_pairs`, `top_candidates`), because a pool of 100,000 members and
  20,000 mentors has 2·10⁹ naive pairs. People are blocked by language (a shared language is the first hard
  constraint), each block is a dense cross product evaluated column-wise, and a pair is kept in the block of the
  first language both speak only, so it is counted once. The tests check that both paths agree pair for pair.

Scores are integers ("points", a score * 1000, each part rounded half up from an exact fraction) so that the solver's
costs, the brute-force optimum in the tests and the numbers a coordinator sees are the same numbers on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ortools.graph.python import min_cost_flow

from peerpath.core.errors import DomainError
from peerpath.matching import vocabulary as v
from peerpath.matching.person import Person

if TYPE_CHECKING:
    from peerpath.matching.explain import Explanation

SCALE = 1000  # points per unit of weighted score
NEAR_KM = 10.0  # Avoid "same area": living within this distance
EARTH_KM = 6371.0088
TZ_SPREAD_HOURS = 3  # slots are compared in each person's own time; further apart than this they do not overlap
# Time zone offsets are read at one fixed instant (mid-January), so a score does not change with the date it is run
# on; daylight saving moves an offset by an hour at most, well inside the 3 hours allowed.
TZ_INSTANT = datetime(2026, 1, 15, 12, tzinfo=UTC)
AGE_ORDER = {band: position for position, band in enumerate(v.AgeBand.values)}
FIELD_NAMES = tuple(name for name, _label, _weight in v.SOFT_FIELDS)
REASONS = {
    "same_person": _l("They are the same person"),
    "capacity": _l("The mentor has no places left (paused, untrained or at their cap)"),
    "language": _l("No language in common"),
    "adolescent": _l("The mentor is not approved to support young people"),
    "gender": _l("A stated preference about gender is not met"),
    "same_area": _l("One of them would rather not be matched with someone living nearby"),
    "much_older": _l("One of them would rather not be matched with someone much older"),
    "much_younger": _l("One of them would rather not be matched with someone much younger"),
    "distance": _l("Meeting in person is their only shared way to talk and they live too far apart"),
    "format": _l("No way to talk that both accept"),
}


@dataclass(frozen=True)
class Weights:
    """A coordinator's weights for one programme: each soft field 0-10; all zero would rank every pair the same and
    is refused."""

    values: Mapping[str, int]

    def __post_init__(self) -> None:
        values = dict(self.values)
        unknown = sorted(set(values) - set(FIELD_NAMES))
        if unknown:
            raise DomainError(_("Unknown weights: %(names)s.") % {"names": ", ".join(unknown)}, field="weights")
        low, high = v.WEIGHT_RANGE
        for name in FIELD_NAMES:
            weight = values.get(name, 0)
            if isinstance(weight, bool) or not isinstance(weight, int) or not low <= weight <= high:
                raise DomainError(
                    _("Each weight is a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                    field=name,
                )
            values[name] = weight
        if not any(values.values()):
            raise DomainError(_("At least one weight must be above zero, or every pair would score the same."),
                              field="weights")  # fmt: skip
        object.__setattr__(self, "values", values)

    @classmethod
    def default(cls) -> Weights:
        return cls(dict(v.DEFAULT_WEIGHTS))

    def __getitem__(self, name: str) -> int:
        return self.values[name]


@dataclass(frozen=True)
class Part:
    """One soft field of a score: `raw` in 0..1 (num/den), weighted and rounded to `points`."""

    name: str
    raw: float
    weight: int
    points: int

    @property
    def matched(self) -> bool:
        return self.raw > 0


@dataclass(frozen=True)
class Score:
    parts: tuple[Part, ...]

    @property
    def points(self) -> int:
        return sum(part.points for part in self.parts)

    @property
    def total(self) -> float:
        """The weighted score, Σ weight * part (0 to the sum of the weights)."""
        return self.points / SCALE

    def part(self, name: str) -> Part:
        return next(part for part in self.parts if part.name == name)


@dataclass(frozen=True)
class Match:
    """A proposed pair. `points` is the score the solver used; `score` (its parts, for the coordinator and the
    explanation) is worked out when first read, since a page shows a few pairs of a pool's tens of thousands."""

    mentee: Person
    mentor: Person
    weights: Weights
    points: int

    @cached_property
    def score(self) -> Score:
        return score(self.mentee, self.mentor, self.weights)


@dataclass(frozen=True)
class Candidate:
    mentor: Person
    score: Score
    explanation: Explanation


@dataclass(frozen=True)
class Assignment:
    pairs: list[Match]
    unmatched: list[Person]
    total: int  # points, the sum of the pairs' scores
    optimal: bool  # the solver's status was OPTIMAL
    candidate_pairs: int = 0


# ---------------------------------------------------------------------------------------------------- one pair


def rounded_points(weight: int, num: int, den: int) -> int:
    """round(SCALE * weight * num / den), half up, in exact integers (0 when den is 0)."""
    if den <= 0:
        return 0
    return (2 * SCALE * weight * num + den) // (2 * den)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=1024)
def tz_offset_hours(name: str) -> float | None:
    """The UTC offset of an IANA time zone at TZ_INSTANT; None when unsaid or unknown (then slots are compared as
    they are)."""
    if not name:
        return None
    try:
        offset = TZ_INSTANT.astimezone(ZoneInfo(name)).utcoffset()
    except (ValueError, KeyError, OSError):
        return None
    return None if offset is None else offset.total_seconds() / 3600


def _distance(mentee: Person, mentor: Person) -> float | None:
    if mentee.place is None or mentor.place is None:
        return None
    return distance_km(mentee.place, mentor.place)


def _in_person_ok(mentee: Person, mentor: Person, km: float | None) -> bool:
    """In person only if both chose it, neither avoids it, and both places are known and within both max_km."""
    if v.Format.IN_PERSON not in mentee.formats or v.Format.IN_PERSON not in mentor.formats:
        return False
    if v.Avoid.IN_PERSON in mentee.avoid or v.Avoid.IN_PERSON in mentor.avoid:
        return False
    if km is None or mentee.max_km is None or mentor.max_km is None:
        return False
    return km <= min(mentee.max_km, mentor.max_km)


def shared_formats(mentee: Person, mentor: Person) -> frozenset[str]:
    """The ways to talk both accept, with in person only when it is feasible for them."""
    shared = (mentee.formats & mentor.formats) - {v.Format.IN_PERSON}
    if _in_person_ok(mentee, mentor, _distance(mentee, mentor)):
        shared |= {v.Format.IN_PERSON}
    return frozenset(shared)


def _too_far_apart(avoider: Person, other: Person, step: int) -> bool:
    mine, theirs = AGE_ORDER.get(avoider.age_band), AGE_ORDER.get(other.age_band)
    return mine is not None and theirs is not None and (theirs - mine) * step >= 2


def excluded(mentee: Person, mentor: Person) -> str | None:
    """The first hard constraint the pair fails, as a key of REASONS, or None when they may be matched."""
    if mentee.id == mentor.id:
        return "same_person"
    if mentor.capacity <= 0:
        return "capacity"
    if not mentee.languages & mentor.languages:
        return "language"
    if mentee.adolescent and not mentor.approved_for_adolescents:
        return "adolescent"
    for wanting, other in ((mentee, mentor), (mentor, mentee)):
        if wanting.wants_gender and other.gender not in wanting.wants_gender:
            return "gender"
    km = _distance(mentee, mentor)
    if (v.Avoid.SAME_AREA in mentee.avoid or v.Avoid.SAME_AREA in mentor.avoid) and km is not None and km <= NEAR_KM:
        return "same_area"
    for avoid, step in ((v.Avoid.MUCH_OLDER, 1), (v.Avoid.MUCH_YOUNGER, -1)):
        if (avoid in mentee.avoid and _too_far_apart(mentee, mentor, step)) or (
            avoid in mentor.avoid and _too_far_apart(mentor, mentee, step)
        ):
            return str(avoid)
    if not (mentee.formats & mentor.formats) - {v.Format.IN_PERSON} and not _in_person_ok(mentee, mentor, km):
        both_in_person = v.Format.IN_PERSON in mentee.formats and v.Format.IN_PERSON in mentor.formats
        avoided = v.Avoid.IN_PERSON in mentee.avoid or v.Avoid.IN_PERSON in mentor.avoid
        return "distance" if both_in_person and not avoided else "format"
    return None


def stages_of(person: Person) -> set[tuple[str, str]]:
    return {(slug, stage) for slug, stages in person.conditions.items() for stage in stages}


def _jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[int, int]:
    common = len(a & b)
    return common, len(a) + len(b) - common


def slots_comparable(mentee: Person, mentor: Person) -> bool:
    mine, theirs = tz_offset_hours(mentee.timezone), tz_offset_hours(mentor.timezone)
    return mine is None or theirs is None or abs(mine - theirs) <= TZ_SPREAD_HOURS


def fractions(mentee: Person, mentor: Person) -> dict[str, tuple[int, int]]:
    """Each soft field as an exact fraction (num, den) in 0..1, den 0 meaning 0.

    condition: they share a condition; condition_stage: they share a stage of a shared condition; life_stage and
    interests: Jaccard of the two sets; age: 1 the same band, 1/2 adjacent bands, 0 otherwise or unsaid; goals: the
    share of the mentee's goals the mentor offers; availability: the share of the mentee's slots the mentor also has
    (0 when both said a time zone and they are more than 3 hours apart); format: they share a feasible way to talk
    other than messages."""
    ages = AGE_ORDER.get(mentee.age_band), AGE_ORDER.get(mentor.age_band)
    age_gap = abs(ages[0] - ages[1]) if ages[0] is not None and ages[1] is not None else None
    return {
        "condition": (int(bool(set(mentee.conditions) & set(mentor.conditions))), 1),
        "condition_stage": (int(bool(stages_of(mentee) & stages_of(mentor))), 1),
        "life_stage": _jaccard(mentee.life_stages, mentor.life_stages),
        "age": ({0: 2, 1: 1}.get(age_gap, 0) if age_gap is not None else 0, 2),
        "goals": (len(mentee.goals & mentor.goals), len(mentee.goals)),
        "availability": (
            len(mentee.availability & mentor.availability) if slots_comparable(mentee, mentor) else 0,
            len(mentee.availability),
        ),
        "interests": _jaccard(mentee.interests, mentor.interests),
        "format": (int(bool(shared_formats(mentee, mentor) - {v.Format.TEXT})), 1),
    }


def score(mentee: Person, mentor: Person, weights: Weights) -> Score:
    """The weighted score of a pair, part by part (meaningful only for a pair `excluded` lets through)."""
    parts = []
    for name, (num, den) in fractions(mentee, mentor).items():
        raw = num / den if den else 0.0
        parts.append(Part(name, raw, weights[name], rounded_points(weights[name], num, den)))
    return Score(tuple(parts))


# ---------------------------------------------------------------------------------------------------- many pairs


SET_FIELDS = ("languages", "conditions", "stages", "life_stages", "goals", "availability", "interests")
JACCARD_FIELDS = ("life_stages", "goals", "availability", "interests")


class _Encoder:
    """Values of each set-valued field -> bit positions, shared by both sides so their bitsets can be intersected,
    and ids -> numbers (to tell the same person on both sides)."""

    def __init__(self) -> None:
        self.index: dict[str, dict[Any, int]] = {name: {} for name in SET_FIELDS}
        self.ids: dict[Any, int] = {}

    def words(self) -> dict[str, int]:
        return {name: max(1, (len(index) + 63) // 64) for name, index in self.index.items()}


def _bits(values: Iterable[Any], index: dict[Any, int], grow: bool) -> int:
    """A set as a Python integer bitset; without `grow`, values never seen are left out (no one on the other side
    has them)."""
    bits = 0
    for value in values:
        position = index.get(value)
        if position is None:
            if not grow:
                continue
            position = index[value] = len(index)
        bits |= 1 << position
    return bits


def _words(rows: list[int], words: int) -> np.ndarray:
    """Python integer bitsets as an (n, words) uint64 array."""
    out = np.zeros((len(rows), words), dtype=np.uint64)
    for word in range(words):
        shift = 64 * word
        out[:, word] = np.array([(bits >> shift) & 0xFFFFFFFFFFFFFFFF for bits in rows], dtype=np.uint64)
    return out


def _small_bits(values: Iterable[str], order: Mapping[str, int]) -> int:
    bits = 0
    for value in values:
        bits |= order.get(value, 0)
    return bits


FORMATS, AVOIDS, GENDERS = ({value: 1 << n for n, value in enumerate(choices.values)}
                             for choices in (v.Format, v.Avoid, v.Gender))  # fmt: skip
BIT_IN_PERSON, BIT_TEXT = FORMATS[v.Format.IN_PERSON], FORMATS[v.Format.TEXT]
AVOID_SAME_AREA, AVOID_OLDER, AVOID_YOUNGER, AVOID_IN_PERSON = (
    AVOIDS[value] for value in (v.Avoid.SAME_AREA, v.Avoid.MUCH_OLDER, v.Avoid.MUCH_YOUNGER, v.Avoid.IN_PERSON)
)


class _Table:
    """One side's people as columns (the numpy form of Person). Set-valued fields become arrays in `finish`, once
    both sides are encoded and the number of 64-bit words per field is known."""

    def __init__(self, people: Sequence[Person], encoder: _Encoder, grow: bool = True,
                 ids: dict[Any, int] | None = None) -> None:  # fmt: skip
        self.people = people
        index, ids = encoder.index, encoder.ids if ids is None else ids
        self.raw: dict[str, list[int]] = {name: [] for name in SET_FIELDS}
        for p in people:
            self.raw["languages"].append(_bits(p.languages, index["languages"], grow))
            self.raw["conditions"].append(_bits(p.conditions, index["conditions"], grow))
            self.raw["stages"].append(_bits(stages_of(p), index["stages"], grow))
            self.raw["life_stages"].append(_bits(p.life_stages, index["life_stages"], grow))
            self.raw["goals"].append(_bits(p.goals, index["goals"], grow))
            self.raw["availability"].append(_bits(p.availability, index["availability"], grow))
            self.raw["interests"].append(_bits(p.interests, index["interests"], grow))
        self.sets: dict[str, np.ndarray] = {}
        self.sizes = {name: np.array([len(getattr(p, name)) for p in people], np.int64) for name in JACCARD_FIELDS}
        self.id = np.array([ids.setdefault(p.id, len(ids)) for p in people], np.int64)
        self.formats = np.array([_small_bits(p.formats, FORMATS) for p in people], np.uint8)
        self.avoid = np.array([_small_bits(p.avoid, AVOIDS) for p in people], np.uint8)
        self.wants = np.array([_small_bits(p.wants_gender, GENDERS) for p in people], np.uint8)
        self.gender = np.array([_small_bits((p.gender,), GENDERS) for p in people], np.uint8)
        self.age = np.array([AGE_ORDER.get(p.age_band, -1) for p in people], np.int64)
        self.tz = np.array([_nan(tz_offset_hours(p.timezone)) for p in people], np.float64)
        self.lat = np.radians(np.array([p.place[0] if p.place else np.nan for p in people], np.float64))
        self.lon = np.radians(np.array([p.place[1] if p.place else np.nan for p in people], np.float64))
        self.max_km = np.array([np.nan if p.max_km is None else p.max_km for p in people], np.float64)
        self.adolescent = np.array([p.adolescent for p in people], np.bool_)
        self.approved = np.array([p.approved_for_adolescents for p in people], np.bool_)
        self.capacity = np.array([p.capacity for p in people], np.int64)

    def finish(self, words: Mapping[str, int]) -> _Table:
        # A field that fits one word is kept 1-d: reductions over a trailing axis of 1 cost more than the work.
        self.sets = {name: _words(rows, words[name]) for name, rows in self.raw.items()}
        self.sets = {name: array[:, 0].copy() if array.shape[1] == 1 else array for name, array in self.sets.items()}
        return self


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Size of the intersection of bitsets, row by row (one word: a 1-d array)."""
    counts = np.bitwise_count(a & b)
    return counts.astype(np.int64) if counts.ndim == 1 else counts.sum(axis=1, dtype=np.int64)


def _points(weight: int, num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """rounded_points over arrays: looked up in a table of rounded_points itself for the (small) numerators and
    denominators present, so both paths give the same integers, and faster than dividing pair by pair."""
    num = np.asarray(num, dtype=np.int64)
    den_array = np.broadcast_to(np.asarray(den, dtype=np.int64), num.shape)
    if not num.size:
        return np.zeros(0, dtype=np.int64)
    table = np.array(
        [[rounded_points(weight, n, d) for d in range(int(den_array.max()) + 1)] for n in range(int(num.max()) + 1)],
        dtype=np.int64,
    )
    return table[num, den_array]


def _evaluate(
    a: _Table, b: _Table, left: np.ndarray, right: np.ndarray, weights: Weights, below: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a block of mentee rows `left` by mentor rows `right` (who share a language): the pairs (i, j) that pass
    every hard constraint, and their points. Mirrors `excluded` and `fractions`. The cheap constraints are worked
    out on the block by broadcasting, the rest only on the pairs that survive them, and distances only for pairs where
    both gave a place. `below`: drop pairs sharing a language among these bits (they are counted in another block)."""
    col, row = (slice(None), None), (None, slice(None))
    both = a.formats[left][col] & b.formats[right][row]
    ok = (both != 0) & (b.capacity[right] > 0)[row]
    ok &= (~a.adolescent[left])[col] | b.approved[right][row]
    # A stated gender preference (a bitset) must include the other's gender; an unsaid gender (0) fails it.
    wants = a.wants[left][col]
    ok &= (wants == 0) | ((wants & b.gender[right][row]) != 0)
    wants = b.wants[right][row]
    ok &= (wants == 0) | ((wants & a.gender[left][col]) != 0)
    if below is not None:
        # Only people who speak more than one language can share an earlier one.
        several_a = np.bitwise_count(a.sets["languages"][left]).reshape(len(left), -1).sum(axis=1) > 1
        several_b = np.bitwise_count(b.sets["languages"][right]).reshape(len(right), -1).sum(axis=1) > 1
        rows_a, rows_b = np.flatnonzero(several_a), np.flatnonzero(several_b)
        if len(rows_a) and len(rows_b):
            lang_a = a.sets["languages"][left[rows_a]].reshape(len(rows_a), 1, -1)
            lang_b = b.sets["languages"][right[rows_b]].reshape(1, len(rows_b), -1)
            earlier = ((lang_a & lang_b & below) != 0).any(axis=2)
            ok[np.ix_(rows_a, rows_b)] &= ~earlier
    r, c = np.nonzero(ok)
    i, j, both = left[r], right[c], both[r, c]
    if (a.id[i] == b.id[j]).any():  # the same person on both sides
        same = a.id[i] == b.id[j]
        i, j, both = i[~same], j[~same], both[~same]

    avoid_a, avoid_b = a.avoid[i], b.avoid[j]
    avoid = avoid_a | avoid_b
    ok = np.ones(len(i), dtype=np.bool_)
    if (avoid & (AVOID_OLDER | AVOID_YOUNGER)).any():
        age_a, age_b = a.age[i], b.age[j]
        known = (age_a >= 0) & (age_b >= 0)
        older = ((avoid_a & AVOID_OLDER) != 0) & (age_b - age_a >= 2)
        older |= ((avoid_b & AVOID_OLDER) != 0) & (age_a - age_b >= 2)
        younger = ((avoid_a & AVOID_YOUNGER) != 0) & (age_a - age_b >= 2)
        younger |= ((avoid_b & AVOID_YOUNGER) != 0) & (age_b - age_a >= 2)
        ok &= ~(known & (older | younger))
    km = np.full(len(i), np.nan)
    placed = np.flatnonzero(~np.isnan(a.lat[i]) & ~np.isnan(b.lat[j]))
    if len(placed):
        ip, jp = i[placed], j[placed]
        lat1, lat2 = a.lat[ip], b.lat[jp]
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((b.lon[jp] - a.lon[ip]) / 2) ** 2
        km[placed] = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    # NaN (a place unknown) makes every comparison below False.
    ok &= ~(((avoid & AVOID_SAME_AREA) != 0) & (km <= NEAR_KM))
    reach = np.fmin(a.max_km[i], b.max_km[j])
    reach[np.isnan(a.max_km[i]) | np.isnan(b.max_km[j])] = np.nan
    in_person = ((both & BIT_IN_PERSON) != 0) & ((avoid & AVOID_IN_PERSON) == 0) & (km <= reach)
    feasible = (both & (0xFF ^ BIT_IN_PERSON)) | np.where(in_person, BIT_IN_PERSON, 0)
    ok &= feasible != 0
    i, j, feasible = i[ok], j[ok], feasible[ok]

    total = np.zeros(len(i), dtype=np.int64)
    w = weights.values
    if w["condition"]:
        total += _points(w["condition"], (_common(a.sets["conditions"][i], b.sets["conditions"][j]) > 0), 1)
    if w["condition_stage"]:
        total += _points(w["condition_stage"], (_common(a.sets["stages"][i], b.sets["stages"][j]) > 0), 1)
    for name, key in (("life_stage", "life_stages"), ("interests", "interests")):
        if w[name]:
            common = _common(a.sets[key][i], b.sets[key][j])
            total += _points(w[name], common, a.sizes[key][i] + b.sizes[key][j] - common)
    if w["age"]:
        age_a, age_b = a.age[i], b.age[j]
        gap = np.abs(age_a - age_b)
        total += _points(w["age"], np.where((age_a >= 0) & (age_b >= 0), np.where(gap == 0, 2, (gap == 1) * 1), 0), 2)
    if w["goals"]:
        total += _points(w["goals"], _common(a.sets["goals"][i], b.sets["goals"][j]), a.sizes["goals"][i])
    if w["availability"]:
        tz_a, tz_b = a.tz[i], b.tz[j]
        far = np.abs(tz_a - tz_b) > TZ_SPREAD_HOURS  # False when either is NaN (unsaid)
        common = np.where(far, 0, _common(a.sets["availability"][i], b.sets["availability"][j]))
        total += _points(w["availability"], common, a.sizes["availability"][i])
    if w["format"]:
        total += _points(w["format"], ((feasible & (0xFF ^ BIT_TEXT)) != 0), 1)
    return i, j, total


def _below(position: int, words: int) -> np.ndarray:
    """A bitset of the positions below `position`."""
    mask = np.zeros(words, dtype=np.uint64)
    mask[: position >> 6] = np.uint64(0xFFFFFFFFFFFFFFFF)
    if position >> 6 < words:
        mask[position >> 6] = np.uint64((1 << (position & 63)) - 1)
    return mask


def _by_language(table: _Table, size: int) -> list[list[int]]:
    """The rows of the people who speak each language (by bit position)."""
    rows: list[list[int]] = [[] for _ in range(size)]
    for row, value in enumerate(table.raw["languages"]):
        while value:
            low = value & -value
            rows[low.bit_length() - 1].append(row)
            value ^= low
    return rows


@dataclass
class Pairs:
    """The feasible pairs of a pool as arrays: mentee rows, mentor rows and points, in the same order."""

    mentee: np.ndarray
    mentor: np.ndarray
    points: np.ndarray

    def __len__(self) -> int:
        return len(self.mentee)


CHUNK = 1 << 20  # pairs evaluated at once (bounds the memory of the dense blocks)


def candidate_pairs(mentees: Sequence[Person], mentors: Sequence[Person], weights: Weights) -> Pairs:
    """Every pair that passes the hard constraints, with its points. Blocked by language: only mentees and mentors
    who share a language meet; a pair sharing several languages is kept in the block of the first only."""
    encoder = _Encoder()
    a, b = _Table(mentees, encoder), _Table(mentors, encoder)
    words = encoder.words()
    a.finish(words)
    b.finish(words)
    languages = len(encoder.index["languages"])
    mentee_rows = _by_language(a, languages)
    mentor_rows = [[row for row in rows if mentors[row].capacity > 0] for rows in _by_language(b, languages)]
    out_i, out_j, out_points = [], [], []
    for language in range(languages):
        left, right = np.array(mentee_rows[language], np.int64), np.array(mentor_rows[language], np.int64)
        if not len(left) or not len(right):
            continue
        below = _below(language, words["languages"])
        step = max(1, CHUNK // len(right))
        for start in range(0, len(left), step):
            i, j, points = _evaluate(a, b, left[start : start + step], right, weights, below)
            out_i.append(i)
            out_j.append(j)
            out_points.append(points)
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty.copy(), empty.copy())
    return Pairs(np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_points))


@dataclass
class Flow:
    """The min-cost flow of an assignment, built from pairs: nodes source 0, mentees 1..n, mentors n+1..n+m, sink
    n+m+1. An arc source → sink of capacity n lets a mentee stay unmatched at no cost, so the optimum is a
    maximum-weight matching (not a maximum matching): no one is matched to lower the total. Each pair arc costs
    -(points * (n + 1) + 1): the total points decide first, and among assignments with the same total the one that
    matches more people wins (a pair scoring 0 still beats leaving both unmatched)."""

    solver: min_cost_flow.SimpleMinCostFlow
    pair_arcs: np.ndarray
    status: Any

    @classmethod
    def build(cls, pairs: Pairs, capacities: np.ndarray, mentees: int) -> Flow:
        n, m = mentees, len(capacities)
        source, sink = 0, n + m + 1
        tails = np.concatenate([np.zeros(n, np.int64), pairs.mentee + 1, np.arange(n + 1, n + m + 1), [source]])
        heads = np.concatenate([np.arange(1, n + 1), pairs.mentor + n + 1, np.full(m, sink), [sink]])
        caps = np.concatenate([np.ones(n + len(pairs), np.int64), np.maximum(capacities, 0), [n]])
        costs = np.concatenate([np.zeros(n, np.int64), -(pairs.points * (n + 1) + 1), np.zeros(m + 1, np.int64)])
        solver = min_cost_flow.SimpleMinCostFlow()
        arcs = solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supplies = np.zeros(n + m + 2, np.int64)
        supplies[source], supplies[sink] = n, -n
        solver.set_nodes_supplies(np.arange(n + m + 2), supplies)
        return cls(solver, arcs[n : n + len(pairs)], None)

    def solve(self) -> bool:
        self.status = self.solver.solve()
        return bool(self.status == self.solver.OPTIMAL)

    def chosen(self) -> np.ndarray:
        """The positions (in the pairs) of the pairs in the solution."""
        return np.flatnonzero(self.solver.flows(self.pair_arcs) > 0)


Progress = Callable[[str, int], None]


def _drop_forbidden(pairs: Pairs, mentees: Sequence[Person], mentors: Sequence[Person],
                    forbidden: Collection[tuple[Any, Any]]) -> Pairs:  # fmt: skip
    """The pairs less those named by (mentee id, mentor id): pairs proposed before that came to nothing."""
    if not forbidden or not len(pairs):
        return pairs
    mentee_rows = {person.id: row for row, person in enumerate(mentees)}
    mentor_rows = {person.id: row for row, person in enumerate(mentors)}
    width = max(1, len(mentors))
    keys = [mentee_rows[a] * width + mentor_rows[b] for a, b in forbidden if a in mentee_rows and b in mentor_rows]
    if not keys:
        return pairs
    keep = ~np.isin(pairs.mentee * width + pairs.mentor, np.array(keys, np.int64))
    return Pairs(pairs.mentee[keep], pairs.mentor[keep], pairs.points[keep])


def assign(mentees: Sequence[Person], mentors: Sequence[Person], weights: Weights, *,
           forbidden: Collection[tuple[Any, Any]] = (), progress: Progress | None = None) -> Assignment:  # fmt: skip
    """The optimal assignment for the whole pool: each mentee at most one mentor, each mentor at most `capacity`
    mentees, the total score as high as possible (then as many people matched as possible). `forbidden` pairs
    (mentee id, mentor id) are never proposed; `progress(stage, percent)` hears each stage as it starts."""
    report = progress or (lambda _stage, _percent: None)
    report("pairs", 0)
    pairs = _drop_forbidden(candidate_pairs(mentees, mentors, weights), mentees, mentors, forbidden)
    report("solving", 50)
    capacities = np.fromiter((m.capacity for m in mentors), np.int64, len(mentors))
    flow = Flow.build(pairs, capacities, len(mentees))
    optimal = flow.solve()
    report("assigning", 90)
    chosen = flow.chosen() if optimal else np.zeros(0, dtype=np.int64)
    matches, matched = [], set()
    for position in chosen.tolist():
        mentee, mentor = mentees[int(pairs.mentee[position])], mentors[int(pairs.mentor[position])]
        matches.append(Match(mentee, mentor, weights, int(pairs.points[position])))
        matched.add(int(pairs.mentee[position]))
    return Assignment(
        pairs=matches,
        unmatched=[mentee for row, mentee in enumerate(mentees) if row not in matched],
        total=int(pairs.points[chosen].sum()),
        optimal=optimal,
        candidate_pairs=len(pairs),
    )


class MentorIndex:
    """A programme's mentors in column form with a language index, built once and reused for every new member's
    instant top-k."""

    def __init__(self, mentors: Sequence[Person]) -> None:
        self.mentors = list(mentors)
        self.encoder = _Encoder()
        self.table = _Table(self.mentors, self.encoder)
        self.words = self.encoder.words()
        self.table.finish(self.words)
        rows = _by_language(self.table, len(self.encoder.index["languages"]))
        self.by_language = {
            code: np.array([row for row in rows[position] if self.mentors[row].capacity > 0], np.int64)
            for code, position in self.encoder.index["languages"].items()
        }

    def evaluate(self, mentee: Person, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the feasible mentors for one mentee, and their points."""
        blocks = [self.by_language[code] for code in mentee.languages if code in self.by_language]
        if not blocks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        j = np.unique(np.concatenate(blocks))
        ids = {mentee.id: self.encoder.ids.get(mentee.id, -1)}
        one = _Table([mentee], self.encoder, grow=False, ids=ids).finish(self.words)
        _i, rows, points = _evaluate(one, self.table, np.zeros(1, np.int64), j, weights)
        return rows, points


def top_candidates(mentee: Person, mentors: Sequence[Person] | MentorIndex, weights: Weights, k: int = 5,
                   condition_names: Mapping[str, str] | None = None) -> list[Candidate]:  # fmt: skip
    """The best k feasible mentors for one new member, best first (ties: the mentors' order), each with its score
    and explanation."""
    from peerpath.matching.explain import explain

    index = mentors if isinstance(mentors, MentorIndex) else MentorIndex(mentors)
    rows, points = index.evaluate(mentee, weights)
    best = np.lexsort((rows, -points))[:k]
    result = []
    for row in rows[best].tolist():
        mentor = index.mentors[row]
        mentor_score = score(mentee, mentor, weights)
        result.append(Candidate(mentor, mentor_score, explain(mentee, mentor, mentor_score, condition_names or {})))
    return result
