"""The demo's buddy programme at Riverside Health (issue 17), made through the services.

"Diabetes buddies" matches 40 members with 12 trained mentors. Maureen, Kwame and Aisha from the peer-coaching
demo mentor here too (Aisha is on her break, so she has no places); Agnieszka, the only Polish-speaking mentor, takes
one buddy at a time and has one, so a Polish-only newcomer waits; Freya is approved for young people. Two runs:
the first (two weeks ago) over the first members to join made the matches: one with a conversation in Polish, one
silent for nine days (its nudge is due), one whose two-week check-in was answered, one reported to the moderators,
one ended with feedback, and proposals declined with a reason, stopped by the coordinator and expired. The second,
today, over everyone waiting, left proposals waiting for review, offered (Priya's, her mentor already accepted), and
one withdrawn when the member left the pool.

As in the other demos the services act "now", and the demo's past is made by moving a few dates back afterwards
(each such update says so). The members' profiles beyond the named ones are drawn with a fixed seed. Who the solver
pairs with whom is its own choice: what each proposal then goes through is decided by its member.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from peerpath.accounts import services as accounts
from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import Role as AccountRole
from peerpath.core.time import now
from peerpath.directory.models import Condition
from peerpath.matching import matches, proposals, runs, services, settings
from peerpath.matching import vocabulary as v
from peerpath.matching.models import Match, MatchProfile, MatchRun, Proposal, Rating
from peerpath.messages.services import message_send
from peerpath.programmes import services as programmes
from peerpath.programmes.demo import COURSE
from peerpath.programmes.models import Programme, Supporter

PROGRAMME = "Diabetes buddies"
BUDDY_COURSE = "Buddy mentoring"
CAP = 4
SEED = 20261207
FILLERS = 18  # members drawn with the seed, beside the named ones
T1, T2 = "type-1-diabetes", "type-2-diabetes"


@dataclass(frozen=True)
class DemoProfile:
    """One person's matching profile, in the words of ProfileData (conditions as slugs)."""

    key: str
    name: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]
    languages: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = ("phone", "text")
    age_band: str = ""
    life_stages: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    place: str = ""
    max_km: int | None = None
    availability: tuple[str, ...] = ("weekday_evening",)
    timezone: str = "Europe/London"
    interests: tuple[str, ...] = ()
    gender: str = ""
    wants_gender: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    about: str = ""
    goals_text: str = ""
    # Mentors only: approved for under-18s by the coordinator; their own limit on buddies.
    approved: bool = False
    max_matches: int | None = None
    first_run: bool = False  # in the pool for the first run already


