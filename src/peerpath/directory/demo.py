"""Demo directory: 64 fictional but realistic listings across 20 conditions, every kind, format and state.

Everything goes through the directory's services, so the demo leaves the audit trail real use would. Names are
invented (Liver Spot is from seed 002; the clinician-free diabetes group with meet-ups follows seed 003's Sugarbuddies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.utils.text import slugify

from peerpath.accounts.models import Organisation, User
from peerpath.core.time import now
from peerpath.directory import services
from peerpath.directory.models import Condition, Criterion, HostOrganisation, Listing
from peerpath.directory.services import ListingData

ALL_MET = {criterion.value: ("met", "") for criterion in Criterion}

# Town -> (latitude, longitude, country, time zone).
TOWNS: dict[str, tuple[float, float, str, str]] = {
    "Leeds": (53.7965, -1.5478, "GB", "Europe/London"),
    "Bradford": (53.7939, -1.7521, "GB", "Europe/London"),
    "Manchester": (53.4809, -2.2374, "GB", "Europe/London"),
    "London": (51.5085, -0.1257, "GB", "Europe/London"),
    "Bristol": (51.4552, -2.5967, "GB", "Europe/London"),
    "Truro": (50.2653, -5.0544, "GB", "Europe/London"),
    "Portsmouth": (50.7989, -1.0912, "GB", "Europe/London"),
    "Southampton": (50.9039, -1.4043, "GB", "Europe/London"),
    "Birmingham": (52.4814, -1.8998, "GB", "Europe/London"),
    "Newcastle upon Tyne": (54.9733, -1.6140, "GB", "Europe/London"),
    "Cardiff": (51.4800, -3.1800, "GB", "Europe/London"),
    "Swansea": (51.6208, -3.9432, "GB", "Europe/London"),
    "Glasgow": (55.8651, -4.2576, "GB", "Europe/London"),
    "Edinburgh": (55.9521, -3.1965, "GB", "Europe/London"),
    "Belfast": (54.5973, -5.9301, "GB", "Europe/London"),
    "Norwich": (52.6278, 1.2983, "GB", "Europe/London"),
    "Sheffield": (53.3829, -1.4659, "GB", "Europe/London"),
    "Boston": (42.3584, -71.0598, "US", "America/New_York"),
    "Portland": (45.5235, -122.6762, "US", "America/Los_Angeles"),
    "Chicago": (41.8500, -87.6500, "US", "America/Chicago"),
}

HOSTS: dict[str, str] = {
    "Riverside Health peer team": HostOrganisation.Kind.HEALTH_SERVICE,
    "POTS Society UK (demo)": HostOrganisation.Kind.NATIONAL_SOCIETY,
    "Breathe Together": HostOrganisation.Kind.CHARITY,
    "Heartbeat Friends": HostOrganisation.Kind.CHARITY,
    "Sugar Pals South Coast": HostOrganisation.Kind.PEER_LED,
    "LifeRing-style recovery circle": HostOrganisation.Kind.PEER_LED,
    "Northern Liver Foundation": HostOrganisation.Kind.CHARITY,
    "Fibro Network (demo)": HostOrganisation.Kind.NATIONAL_SOCIETY,
    "Joint Action": HostOrganisation.Kind.CHARITY,
    "MindWell Community": HostOrganisation.Kind.CHARITY,
    "Movement Matters": HostOrganisation.Kind.CHARITY,
    "CareConnect Ltd": HostOrganisation.Kind.COMMERCIAL,
    "Pacing Peers": HostOrganisation.Kind.PEER_LED,
    "Kidney Kin": HostOrganisation.Kind.CHARITY,
    "Cancer Companions": HostOrganisation.Kind.CHARITY,
    "Neuro Network": HostOrganisation.Kind.NATIONAL_SOCIETY,
    "Bay State Health peer programme": HostOrganisation.Kind.HEALTH_SERVICE,
}


@dataclass(frozen=True)
class Demo:
    name: str
    conditions: tuple[str, ...]  # condition slugs of the value set
    host: str
    summary: str
    kind: str = Listing.Kind.GROUP
    format: str = Listing.Format.ONLINE
    cadence: str = Listing.Cadence.WEEKLY
    town: str = ""
    byday: str = ""
    at: tuple[int, int] | None = None
    extra: dict[str, object] = field(default_factory=dict)


G, B, ONE, F, A = (Listing.Kind.GROUP, Listing.Kind.BUDDY, Listing.Kind.ONE_TO_ONE, Listing.Kind.FORUM,
                 Listing.Kind.ACTIVITY)  # fmt: skip
ON, IN, HY = Listing.Format.ONLINE, Listing.Format.IN_PERSON, Listing.Format.HYBRID
WK, FN, MO, AH, AO = (Listing.Cadence.WEEKLY, Listing.Cadence.FORTNIGHTLY, Listing.Cadence.MONTHLY,
                      Listing.Cadence.AD_HOC, Listing.Cadence.ALWAYS_OPEN)  # fmt: skip
NEW, PREG, STUD, TRANS, OLD = ("newly_diagnosed", "pregnancy", "students", "transition", "older_people")

LISTINGS: tuple[Demo, ...] = (
    # POTS (seed 000): online weekly groups, a moderated forum, a local meet-up.
    Demo("Tuesday Tickers: POTS peer circle", ("pots",), "POTS Society UK (demo)",
         "A friendly weekly video call for adults with POTS: pacing, salt, compression, work.", G, ON, WK,
         byday="TU", at=(19, 0), extra={"rule_no_medical_advice": True, "typical_attendance": 24}),
    Demo("POTS and EDS evening chat", ("pots", "ehlers-danlos-syndromes"), "POTS Society UK (demo)",
         "For people living with both POTS and hypermobile EDS.", G, ON, WK, byday="TH", at=(20, 0)),
    Demo("POTS practical tips forum", ("pots",), "Movement Matters",
         "An online forum moderated by a fitness professional who has POTS. No whining, lots of tips.", F, ON, AO,
         extra={"moderation": "professional", "rules_text": "Be practical and kind. No whining."}),
    Demo("Leeds POTS coffee meet", ("pots",), "POTS Society UK (demo)",
         "Monthly coffee and cake in central Leeds, seated venue with step-free access.", G, IN, MO, "Leeds",
         byday="1SA", at=(11, 0), extra={"accessibility_notes": "Seated throughout; step-free; quiet room."}),
    Demo("Newly diagnosed with POTS: buddy scheme", ("pots",), "POTS Society UK (demo)",
         "Paired with someone who has lived with POTS for years, for the first three months.", B, ON, AH,
         extra={"life_stages": [NEW], "join_method": "request"}),
    # Diabetes (seed 003).
    Demo("Sugar Pals meet-ups", ("type-1-diabetes",), "Sugar Pals South Coast",
         "An online group run by people with type 1 diabetes, plus walks and socials. No clinicians, on purpose.",
         G, HY, WK, "Portsmouth", byday="WE", at=(19, 30), extra={"clinician_participation": "never"}),
    Demo("Pump starters group", ("type-1-diabetes",), "Riverside Health peer team",
         "For people starting an insulin pump or a closed-loop system.", G, ON, FN, byday="MO", at=(18, 30),
         extra={"life_stages": [NEW], "clinician_participation": "by_invitation"}),
    Demo("T1D at uni", ("type-1-diabetes",), "Sugar Pals South Coast",
         "Students with type 1: exams, nights out, cooking for one.", F, ON, AO, extra={"life_stages": [STUD],
                                                                                            "age_min": 17,
                                                                                            "age_max": 25}),
    Demo("Moving to adult diabetes care", ("type-1-diabetes",), "Riverside Health peer team",
         "For 15 to 19 year olds moving from the children's clinic.", G, HY, MO, "Southampton", byday="2SA",
         at=(10, 0), extra={"life_stages": [TRANS], "age_min": 15, "age_max": 19}),
    Demo("Bump and bolus", ("type-1-diabetes", "diabetes"), "Sugar Pals South Coast",
         "Pregnancy and new parenthood with diabetes: a buddy who has done it.", B, ON, AH,
         extra={"life_stages": [PREG]}),
    Demo("Type 2 walk and talk", ("type-2-diabetes",), "Movement Matters",
         "A gentle 3 km walk and a chat about food, tablets and feeling well.", A, IN, WK, "Bristol",
         byday="SA", at=(10, 0)),
    Demo("Diabetes Punjabi group", ("type-2-diabetes",), "Riverside Health peer team",
         "Meeting in Punjabi and English: food, fasting and family.", G, IN, FN, "Birmingham", byday="FR",
         at=(14, 0), extra={"languages": ["pa", "en"]}),
    Demo("Prediabetes: small changes club", ("prediabetes",), "CareConnect Ltd",
         "Six weekly sessions on food and activity, with a fee.", G, ON, WK, byday="TU", at=(12, 30),
         extra={"is_free": False, "fee_text": "£30 for six sessions", "moderation": "professional"}),
    # COPD and lungs.
    Demo("Breathe Easy walkers, Truro", ("copd",), "Breathe Together",
         "Short walks at your own pace, with benches and a café at the end.", A, IN, WK, "Truro", byday="TH",
         at=(10, 30)),
    Demo("Singing for lung health", ("copd", "asthma", "pulmonary-fibrosis"), "Breathe Together",
         "A choir that helps breathing control. No singing experience needed.", A, IN, WK, "Norwich", byday="WE",
         at=(14, 0), extra={"typical_attendance": 30}),
    Demo("COPD online support", ("copd",), "Breathe Together",
         "A weekly video call for people with COPD and emphysema.", G, ON, WK, byday="MO", at=(11, 0)),
    Demo("Pulmonary fibrosis peer group", ("pulmonary-fibrosis",), "Breathe Together",
         "For people with IPF and their families.", G, HY, MO, "Manchester", byday="3TU", at=(13, 0),
         extra={"audience": "both"}),
    Demo("Asthma parents forum", ("asthma",), "Breathe Together",
         "For parents of children with asthma.", F, ON, AO, extra={"audience": "carers"}),
    # Heart.
    Demo("Heart failure café", ("heart-failure",), "Heartbeat Friends",
         "Tea and talk for people with heart failure; a heart failure nurse joins once a quarter.", G, IN, MO,
         "Sheffield", byday="1WE", at=(14, 0), extra={"clinician_participation": "by_invitation"}),
    Demo("AF support online", ("atrial-fibrillation",), "Heartbeat Friends",
         "Living with atrial fibrillation: anticoagulants, ablation, anxiety.", G, ON, MO, byday="2TH",
         at=(19, 0)),
    Demo("Cardiac rehab graduates", ("coronary-heart-disease", "heart-failure"), "Riverside Health peer team",
         "Keep moving after cardiac rehab, together.", A, IN, WK, "Leeds", byday="TU", at=(9, 30)),
    Demo("Blood pressure buddies", ("hypertension",), "CareConnect Ltd",
         "A buddy to check in with while you get your blood pressure down.", B, ON, AH,
         extra={"is_free": False, "fee_text": "£5 a month"}),
    # Liver (seed 002).
    Demo("Liver Spot weekly meeting", ("liver-disease", "liver-transplant", "alcohol-use-disorder"),
         "LifeRing-style recovery circle",
         "A weekly medical peer meeting for people with liver disease, before and after transplant.", G, ON, WK,
         byday="WE", at=(18, 0), extra={"typical_attendance": 28, "rule_no_medical_advice": True}),
    Demo("After the transplant", ("liver-transplant", "kidney-transplant", "organ-transplant"),
         "Northern Liver Foundation", "Life after an organ transplant: medicines, work, gratitude and worry.", G,
         HY, FN, "Newcastle upon Tyne", byday="SA", at=(11, 0)),
    Demo("Liver disease family group", ("liver-disease",), "Northern Liver Foundation",
         "For partners, parents and children of people with liver disease.", G, ON, MO, byday="4MO", at=(19, 0),
         extra={"audience": "carers"}),
    # Kidneys.
    Demo("Dialysis chat", ("kidney-failure",), "Kidney Kin", "People on dialysis, at home or in a unit.", F, ON, AO),
    Demo("CKD newly diagnosed evening", ("chronic-kidney-disease",), "Kidney Kin",
         "What a CKD diagnosis means day to day, from people who have had one for years.", G, ON, MO,
         byday="1TU", at=(18, 30), extra={"life_stages": [NEW]}),
    # ME/CFS, long COVID, fibromyalgia, pain (seed 000).
    Demo("Pacing together", ("me-cfs",), "Pacing Peers",
         "A low-energy online group: cameras optional, short sessions, no pressure.", G, ON, FN, byday="TH",
         at=(14, 0), extra={"accessibility_notes": "45 minutes; cameras optional; captions on."}),
    Demo("ME carers circle", ("me-cfs",), "Pacing Peers", "For people caring for someone with severe ME.", G, ON,
         MO, byday="2WE", at=(20, 0), extra={"audience": "carers"}),
    Demo("Long COVID peer support", ("long-covid",), "MindWell Community",
         "For people with long COVID: fatigue, brain fog, going back to work.", G, ON, WK, byday="MO", at=(13, 0)),
    Demo("Long COVID walking (slowly)", ("long-covid",), "Movement Matters",
         "Very gentle outdoor walks that stop when you need to.", A, IN, FN, "Cardiff", byday="SU", at=(11, 0)),
    Demo("Fibromyalgia online conversations", ("fibromyalgia",), "Fibro Network (demo)",
         "An online community for fibromyalgia: join one conversation a month or many.", F, ON, AO,
         extra={"rule_no_promotion": True}),
    Demo("Fibro friends Falmouth", ("fibromyalgia", "chronic-pain"), "Fibro Network (demo)",
         "A monthly cuppa for people with fibromyalgia.", G, IN, MO, "Truro", byday="3FR", at=(11, 0)),
    Demo("Living with chronic pain", ("chronic-pain",), "Riverside Health peer team",
         "A peer-led group alongside the pain clinic.", G, HY, WK, "Leeds", byday="FR", at=(10, 0),
         extra={"clinician_participation": "by_invitation"}),
    # Arthritis.
    Demo("RA young adults", ("rheumatoid-arthritis",), "Joint Action",
         "For people aged 18 to 35 with rheumatoid arthritis.", G, ON, MO, byday="1WE", at=(19, 30),
         extra={"age_min": 18, "age_max": 35}),
    Demo("Arthritis aqua group", ("osteoarthritis", "rheumatoid-arthritis"), "Joint Action",
         "Warm-water exercise and a chat afterwards.", A, IN, WK, "Swansea", byday="TU", at=(11, 0),
         extra={"is_free": False, "fee_text": "£3 a session (pool entry)"}),
    Demo("Knee and hip OA talk", ("osteoarthritis",), "Joint Action", "Waiting for surgery, or deciding.", G, ON,
         MO, byday="2MO", at=(14, 0), extra={"life_stages": [OLD]}),
    # Neurology.
    Demo("Parkinson's café", ("parkinsons-disease",), "Neuro Network", "Coffee, exercise tips and friendship.", G,
         IN, MO, "Edinburgh", byday="1TH", at=(14, 0), extra={"audience": "both"}),
    Demo("MS young onset online", ("multiple-sclerosis",), "Neuro Network",
         "Diagnosed with MS in your twenties or thirties.", G, ON, FN, byday="WE", at=(19, 0)),
    Demo("Epilepsy peer chat", ("epilepsy",), "Neuro Network", "Seizures, driving, work and medication.", F, ON,
         AO),
    Demo("Stroke survivors club", ("stroke",), "Neuro Network", "Rebuilding life after a stroke.", G, IN, WK,
         "Glasgow", byday="TU", at=(13, 30), extra={"audience": "both"}),
    Demo("MND families group", ("motor-neurone-disease",), "Neuro Network", "For families living with MND.", G,
         HY, MO, "Belfast", byday="4SA", at=(11, 0), extra={"audience": "carers"}),
    Demo("Dementia carers' Saturday", ("dementia", "alzheimers"), "MindWell Community",
         "A break and a chat for people caring for someone with dementia.", G, IN, FN, "Norwich", byday="SA",
         at=(10, 0), extra={"audience": "carers"}),
    # Mental health and addiction.
    Demo("Depression peer support", ("depression",), "MindWell Community",
         "A safe, moderated group for people living with depression.", G, ON, WK, byday="TH", at=(19, 0),
         extra={"moderation": "professional"}),
    Demo("Anxiety buddies", ("anxiety",), "MindWell Community", "A buddy who gets it, by message or call.", B, ON,
         AH),
    Demo("Bipolar peer group", ("bipolar-disorder",), "MindWell Community", "Stability, medication and life.", G,
         HY, FN, "London", byday="MO", at=(18, 30)),
    Demo("Hearing voices network meeting", ("psychosis", "schizophrenia"), "MindWell Community",
         "A peer-led space to talk about voices and visions.", G, IN, WK, "Manchester", byday="WE", at=(15, 0)),
    Demo("Recovery café", ("substance-use", "alcohol-use-disorder"), "LifeRing-style recovery circle",
         "Secular recovery meetings, with coffee.", G, IN, WK, "Bristol", byday="SU", at=(17, 0)),
    Demo("Sober online circle", ("alcohol-use-disorder",), "LifeRing-style recovery circle",
         "Daily online meetings for people who want to stop drinking.", G, ON, AO),
    Demo("PTSD veterans peer group", ("ptsd",), "MindWell Community", "Veterans supporting veterans.", G, HY, WK,
         "Portsmouth", byday="TH", at=(18, 0)),
    # Cancer.
    Demo("Breast cancer buddies", ("breast-cancer",), "Cancer Companions",
         "A buddy who has been through treatment.", B, ON, AH, extra={"life_stages": [NEW]}),
    Demo("Prostate cancer support", ("prostate-cancer",), "Cancer Companions", "Men talking about prostate cancer.",
         G, IN, MO, "Leeds", byday="2TU", at=(19, 0)),
    Demo("Bowel cancer online", ("bowel-cancer",), "Cancer Companions", "Stomas, scans and everything else.", F,
         ON, AO),
    Demo("Blood cancer peer group", ("blood-cancer", "lymphoma", "leukaemia", "myeloma"), "Cancer Companions",
         "For people living with a blood cancer.", G, ON, MO, byday="3WE", at=(18, 0)),
    # Gut, immune, other.
    Demo("Crohn's and colitis chat", ("crohns-disease", "ulcerative-colitis"), "MindWell Community",
         "IBD peer support: flares, food and work.", G, ON, FN, byday="TU", at=(20, 0)),
    Demo("Coeliac cooks", ("coeliac-disease",), "CareConnect Ltd", "Gluten-free cooking together.", A, IN, MO,
         "London", byday="1SU", at=(12, 0), extra={"is_free": False, "fee_text": "£8 for ingredients"}),
    Demo("Lupus warriors", ("lupus",), "Joint Action", "Living with SLE.", G, ON, MO, byday="2SA", at=(11, 0)),
    Demo("HIV peer mentors", ("hiv",), "Riverside Health peer team",
         "One-to-one support from a trained peer mentor living with HIV.", ONE, HY, AH, "London",
         extra={"join_method": "referral"}),
    Demo("Sickle cell young people", ("sickle-cell-disease",), "Kidney Kin",
         "For 16 to 25 year olds with sickle cell.", G, ON, MO, byday="4TH", at=(18, 0),
         extra={"age_min": 16, "age_max": 25, "life_stages": [TRANS]}),
    Demo("Endometriosis support", ("endometriosis",), "MindWell Community", "You are not alone with endo.", G, ON,
         MO, byday="1MO", at=(19, 30)),
    # United States.
    Demo("Boston diabetes peer coaches", ("type-2-diabetes",), "Bay State Health peer programme",
         "Phone and text support from trained peer coaches, in English and Spanish.", ONE, ON, WK,
         extra={"languages": ["en", "es"], "join_method": "referral"}),
    Demo("Portland chronic illness walks", ("chronic-pain", "fibromyalgia", "me-cfs"), "Movement Matters",
         "Slow, social walks in the park.", A, IN, FN, "Portland", byday="SA", at=(9, 0)),
    Demo("Chicago heart failure group", ("heart-failure",), "Bay State Health peer programme",
         "A hospital-hosted peer group.", G, IN, MO, "Chicago", byday="2TH", at=(17, 0),
         extra={"clinician_participation": "yes"}),
    # Cystic fibrosis: people with CF must not meet in person (cross-infection), so online only.
    Demo("CF online hangout", ("cystic-fibrosis",), "Breathe Together",
         "Online only, because people with CF should not meet in person.", G, ON, WK, byday="SU", at=(19, 0),
         extra={"age_min": 16}),
)  # fmt: skip

# Indexes into LISTINGS for the states other than "vetted by Riverside".
SUBMITTED = (3, 10, 26, 45, 57)  # waiting in the queue, suggested by the public
IN_REVIEW = (16, 40, 55)
DELISTED = (12, 49)  # one declined with an unmet criterion, one closed
DECLINED = (21,)
VETTED_BY_OTHER = (22, 23, 24)  # Northern Liver Foundation vets its liver listings
REREVIEW_DUE = (30, 35)  # reviewed a little over 12 months ago: public, marked
LAPSED = (38,)  # reviewed 14 months ago: hidden from the public


def _data(demo: Demo, conditions: dict[str, Condition], hosts: dict[str, HostOrganisation]) -> ListingData:
    values: dict[str, object] = {
        "name": demo.name,
        "summary": demo.summary,
        "description": f"{demo.summary}\n\nNew members are always welcome. Come to a first meeting without"
        " committing to more; say as much or as little as you like.",
        "kind": demo.kind,
        "format": demo.format,
        "cadence": demo.cadence,
        "conditions": [conditions[slug] for slug in demo.conditions],
        "host": hosts[demo.host],
        "url": f"https://example.org/{slugify(demo.name)}",
        "rule_no_medical_advice": True,
        "rule_no_promotion": demo.host != "CareConnect Ltd",
        "moderation": Listing.Moderation.PEER,
    }
    if demo.town:
        latitude, longitude, country, zone = TOWNS[demo.town]
        values.update(city=demo.town, latitude=latitude, longitude=longitude, country=country,
                      schedule_timezone=zone)  # fmt: skip
    if demo.byday or demo.cadence in (Listing.Cadence.WEEKLY, Listing.Cadence.FORTNIGHTLY, Listing.Cadence.MONTHLY):
        monthly = demo.cadence == Listing.Cadence.MONTHLY
        values["schedule_frequency"] = Listing.Frequency.MONTHLY if monthly else Listing.Frequency.WEEKLY
        values["schedule_interval"] = 2 if demo.cadence == Listing.Cadence.FORTNIGHTLY else 1
        values["schedule_byday"] = demo.byday
    if demo.at:
        start = time(*demo.at)
        values["schedule_opens_at"] = start
        values["schedule_closes_at"] = time((demo.at[0] + 1) % 24, demo.at[1])
    values.update(demo.extra)
    return ListingData(**values)  # type: ignore[arg-type]


def load_directory_demo(*, organisations: dict[str, Organisation], people: dict[str, User]) -> int:
    """Load the demo listings; `organisations` and `people` are the demo's, keyed by "home"/"other" and persona."""
    conditions = {condition.slug: condition for condition in Condition.objects.all()}
    hosts = {name: services.host_get_or_create(actor=None, name=name, kind=kind) for name, kind in HOSTS.items()}
    home, other = organisations["home"], organisations["other"]
    coordinator, other_coordinator = people["coordinator"], people["outsider"]
    today = now().date()
    for number, demo in enumerate(LISTINGS):
        contact = "" if number % 2 else "a.neighbour@example.org"
        listing = services.listing_submit(
            actor=None, data=_data(demo, conditions, hosts), via="demo", submitter_contact=contact
        )
        if number in SUBMITTED:
            continue
        by_other = number in VETTED_BY_OTHER
        reviewer = other_coordinator if by_other else coordinator
        services.review_start(actor=reviewer, listing=listing, organisation=other if by_other else home)
        if number in IN_REVIEW:
            continue
        reviewed_on = _reviewed_on(number, today)
        checks = dict(ALL_MET)
        if demo.cadence == Listing.Cadence.AD_HOC:
            checks["meets_regularly"] = ("not_applicable", "A buddy scheme: pairs meet when they choose.")
        if number in DECLINED:
            checks["no_promotion"] = ("not_met", "Sells a blood pressure monitor to members.")
        services.vetting_record(actor=reviewer, listing=listing, checks=checks, reviewed_on=reviewed_on)
        if number in DELISTED:
            services.listing_delist(actor=reviewer, listing=listing, reason="The group has stopped meeting.")
    _suggest_edits()
    return len(LISTINGS)


def _reviewed_on(number: int, today: date) -> date:
    if number in REREVIEW_DUE:
        return today - timedelta(days=365 + 10 + number % 7)
    if number in LAPSED:
        return today - timedelta(days=425)
    return today - timedelta(days=(number * 37) % 330 + 1)


def _suggest_edits() -> None:
    for name, message in (
        ("Tuesday Tickers: POTS peer circle", "The call now starts at 7.30pm, not 7pm."),
        ("Breathe Easy walkers, Truro", "They have moved to Thursday mornings from the cathedral."),
    ):
        listing = Listing.objects.get(name=name)
        services.edit_suggestion_create(actor=None, listing=listing, message=message)
