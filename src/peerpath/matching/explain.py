"""Why a proposal was made (issue 17), in the words both sides chose from (vocabulary.py): "Both live with Type 1
diabetes and were diagnosed as adults", "Both are parents of young children", "Both prefer video calls on weekday
evenings", "Both speak Polish", and what did not match ("Not matched: interests").

A soft field is "matched" when its part of the score is above zero (engine.fractions); fields the programme weighs at
zero are left out of both lists, since they did not count. `Explanation.fields` is exactly the matched fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from peerpath.matching import vocabulary as v
from peerpath.matching.engine import AGE_ORDER, Score, shared_formats, slots_comparable, stages_of
from peerpath.matching.person import Person

# English names of common languages (BCP 47 primary subtag); any other code is shown as it is.
LANGUAGE_NAMES = {
    "ar": _l("Arabic"), "bn": _l("Bengali"), "cs": _l("Czech"), "cy": _l("Welsh"), "da": _l("Danish"),
    "de": _l("German"), "el": _l("Greek"), "en": _l("English"), "es": _l("Spanish"), "fa": _l("Persian"),
    "fi": _l("Finnish"), "fr": _l("French"), "ga": _l("Irish"), "gu": _l("Gujarati"), "he": _l("Hebrew"),
    "hi": _l("Hindi"), "hu": _l("Hungarian"), "it": _l("Italian"), "ja": _l("Japanese"), "ko": _l("Korean"),
    "lt": _l("Lithuanian"), "lv": _l("Latvian"), "nl": _l("Dutch"), "no": _l("Norwegian"), "pa": _l("Punjabi"),
    "pl": _l("Polish"), "pt": _l("Portuguese"), "ro": _l("Romanian"), "ru": _l("Russian"), "so": _l("Somali"),
    "sq": _l("Albanian"), "sv": _l("Swedish"), "ta": _l("Tamil"), "tr": _l("Turkish"), "uk": _l("Ukrainian"),
    "ur": _l("Urdu"), "vi": _l("Vietnamese"), "zh": _l("Chinese"),
}  # fmt: skip

STAGE_PHRASES: dict[str, object] = {
    v.ConditionStage.NEWLY_DIAGNOSED: _l("were diagnosed in the last year"),
    v.ConditionStage.FEW_YEARS: _l("have lived with it for a few years"),
    v.ConditionStage.MANY_YEARS: _l("have lived with it for many years"),
    v.ConditionStage.TRANSPLANT: _l("have had a transplant"),
    v.ConditionStage.NEW_TECHNOLOGY: _l("are starting a new technology"),
    v.ConditionStage.DIAGNOSED_AS_CHILD: _l("were diagnosed as children"),
    v.ConditionStage.DIAGNOSED_AS_ADULT: _l("were diagnosed as adults"),
}
LIFE_STAGE_SENTENCES: dict[str, object] = {
    v.LifeStage.STUDENT: _l("Both are students"),
    v.LifeStage.WORKING: _l("Both are working"),
    v.LifeStage.PARENT_YOUNG: _l("Both are parents of young children"),
    v.LifeStage.PARENT: _l("Both are parents"),
    v.LifeStage.CARER: _l("Both care for someone"),
    v.LifeStage.RETIRED: _l("Both are retired"),
    v.LifeStage.PREGNANCY: _l("Both are pregnant or planning a pregnancy"),
    v.LifeStage.TRANSITION: _l("Both are moving from children's to adult care"),
}
FIELD_LABELS = {name: label for name, label, _weight in v.SOFT_FIELDS}


@dataclass(frozen=True)
class Explanation:
    matched: list[str]
    unmatched: list[str]
    fields: list[str]  # the soft fields that matched, in SOFT_FIELDS order


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code.split("-")[0].lower(), code))


def _lower(label: object) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def _listed(items: list[str], alternatives: bool = False) -> str:
    """ "a, b and c" (or "a, b or c")."""
    if len(items) <= 1:
        return "".join(items)
    joined = _("%(first)s or %(last)s") if alternatives else _("%(first)s and %(last)s")
    return joined % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _labels(values: set[str] | frozenset[str], choices: type[v.models.TextChoices]) -> list[str]:
    """Labels in the vocabulary's order; a value outside it is shown as it is."""
    known = {value: label for value, label in choices.choices}
    order = [value for value in choices.values if value in values] + sorted(values - set(choices.values))
    return [_lower(known.get(value, value)) for value in order]


def explain(mentee: Person, mentor: Person, score: Score, condition_names: Mapping[str, str]) -> Explanation:
    """The sentences of a proposal. `condition_names` maps a condition slug to its name as shown on the site."""
    weighed = {part.name: part for part in score.parts if part.weight > 0}
    fields = [name for name, part in weighed.items() if part.matched]
    matched: list[str] = []

    if "condition" in fields or "condition_stage" in fields:
        shared = sorted(set(mentee.conditions) & set(mentor.conditions))
        names = _listed([str(condition_names.get(slug, slug.replace("-", " "))) for slug in shared])
        stages = sorted(stages_of(mentee) & stages_of(mentor))
        phrases = [str(STAGE_PHRASES.get(stage, stage)) for stage in dict.fromkeys(s for _c, s in stages)]
        if "condition_stage" in fields and phrases:
            matched.append(_("Both live with %(names)s and %(stages)s") % {"names": names, "stages": _listed(phrases)})
        else:
            matched.append(_("Both live with %(names)s") % {"names": names})
    if "life_stage" in fields:
        for stage in v.LifeStage.values:
            if stage in mentee.life_stages & mentor.life_stages:
                matched.append(str(LIFE_STAGE_SENTENCES[stage]))
    if "age" in fields:
        if AGE_ORDER.get(mentee.age_band) == AGE_ORDER.get(mentor.age_band):
            matched.append(_("Both are aged %(band)s") % {"band": _lower(v.AgeBand(mentee.age_band).label)})
        else:
            matched.append(_("Close in age"))
    if "goals" in fields:
        offered = _listed(_labels(mentee.goals & mentor.goals, v.Goal))
        matched.append(_("Can offer what they are looking for: %(goals)s") % {"goals": offered})
    formats = _labels(shared_formats(mentee, mentor) - {v.Format.TEXT}, v.Format)
    slots = _labels(mentee.availability & mentor.availability, v.Slot) if slots_comparable(mentee, mentor) else []
    if "format" in fields and "availability" in fields:
        matched.append(
            _("Both prefer %(formats)s on %(slots)s")
            % {"formats": _listed(formats, alternatives=True), "slots": _listed(slots)}
        )
    elif "format" in fields:
        matched.append(_("Both prefer %(formats)s") % {"formats": _listed(formats, alternatives=True)})
    elif "availability" in fields:
        matched.append(_("Both are free on %(slots)s") % {"slots": _listed(slots)})
    if "interests" in fields:
        enjoyed = _listed(_labels(mentee.interests & mentor.interests, v.Interest))
        matched.append(_("Both enjoy %(interests)s") % {"interests": enjoyed})
    languages = sorted(mentee.languages & mentor.languages)
    if languages:
        matched.append(_("Both speak %(languages)s") % {"languages": _listed([language_name(c) for c in languages])})

    unmatched = [
        _("Not matched: %(field)s") % {"field": _lower(FIELD_LABELS[name])}
        for name, part in weighed.items()
        if not part.matched
    ]
    return Explanation(matched=matched, unmatched=unmatched, fields=fields)