# Maureen, Kwame and Aisha are the peer-coaching demo's supporters; the others join as mentors here.
MENTORS = (
    DemoProfile("maureen", "Maureen Doyle", ((T2, ("many_years", "diagnosed_as_adult")),),
                formats=("phone", "text", "in_person"), place="Southampton", max_km=15, age_band="61_75",
                life_stages=("retired", "parent"), goals=("daily_management", "food", "exercise", "emotional"),
                availability=("weekday_morning", "weekday_afternoon"), interests=("walking", "gardening", "cooking"),
                gender="woman", about="Type 2 for twenty years; I remember how much there was to take in at first."),
    DemoProfile("kwame", "Kwame Mensah", ((T2, ("few_years", "diagnosed_as_adult")),), languages=("en", "tw"),
                formats=("phone", "video", "in_person"), place="Southampton", max_km=10, age_band="41_60",
                life_stages=("working", "parent"), goals=("exercise", "emotional", "work_study"),
                availability=("weekday_evening", "weekend_morning"), interests=("walking", "sport", "music"),
                gender="man", about="I walk every Saturday and talk about anything on the way.", first_run=True),
    DemoProfile("aisha", "Aisha Rahman", ((T1, ("diagnosed_as_child", "new_technology")),),
                languages=("en", "ur", "pa"), formats=("video", "text", "phone"), age_band="26_40",
                life_stages=("parent_young", "working"), goals=("technology", "family", "emotional"),
                availability=("weekday_morning",), interests=("cooking", "faith", "reading"), gender="woman",
                about="On a pump since my second child; happy to talk in Urdu or Punjabi."),
    DemoProfile("agnieszka", "Agnieszka Wójcik", ((T2, ("few_years", "diagnosed_as_adult")),),
                languages=("pl", "en"), formats=("text", "video", "phone"), age_band="41_60",
                life_stages=("working", "parent"), goals=("new_diagnosis", "daily_management", "food", "emotional"),
                availability=("weekday_evening", "weekend_afternoon"), interests=("cooking", "crafts", "walking"),
                gender="woman", about="Mówię po polsku. One buddy at a time: I work shifts.", max_matches=1,
                first_run=True),
    DemoProfile("rhys", "Rhys Morgan", ((T1, ("diagnosed_as_child", "new_technology")),), languages=("cy", "en"),
                formats=("in_person", "video", "text"), place="Cardiff", max_km=30, age_band="26_40",
                life_stages=("working",), goals=("technology", "work_study", "exercise"),
                availability=("weekday_evening", "weekend_morning"), interests=("sport", "gaming", "music"),
                gender="man", about="Sensor and pump, rugby on Saturdays. Cymraeg neu Saesneg.", first_run=True),
    DemoProfile("imran", "Imran Qureshi", ((T2, ("few_years", "diagnosed_as_adult")),),
                languages=("ur", "pa", "en"), formats=("phone", "video"), age_band="41_60",
                life_stages=("working", "parent"), goals=("food", "daily_management", "appointments"),
                availability=("weekday_evening", "weekend_morning"), interests=("faith", "cooking", "sport"),
                gender="man", about="Fasting, family meals and diabetes: we can work it out together."),
    DemoProfile("helen", "Helen Marsh", ((T1, ("many_years",)), ("kidney-transplant", ("transplant",))),
                formats=("phone", "text"), age_band="61_75", life_stages=("retired",),
                goals=("transplant", "appointments", "emotional"),
                availability=("weekday_morning", "weekday_afternoon"), interests=("reading", "crafts"), gender="woman",
                about="Type 1 since 1979, a new kidney in 2015.", first_run=True),
    DemoProfile("freya", "Freya Hall", ((T1, ("diagnosed_as_child", "new_technology")),), formats=("text", "video"),
                age_band="18_25", life_stages=("student", "transition"),
                goals=("work_study", "technology", "emotional"), availability=("weekday_evening", "weekend_afternoon"),
                interests=("gaming", "music", "film"),
                gender="woman", about="Diagnosed at nine, now at university: I know the move to adult clinic.",
                approved=True),
    DemoProfile("colin", "Colin Baxter", ((T2, ("many_years", "diagnosed_as_adult")),),
                formats=("in_person", "phone"), place="Portsmouth", max_km=20, age_band="61_75",
                life_stages=("retired",), goals=("exercise", "food", "daily_management"),
                availability=("weekday_morning", "weekend_morning"), interests=("walking", "sport", "gardening"),
                gender="man", about="Walking football twice a week; two stone lighter since my diagnosis.",
                first_run=True),
    DemoProfile("sunita", "Sunita Shah", ((T2, ("few_years", "diagnosed_as_adult")),), languages=("en", "gu", "hi"),
                formats=("phone", "video", "text"), age_band="41_60", life_stages=("parent", "working"),
                goals=("family", "food", "emotional"), availability=("weekday_evening", "weekend_afternoon"),
                interests=("cooking", "faith", "music"), gender="woman",
                about="Gestational diabetes, then type 2: I know the worry for the family.", first_run=True),
    DemoProfile("ben", "Ben Carter", ((T1, ("few_years", "new_technology")),), formats=("video", "text", "in_person"),
                place="Winchester", max_km=25, age_band="26_40", life_stages=("parent_young", "working"),
                goals=("technology", "family", "exercise"), availability=("weekday_evening",),
                interests=("sport", "technology", "gaming"), gender="man",
                about="Two small children and a closed loop; two buddies at most.", max_matches=2),
    DemoProfile("bridget", "Bridget Kelly", ((T2, ("few_years",)), ("depression", ("many_years",))),
                formats=("phone", "text"), age_band="41_60", life_stages=("carer", "working"),
                goals=("emotional", "family", "appointments"), availability=("weekday_afternoon", "weekend_morning"),
                interests=("reading", "walking", "crafts"), gender="woman", avoid=("same_area",),
                about="Caring for my mum as well as my own diabetes; low days happen.", first_run=True),
)  # fmt: skip

# The members named in the story. The first run's members (first_run), in order: what happened to their proposal.
MENTEES = (
    DemoProfile("zofia", "Zofia Kowalska", ((T2, ("newly_diagnosed", "diagnosed_as_adult")),), languages=("pl",),
                formats=("phone", "video"), age_band="61_75", life_stages=("retired", "carer"),
                goals=("new_diagnosis", "food"), availability=("weekday_evening", "weekend_afternoon"),
                interests=("cooking", "crafts"), gender="woman", about="Po polsku, proszę: my English is not good.",
                first_run=True),
    DemoProfile("martin", "Martin Hughes", ((T2, ("newly_diagnosed", "diagnosed_as_adult")),), formats=("phone",),
                age_band="41_60", life_stages=("working",), goals=("new_diagnosis", "exercise"),
                availability=("weekend_morning",), interests=("sport",), gender="man", first_run=True),
    DemoProfile("rebecca", "Rebecca Shaw", ((T1, ("newly_diagnosed", "diagnosed_as_adult")),),
                formats=("text", "video"), age_band="26_40", life_stages=("working",),
                goals=("new_diagnosis", "technology", "emotional"), availability=("weekday_evening",),
                interests=("music", "walking"), gender="woman", about="Diagnosed at 31: I did not know that happens.",
                first_run=True),
    DemoProfile("callum", "Callum Reid", ((T2, ("few_years",)),), formats=("phone", "text"), age_band="41_60",
                life_stages=("working", "parent"), goals=("food", "exercise"), availability=("weekday_evening",),
                interests=("sport", "film"), gender="man", first_run=True),
    DemoProfile("elaine", "Elaine Foster", ((T1, ("few_years", "new_technology")),), formats=("phone", "video"),
                age_band="41_60", life_stages=("working",), goals=("technology", "daily_management"),
                availability=("weekday_morning", "weekday_evening"), interests=("gardening",), gender="woman",
                goals_text="Someone who has been through starting a pump.", first_run=True),
    DemoProfile("tariq", "Tariq Aziz", ((T2, ("newly_diagnosed",)),), languages=("en", "ur"), formats=("phone",),
                age_band="26_40", life_stages=("working",), goals=("new_diagnosis", "work_study"),
                availability=("weekday_morning", "weekend_afternoon"), interests=("sport", "technology"),
                gender="man", first_run=True),
    DemoProfile("jenny", "Jenny Marsh", ((T1, ("many_years",)),), formats=("text",), age_band="61_75",
                life_stages=("retired",), goals=("emotional", "appointments"), availability=("weekday_afternoon",),
                interests=("reading",), gender="woman", first_run=True),
    DemoProfile("alan", "Alan Price", ((T2, ("few_years",)), ("hypertension", ("few_years",))), formats=("phone",),
                age_band="61_75", life_stages=("retired",), goals=("daily_management", "appointments"),
                availability=("weekday_morning",), interests=("gardening", "walking"), gender="man", first_run=True),
    # The second run's members.
    DemoProfile("priya", "Priya Natarajan", ((T2, ("newly_diagnosed", "diagnosed_as_adult")),),
                languages=("en", "ta"), formats=("video", "text", "in_person"), place="Southampton", max_km=10,
                age_band="26_40", life_stages=("working",), goals=("new_diagnosis", "food", "daily_management"),
                availability=("weekday_evening", "weekend_morning"), interests=("cooking", "music", "travel"),
                gender="woman", about="Diagnosed this spring. Still learning what to eat and when to test.",
                goals_text="Someone a few years ahead who can tell me it gets easier."),
    DemoProfile("david", "David Okafor", ((T2, ("many_years",)),), formats=("phone",), age_band="41_60",
                life_stages=("carer", "working"), goals=("family", "appointments", "food"),
                availability=("weekday_evening",), interests=("music",), gender="man",
                about="My mum has type 2 and I help with her meals and appointments."),
    DemoProfile("krzysztof", "Krzysztof Zieliński", ((T1, ("newly_diagnosed", "diagnosed_as_adult")),),
                languages=("pl",), formats=("phone", "text"), age_band="41_60", life_stages=("working",),
                goals=("new_diagnosis", "daily_management"), availability=("weekday_evening",),
                interests=("sport",), gender="man"),
    DemoProfile("ellie", "Ellie Watson", ((T1, ("diagnosed_as_child", "new_technology")),), formats=("text", "video"),
                age_band="under_18", life_stages=("student", "transition"),
                goals=("technology", "work_study", "emotional"), availability=("weekday_evening", "weekend_afternoon"),
                interests=("gaming", "music"), gender="woman", about="16, moving to the adult clinic next year."),
    DemoProfile("gwen", "Gwen Pritchard", ((T2, ("few_years",)),), languages=("cy", "en"),
                formats=("in_person", "phone"), place="Swansea", max_km=60, age_band="61_75",
                life_stages=("retired",), goals=("exercise", "food"), availability=("weekday_morning",),
                interests=("walking", "music"), gender="woman", about="Gwell gen i siarad Cymraeg."),
    DemoProfile("nasreen", "Nasreen Begum", ((T2, ("newly_diagnosed", "diagnosed_as_adult")),),
                languages=("ur", "en"), formats=("phone", "video"), age_band="41_60", life_stages=("parent", "carer"),
                goals=("food", "new_diagnosis", "family"), availability=("weekday_morning", "weekday_afternoon"),
                interests=("cooking", "faith"), gender="woman", wants_gender=("woman",)),
    DemoProfile("bilal", "Bilal Chaudhry", ((T2, ("many_years",)), ("chronic-kidney-disease", ("few_years",))),
                languages=("ur", "pa"), formats=("phone",), age_band="61_75", life_stages=("retired",),
                goals=("appointments", "food"), availability=("weekday_morning",), timezone="Asia/Karachi",
                interests=("faith",), gender="man", about="I spend the winter with family in Lahore."),
    DemoProfile("jack", "Jack Turner", ((T1, ("newly_diagnosed", "diagnosed_as_adult")),), formats=("text", "video"),
                age_band="18_25", life_stages=("student",), goals=("new_diagnosis", "exercise", "work_study"),
                availability=("weekday_evening", "weekend_afternoon"), interests=("sport", "gaming"), gender="man",
                avoid=("much_older",)),
    DemoProfile("sam", "Sam Ellis", ((T1, ("few_years",)), ("coeliac-disease", ("few_years",))),
                formats=("text", "video"), age_band="26_40", life_stages=("working",), goals=("food", "emotional"),
                availability=("weekday_evening",), interests=("cooking", "film"), gender="non_binary",
                avoid=("same_area",)),
    DemoProfile("chloe", "Chloe Bennett", ((T1, ("many_years", "diagnosed_as_child")),), formats=("video", "text"),
                age_band="26_40", life_stages=("pregnancy", "working"), goals=("family", "technology", "appointments"),
                availability=("weekday_evening", "weekend_morning"), interests=("walking", "reading"),
                gender="woman"),
    DemoProfile("peter", "Peter Lawson", ((T1, ("many_years",)), ("kidney-transplant", ("transplant",))),
                formats=("phone",), age_band="41_60", life_stages=("working",), goals=("transplant", "appointments"),
                availability=("weekday_morning",), interests=("reading",), gender="man",
                about="On the transplant list; I would like to talk to someone who has had one."),
    DemoProfile("ron", "Ron Fisher", ((T2, ("newly_diagnosed", "diagnosed_as_adult")),), formats=("in_person",),
                place="Portsmouth", max_km=10, age_band="61_75", life_stages=("retired",),
                goals=("exercise", "new_diagnosis"), availability=("weekday_morning",), interests=("walking", "sport"),
                gender="man"),
    DemoProfile("dorothy", "Dorothy Green", ((T2, ("many_years",)),), formats=("phone",), age_band="over_75",
                life_stages=("retired",), goals=("emotional", "appointments"), availability=("weekday_afternoon",),
                interests=("crafts", "reading"), gender="woman"),
    DemoProfile("hamid", "Hamid Yusuf", ((T2, ("few_years",)), ("obesity", ("many_years",))),
                languages=("en", "so"), formats=("phone", "text"), age_band="26_40",
                life_stages=("working", "parent_young"), goals=("food", "exercise"), availability=("weekday_evening",),
                interests=("sport", "faith"), gender="man"),
)  # fmt: skip

FIRST_NAMES = {
    "woman": ["Amy", "Laura", "Fatima", "Siobhan", "Karen", "Olivia", "Mei", "Joanne", "Ruth", "Leah", "Ngozi"],
    "man": ["Steve", "Liam", "Arjun", "Patrick", "Mohammed", "Gary", "Joe", "Daniel", "Wei", "Neil", "Emeka"],
    "non_binary": ["Alex", "Robin"],
    "": ["Chris", "Jo", "Sam"],
}
SURNAMES = ["Ward", "Khan", "Murphy", "Clarke", "Ali", "Robinson", "Chen", "Davies", "Walsh", "Patel", "Young",
            "Osei", "Hill", "Kaur", "Moore"]  # fmt: skip
TOWNS = ["Southampton", "Winchester", "Portsmouth", "Romsey", "Fareham", "Totton", "Basingstoke", "Havant"]
EXTRA_CONDITIONS = ["hypertension", "depression", "anxiety", "obesity", "coeliac-disease", "chronic-kidney-disease"]
LANGUAGE_MIX = [("en",)] * 12 + [("en", "pa"), ("en", "gu"), ("en", "bn"), ("en", "so"), ("en", "cy"), ("en", "pl")]
FORMAT_MIX = [("phone",), ("phone", "text"), ("text", "video"), ("video",), ("phone", "video", "text"),
              ("in_person", "phone"), ("in_person", "text")]  # fmt: skip
AGES = ["18_25", "26_40", "26_40", "41_60", "41_60", "41_60", "61_75", "61_75", "over_75"]


def _filler(rng: random.Random, number: int) -> DemoProfile:
    """A member drawn with the seed: diabetes of one type, at a stage fitting it, a life that fits the age band."""
    gender = rng.choice(["woman", "woman", "man", "man", "non_binary", ""])
    name = f"{rng.choice(FIRST_NAMES[gender])} {rng.choice(SURNAMES)}"
    age = rng.choice(AGES)
    kind = rng.choice([T2, T2, T2, T1, T1, "prediabetes"])
    stages = rng.sample(["newly_diagnosed", "few_years", "many_years"], 1)
    if kind == T1:
        stages.append(rng.choice(["diagnosed_as_child", "new_technology", "diagnosed_as_adult"]))
    conditions: list[tuple[str, tuple[str, ...]]] = [(kind, tuple(stages))]
    if rng.random() < 0.25:
        conditions.append((rng.choice(EXTRA_CONDITIONS), ("few_years",)))
    stage_of_life = {"18_25": ["student", "working"], "26_40": ["working", "parent_young", "pregnancy"],
                     "41_60": ["working", "parent", "carer"], "61_75": ["retired", "carer"],
                     "over_75": ["retired"]}[age]  # fmt: skip
    formats = rng.choice(FORMAT_MIX)
    in_person = "in_person" in formats
    avoid = () if rng.random() > 0.12 else (rng.choice(["much_older", "much_younger", "same_area"]),)
    most = min(2, len(stage_of_life))
    return DemoProfile(
        key=f"member-{number:02d}", name=name, conditions=tuple(conditions), languages=rng.choice(LANGUAGE_MIX),
        formats=formats, age_band=age, life_stages=tuple(rng.sample(stage_of_life, rng.randint(1, most))),
        goals=tuple(rng.sample(v.Goal.values[:9], rng.randint(1, 3))), place=rng.choice(TOWNS) if in_person else "",
        max_km=rng.choice([10, 15, 25]) if in_person else None,
        availability=tuple(rng.sample(v.Slot.values, rng.randint(1, 3))),
        interests=tuple(rng.sample(v.Interest.values, rng.randint(0, 3))), gender=gender, avoid=avoid,
    )  # fmt: skip


def demo_mentees() -> list[DemoProfile]:
    rng = random.Random(SEED)  # noqa: S311 (made-up demo people, not a secret)
    return [*MENTEES, *(_filler(rng, number) for number in range(1, FILLERS + 1))]


def _profile_data(person: DemoProfile, conditions: dict[str, Condition]) -> services.ProfileData:
    return services.ProfileData(
        languages=person.languages, formats=person.formats,
        conditions=[(conditions[slug], stages) for slug, stages in person.conditions], age_band=person.age_band,
        life_stages=person.life_stages, goals=person.goals, goals_text=person.goals_text, place=person.place,
        max_km=person.max_km, availability=person.availability, timezone=person.timezone,
        interests=person.interests, gender=person.gender, wants_gender=person.wants_gender, avoid=person.avoid,
        about=person.about,
    )  # fmt: skip


def _handle(person: DemoProfile) -> str:
    return f"buddy-{person.key}"


def _new_user(person: DemoProfile, organisation: Organisation, role: str, domain: str) -> User:
    user = accounts.user_create(email=f"{person.key}@{domain}", password=None, handle=_handle(person),
                                legal_name=person.name, email_verified=True)  # fmt: skip
    accounts.role_grant(actor=None, user=user, organisation=organisation, role=role)
    return user


def _mentor_user(person: DemoProfile, organisation: Organisation, people: dict[str, User]) -> User:
    """The peer-coaching demo's supporters are mentors here too; the others are new peer supporters."""
    if person.key == "maureen":
        return people["peer_supporter"]
    existing = User.objects.filter(email=f"{person.key}@supporters.peerpath.demo").first()
    return existing or _new_user(person, organisation, AccountRole.PEER_SUPPORTER, "mentors.peerpath.demo")


def _join_as_supporter(user: User, programme: Programme, coordinator: User) -> Supporter:
    """The programme's mentors are its peer supporters, trained as it requires. Someone already supporting another
    programme keeps it and everything else on their supporter profile."""
    today = now().date()
    found = Supporter.objects.filter(organisation=programme.organisation, user=user).first()
    data = programmes.SupporterData(programmes=[programme], supervisor=coordinator)
    if found is not None:
        data = programmes.SupporterData(
            programmes=[*found.programmes.all(), programme], languages=found.languages,
            lived_conditions=list(found.lived_conditions.all()), availability=found.availability,
            supervisor=found.supervisor,
        )  # fmt: skip
    supporter = programmes.supporter_save(actor=coordinator, organisation=programme.organisation, user=user, data=data)
    if found is None:
        programmes.training_record_add(actor=coordinator, supporter=supporter, course=COURSE,
                                       completed_on=today - timedelta(days=120),
                                       expires_on=today + timedelta(days=610))  # fmt: skip
    programmes.training_record_add(actor=coordinator, supporter=supporter, course=BUDDY_COURSE,
                                   completed_on=today - timedelta(days=60))  # fmt: skip
    return supporter


def load_matching_demo(*, organisation: Organisation, people: dict[str, User]) -> Programme:
    """The buddy programme, its mentors and members, two runs and what came of them. Loaded once: a second call
    returns the programme as it is."""
    found = Programme.objects.filter(organisation=organisation, name=PROGRAMME).first()
    if found is not None:
        return found
    coordinator = people["coordinator"]
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    programme = programmes.programme_create(
        actor=coordinator, organisation=organisation,
        data=programmes.ProgrammeData(
            name=PROGRAMME, coordinator=coordinator, conditions=[conditions[T1], conditions[T2]],
            summary="A buddy who lives with diabetes too, matched on what matters to you: the same type and stage, "
                    "your language, how and when you like to talk.",
            support_kinds=["buddy"], channels=["phone", "text", "video", "walk"], caseload_cap=CAP,
            required_courses=[COURSE, BUDDY_COURSE],
            enrolment_criteria="Members of Riverside Health living with diabetes or prediabetes, or caring for "
                               "someone who does.",
        ),
    )  # fmt: skip
    weights = {**v.DEFAULT_WEIGHTS, "goals": 8, "interests": 1}
    settings.settings_save(actor=coordinator, programme=programme, weights=weights, review_required=True,
                           offer_days=14)  # fmt: skip

    mentors: dict[str, MatchProfile] = {}
    for person in MENTORS:
        user = _mentor_user(person, organisation, people)
        _join_as_supporter(user, programme, coordinator)
        mentors[person.key] = services.profile_save(actor=user, programme=programme, role=v.Role.MENTOR,
                                                    data=_profile_data(person, conditions),
                                                    give_consent=person.first_run)  # fmt: skip
        if person.approved:
            services.mentor_approve_for_adolescents(actor=coordinator, profile=mentors[person.key])
        if person.max_matches is not None:
            settings.mentor_cap_set(actor=user, profile=mentors[person.key], max_matches=person.max_matches)
    named = {"priya": people["member"], "david": people["carer"]}
    mentees: dict[str, MatchProfile] = {}
    for person in demo_mentees():
        user = named.get(person.key) or _new_user(person, organisation, AccountRole.MEMBER, "members.peerpath.demo")
        mentees[person.key] = services.profile_save(actor=user, programme=programme, role=v.Role.MENTEE,
                                                    data=_profile_data(person, conditions),
                                                    give_consent=person.first_run)  # fmt: skip

    first = _run(programme, coordinator)
    _first_run_outcomes(first, mentees, coordinator)
    # The first run was two weeks ago: its moments move back with the matches it made (the services stamp "now").
    ago = now() - timedelta(days=16)
    MatchRun.objects.filter(pk=first.pk).update(created_at=ago, started_at=ago, finished_at=ago, updated_at=ago)

    for profile in [*mentors.values(), *mentees.values()]:
        if not profile.consented:
            services.profile_consent_give(actor=profile.user, profile=profile)
    second = _run(programme, coordinator)
    _second_run_outcomes(second, mentees, mentors, coordinator)
    return programme


def _run(programme: Programme, coordinator: User) -> MatchRun:
    """A run as the coordinator starts it, executed here at once. The task run_start queues finds it done and
    leaves it (run_execute claims only a queued run), whichever tasks backend the demo runs with."""
    run = runs.run_start(actor=coordinator, programme=programme)
    executed = runs.run_execute(run.pk)
    if executed is None or executed.status != MatchRun.Status.DONE:
        raise RuntimeError(f"the demo's matching run did not finish: {executed and executed.error}")
    return executed


def _proposal_of(run: MatchRun, mentee: MatchProfile) -> Proposal:
    return Proposal.objects.select_related("mentee__user", "mentor__user", "programme").get(run=run, mentee=mentee)


def _both_accept(proposal: Proposal, coordinator: User) -> Match:
    proposals.proposal_review(actor=coordinator, proposal=proposal, approve=True)
    proposals.proposal_answer(actor=proposal.mentor.user, proposal=proposal, accept=True)
    proposals.proposal_answer(actor=proposal.mentee.user, proposal=proposal, accept=True)
    return Match.objects.select_related("conversation", "mentee__user", "mentor__user").get(proposal=proposal)


def _conversation(match: Match, lines: Sequence[tuple[str, str]]) -> None:
    for side, body in lines:
        author = match.mentee.user if side == "mentee" else match.mentor.user
        message_send(author=author, conversation=match.conversation, body=body)


def _started_days_ago(match: Match, days: int) -> None:
    # The demo's past: the match began `days` ago (match_begin stamps "now").
    Match.objects.filter(pk=match.pk).update(started_at=now() - timedelta(days=days))


def _first_run_outcomes(run: MatchRun, mentees: dict[str, MatchProfile], coordinator: User) -> None:
    """Every proposal of the first run went somewhere: matches, a decline, a rejection, an expiry."""
    zofia = _both_accept(_proposal_of(run, mentees["zofia"]), coordinator)
    _conversation(zofia, [
        ("mentor", "Dzień dobry Zofio! Cieszę się, że możemy porozmawiać. Jak się Pani czuje po wizycie u lekarza?"),
        ("mentee", "Dzień dobry. Trochę lepiej, ale nie wiem, co mogę jeść na śniadanie."),
        ("mentor", "Na początku też tego nie wiedziałam. W czwartek wieczorem mogę zadzwonić przez wideo?"),
        ("mentee", "Tak, bardzo dziękuję."),
    ])  # fmt: skip
    _started_days_ago(zofia, 12)

    rebecca = _both_accept(_proposal_of(run, mentees["rebecca"]), coordinator)
    _conversation(rebecca, [
        ("mentee", "Hi! Thanks for accepting. I'm two months in and still finding the sensor alarms a lot."),
        ("mentor", "Hello Rebecca, they are a lot at first. Shall we go through the alarm settings on a video call?"),
        ("mentee", "That would be great. Tuesday evening?"),
    ])  # fmt: skip
    _started_days_ago(rebecca, 15)

    callum = _both_accept(_proposal_of(run, mentees["callum"]), coordinator)
    _conversation(callum, [
        ("mentor", "Evening Callum. How has the week been?"),
        ("mentee", "Not bad, thanks. Trying to cut down on the takeaways."),
    ])  # fmt: skip
    _started_days_ago(callum, 11)
    matches.match_report(actor=callum.mentee.user, match=callum, reason="privacy",
                         note="Asked twice for my home address to drop off some leaflets, after I said I would "
                              "rather keep to messages here.")  # fmt: skip

    elaine = _both_accept(_proposal_of(run, mentees["elaine"]), coordinator)
    _conversation(elaine, [
        ("mentee", "Hello, have you used a pump yourself?"),
        ("mentor", "Not a pump, I use pens, but I can tell you how I got used to the sensor."),
    ])  # fmt: skip
    _started_days_ago(elaine, 14)
    matches.match_end(actor=elaine.mentee.user, match=elaine, reason=Match.EndReason.REMATCH,
                      rating=Rating.UNSURE, note="Kind and easy to talk to, but I need someone who has been on a "
                                                 "pump.")  # fmt: skip

    martin = _both_accept(_proposal_of(run, mentees["martin"]), coordinator)

    tariq = _proposal_of(run, mentees["tariq"])
    proposals.proposal_review(actor=coordinator, proposal=tariq, approve=True)
    proposals.proposal_answer(actor=tariq.mentor.user, proposal=tariq, accept=True)
    proposals.proposal_answer(actor=tariq.mentee.user, proposal=tariq, accept=False,
                              reason="I work nights: I need someone free in the mornings.")  # fmt: skip

    # The coordinator knows these two already know each other from the clinic's waiting room.
    proposals.proposal_review(actor=coordinator, proposal=_proposal_of(run, mentees["jenny"]), approve=False)

    alan = _proposal_of(run, mentees["alan"])
    proposals.proposal_review(actor=coordinator, proposal=alan, approve=True)
    proposals.proposal_answer(actor=alan.mentor.user, proposal=alan, accept=True)
    # The demo's past: Alan never answered, and the fortnight to answer is over.
    Proposal.objects.filter(pk=alan.pk).update(expires_at=now() - timedelta(days=1))
    proposals.expire_due()

    # The daily sweep asks Rebecca's pair "is this working?" at two weeks; Rebecca answered.
    matches.life_sweep()
    matches.check_in_answer(actor=rebecca.mentee.user, match=rebecca, week=2, rating=Rating.WORKING,
                            note="Really helpful to talk to someone who gets it.")  # fmt: skip
    # The demo's past: Martin's pair began nine days ago and nobody has written, so the next sweep nudges them.
    _started_days_ago(martin, 9)


def _second_run_outcomes(run: MatchRun, mentees: dict[str, MatchProfile], mentors: dict[str, MatchProfile],
                         coordinator: User) -> None:  # fmt: skip
    """Today's run: about half sent out by the coordinator, the rest waiting for review. Priya's buddy has accepted
    and waits for her; one member left the pool after their proposal went out."""
    made = list(Proposal.objects.filter(run=run).select_related("mentee__user", "mentor__user", "programme")
                .order_by("mentee__user__handle"))  # fmt: skip
    priya = next(proposal for proposal in made if proposal.mentee_id == mentees["priya"].pk)
    maureens = [proposal for proposal in made if proposal.mentor_id == mentors["maureen"].pk and proposal != priya]
    others = [proposal for proposal in made if proposal != priya and proposal not in maureens[:1]]
    plain = others[: len(others) // 2]
    for proposal in [priya, *maureens[:1], *plain]:
        proposals.proposal_review(actor=coordinator, proposal=proposal, approve=True)
    proposals.proposal_answer(actor=priya.mentor.user, proposal=priya, accept=True)
    for proposal in plain[0:2]:
        proposals.proposal_answer(actor=proposal.mentee.user, proposal=proposal, accept=True)
    for proposal in plain[2:4]:
        proposals.proposal_answer(actor=proposal.mentor.user, proposal=proposal, accept=True)
    # One of the members drawn with the seed, whose proposal had just gone out, left the pool.
    leaving = next(proposal.mentee for proposal in plain[4:] if proposal.mentee.user.handle.startswith("buddy-member"))
    services.profile_withdraw_consent(actor=leaving.user, profile=leaving)


def demo_matching_guide(base_url: str) -> list[str]:
    """The banner's line: where members, mentors and the coordinator start with buddy matching."""
    if not Programme.objects.filter(name=PROGRAMME).exists():
        return []
    return [f"  Buddy matching (member@… has a proposed buddy waiting; coordinator@… the runs): {base_url}/matching/"]
