"""The demo's peer-supporter programme at Riverside Health (issue 16 point 9), made through the services.

"Diabetes peer coaching" has three trained supporters: Maureen (the demo peer supporter), one patient short of her
cap; Kwame; and Aisha, who is taking a break. Twelve patients are in their caseloads, with contacts over the
past three months, some follow-ups overdue and one concern for the coordinator. Priya (the demo member) is in
Maureen's caseload, so the patient's side can be tried; Hannah's prescription is for contact with a peer supporter,
so her adherence moves with every contact Maureen logs. As in the prescriptions demo, the services act "now" and
the demo's past is made by moving the enrolments' dates back before the contacts are logged. The programme is in the
public directory as a vetted buddy programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peerpath.accounts import services as accounts
from peerpath.accounts.models import Organisation, User
from peerpath.accounts.roles import Role
from peerpath.core.time import now
from peerpath.directory import services as directory
from peerpath.directory.demo import ALL_MET
from peerpath.directory.models import Condition, Listing
from peerpath.directory.selectors import public_listings
from peerpath.prescriptions import services as prescriptions
from peerpath.prescriptions.dose import Dose
from peerpath.prescriptions.models import Patient, Prescription
from peerpath.prescriptions.services import PatientData, PrescriptionData
from peerpath.programmes import services
from peerpath.programmes.listing import ListingDetails, programme_listing_publish
from peerpath.programmes.models import Enrolment, Programme, Supporter, WellbeingCheckIn

PROGRAMME = "Diabetes peer coaching"
COURSE = "Peer support foundations"
SAFEGUARDING_COURSE = "Safeguarding adults, level 2"
CAP = 8


@dataclass(frozen=True)
class DemoSupporter:
    key: str
    handle: str
    legal_name: str
    languages: tuple[str, ...]
    availability: str


EXTRA_SUPPORTERS = (
    DemoSupporter("kwame", "walk-and-talk", "Kwame Mensah", ("en", "tw"), "Weekday evenings; Saturday walks"),
    DemoSupporter("aisha", "gentle-pace", "Aisha Rahman", ("en", "ur", "pa"), "Tuesday and Thursday mornings"),
)

# (given, family, born, supporter key, days since the last contact, contacts before it)
NEW_PATIENTS = (
    ("Hannah", "Roberts", date(1979, 5, 2), "maureen", 5, 5),
    ("Dev", "Patel", date(1962, 10, 19), "maureen", 3, 4),
    ("Sian", "Jones", date(1988, 1, 27), "maureen", 22, 3),
    ("Marek", "Nowak", date(1970, 7, 8), "maureen", 9, 2),
    ("Joan", "Barker", date(1945, 3, 30), "maureen", 31, 2),
    ("Femi", "Adeyemi", date(1993, 12, 4), "kwame", 2, 5),
    ("Lowri", "Evans", date(1998, 8, 16), "kwame", 6, 3),
    ("Ruth", "Cohen", date(1956, 2, 14), "kwame", 12, 3),
    ("Gareth", "Pugh", date(1967, 9, 21), "kwame", 18, 2),
    ("Zainab", "Hussain", date(2001, 6, 11), "aisha", 26, 3),
)

CONTACTS = (
    ("phone", 20, ["social_emotional", "daily_management"], "Talked through a week of readings and what to try next."),
    ("walk", 45, ["social_emotional", "follow_up"], "Walked round the park; feeling more confident about snacks."),
    ("text", 5, ["follow_up"], "Checked in after the clinic appointment."),
    ("video", 30, ["daily_management", "linkage"], "Went through the carb-counting course dates together."),
    ("home_visit", 60, ["daily_management", "social_emotional"], "Sorted the new meter and the repeat prescription."),
    ("shopping", 50, ["daily_management"], "Supermarket trip: reading labels and swapping drinks."),
)


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=now().tzinfo)


def _supporter_user(person: DemoSupporter, organisation: Organisation) -> User:
    user = accounts.user_create(email=f"{person.key}@supporters.peerpath.demo", password=None, handle=person.handle,
                                legal_name=person.legal_name, email_verified=True)  # fmt: skip
    accounts.role_grant(actor=None, user=user, organisation=organisation, role=Role.PEER_SUPPORTER)
    return user


def _diabetes_listing() -> Listing | None:
    listings = public_listings().filter(conditions__slug__in=["type-2-diabetes", "type-1-diabetes", "diabetes"])
    return listings.order_by("name").first()


def load_programmes_demo(*, organisation: Organisation, people: dict[str, User]) -> int:
    """The programme, its supporters and caseloads; returns the number of contacts logged."""
    coordinator, clinician = people["coordinator"], people["clinician"]
    today = now().date()
    conditions = list(Condition.objects.filter(slug__in=["type-2-diabetes", "type-1-diabetes"]))
    programme = services.programme_create(
        actor=coordinator, organisation=organisation,
        data=services.ProgrammeData(
            name=PROGRAMME, coordinator=coordinator, conditions=conditions,
            summary="Trained volunteers who live with diabetes themselves call, text, walk and shop with people "
                    "newly diagnosed or starting insulin.",
            support_kinds=["one_to_one", "activities"], channels=["phone", "text", "video", "home_visit", "walk",
                                                                  "shopping"],
            follow_up_days=14, caseload_cap=CAP, required_courses=[COURSE],
            enrolment_criteria="Adults at Riverside Health with type 1 or type 2 diabetes, in the first year after "
                               "diagnosis or after starting insulin.",
        ),
    )  # fmt: skip
    users = {"maureen": people["peer_supporter"]}
    users.update({person.key: _supporter_user(person, organisation) for person in EXTRA_SUPPORTERS})
    details = {person.key: person for person in EXTRA_SUPPORTERS}
    supporters: dict[str, Supporter] = {}
    for key, user in users.items():
        person = details.get(key)
        supporters[key] = services.supporter_save(
            actor=coordinator, organisation=organisation, user=user,
            data=services.SupporterData(
                programmes=[programme], languages=person.languages if person else ("en",),
                lived_conditions=conditions[:1], supervisor=coordinator,
                availability=person.availability if person else "Weekdays 10:00-16:00",
            ),
        )  # fmt: skip
        services.training_record_add(actor=coordinator, supporter=supporters[key], course=COURSE,
                                     completed_on=today - timedelta(days=200),
                                     expires_on=today + timedelta(days=530))  # fmt: skip
        services.training_record_add(actor=coordinator, supporter=supporters[key], course=SAFEGUARDING_COURSE,
                                     completed_on=today - timedelta(days=150))  # fmt: skip
        services.supervision_record(actor=coordinator, supporter=supporters[key], held_on=today - timedelta(days=21),
                                    note="Caseload reviewed; no concerns about workload.")  # fmt: skip

    patients: list[tuple[Patient, str, int, int, Prescription | None]] = []
    for given, family, born, key, last, count in NEW_PATIENTS:
        patient = prescriptions.patient_create(
            actor=clinician, organisation=organisation,
            data=PatientData(given_name=given, family_name=family, birth_date=born), via="demo",
        )  # fmt: skip
        prescription = None
        if given == "Hannah":
            prescription = _peer_contact_prescription(patient, clinician, today)
        patients.append((patient, key, last, count, prescription))
    existing = {patient.given_name: patient for patient in Patient.objects.filter(organisation=organisation)}
    # Priya (the demo member) and Tom (moving to adult diabetes care, a prescription for any kind of support).
    patients.insert(0, (existing["Priya"], "maureen", 8, 2, None))
    tom_prescription = Prescription.objects.filter(patient=existing["Tom"]).first()
    patients.append((existing["Tom"], "maureen", 15, 2, tom_prescription))

    logged = 0
    for number, (patient, key, last, count, prescription) in enumerate(patients):
        source = Enrolment.Source.PRESCRIPTION if prescription is not None else Enrolment.Source.REFERRAL
        enrolment = services.enrolment_create(actor=coordinator, programme=programme, patient=patient, source=source,
                                              prescription=prescription, supporter=supporters[key])  # fmt: skip
        started = today - timedelta(days=last + 14 * count + 3)
        Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=_at(started, 9), assigned_at=_at(started, 10))
        enrolment.refresh_from_db()
        if patient.given_name == "Hannah":
            # Hannah (who accepted her prescription with an account) chose to give Maureen a phone number as well:
            # 07700 900123 is in Ofcom's range for drama, so it reaches nobody, and dials as typed.
            assert enrolment.patient.user is not None
            services.enrolment_reach_set(user=enrolment.patient.user, enrolment=enrolment, phone="07700 900123",
                                         email="")  # fmt: skip
        for step in range(count + 1):
            day = today - timedelta(days=last + 14 * (count - step))
            channel, minutes, functions, discussed = CONTACTS[(number + step) % len(CONTACTS)]
            latest = step == count
            concern = "concern" if (latest and key == "kwame" and last == 18) else "none"
            services.interaction_log(
                actor=users[key], enrolment=enrolment,
                data=services.InteractionData(
                    occurred_at=_at(day, 10 + step % 6), channel=channel, duration_minutes=minutes,
                    functions=functions, discussed=discussed, concern=concern,
                    concern_note="Sounded low and has stopped going out; asked the GP practice to call." if concern
                    != "none" else "",
                    next_follow_up=day + timedelta(days=14) if latest else None,
                ),
            )  # fmt: skip
            logged += 1
        if patient.given_name == "Joan":
            # Three calls in the last week that nobody answered: Joan is marked for the coordinator's review.
            for days in (6, 4, 1):
                services.interaction_log(
                    actor=users[key], enrolment=enrolment,
                    data=services.InteractionData(occurred_at=_at(today - timedelta(days=days), 15), channel="phone",
                                                  duration_minutes=2, functions=["follow_up"], reached=False,
                                                  discussed="No answer; left a voicemail."),
                )  # fmt: skip
                logged += 1
    _check_ins(users, supporters, today)
    services.supporter_pause(actor=users["aisha"], supporter=supporters["aisha"],
                             reason="Back in a month: a family matter.")  # fmt: skip
    prescriptions.prescriptions_advance()  # Hannah's prescription: adherence from the contacts just logged
    _publish(programme, coordinator)
    return logged


def _publish(programme: Programme, coordinator: User) -> Listing:
    """The programme in the public directory as a buddy programme, vetted by Riverside's coordinator as the directory
    demo vets its listings. Last, so that the listings chosen earlier (Hannah's prescription) stay the same."""
    listing = programme_listing_publish(
        actor=coordinator, programme=programme,
        details=ListingDetails(summary=programme.summary, join_method=Listing.JoinMethod.REFERRAL,
                               format=Listing.Format.HYBRID, languages=["en", "tw", "ur", "pa"], city="Southampton",
                               contact_email="peer-coaching@example.org", contact_phone="01632 960 123"),
    )  # fmt: skip
    directory.review_start(actor=coordinator, listing=listing, organisation=programme.organisation)
    directory.vetting_record(actor=coordinator, listing=listing, checks=ALL_MET,
                             notes="A coordinator trains and supervises every supporter.")  # fmt: skip
    return listing


# The supporters' wellbeing check-ins, every two weeks: (supporter, days ago, strain, emotional load, support wanted,
# own health a struggle, note). Maureen's next one is due, so her caseload asks how she is; Kwame's latest asks for
# attention, and its alert goes to his supervisor, the coordinator; Aisha stopped answering before her break.
CHECK_INS = (
    ("maureen", 43, 1, 2, 1, 1, ""),
    ("maureen", 29, 2, 2, 1, 2, ""),
    ("maureen", 15, 1, 2, 1, 1, "A busy fortnight, but a good one."),
    ("kwame", 31, 1, 1, 0, 1, ""),
    ("kwame", 17, 2, 2, 1, 1, ""),
    ("kwame", 3, 3, 3, 3, 2, "Two of my people had a hard month and I have been carrying it home. Could we talk?"),
    ("aisha", 44, 2, 2, 1, 3, ""),
    ("aisha", 30, 2, 2, 2, 3, "My own health has been up and down; I may need a break."),
)


def _check_ins(users: dict[str, User], supporters: dict[str, Supporter], today: date) -> None:
    for key, days, strain, load, support, health, note in CHECK_INS:
        check_in = services.wellbeing_check_in(actor=users[key], supporter=supporters[key], strain=strain,
                                               emotional_load=load, support_needed=support, own_health=health,
                                               note=note)  # fmt: skip
        WellbeingCheckIn.objects.filter(pk=check_in.pk).update(answered_at=_at(today - timedelta(days=days), 19))


def _peer_contact_prescription(patient: Patient, clinician: User, today: date) -> Prescription:
    """Hannah's prescription: contact with a peer supporter twice a month for six months, accepted and shared."""
    listing = _diabetes_listing()
    start = today - timedelta(days=95)
    prescription = prescriptions.prescription_create(
        clinician=clinician, patient=patient,
        data=PrescriptionData(dose=Dose("peer_contact", 2, "month", 6, "months", start), listing=listing,
                              reasons=["new_medication"],
                              note_to_patient="A peer coach who lives with diabetes will call you."),
    )  # fmt: skip
    issued = prescriptions.prescription_send(clinician=clinician, prescription=prescription)
    account = accounts.user_create(email="hannah@patients.peerpath.demo", password=None, handle="hannah-demo",
                                   email_verified=True)  # fmt: skip
    prescriptions.invitation_accept(user=account, invitation=issued.invitation, share_participation=True,
                                    share_ehr_summary=True)  # fmt: skip
    Prescription.objects.filter(pk=prescription.pk).update(sent_at=_at(start - timedelta(days=3)),
                                                           responded_at=_at(start - timedelta(days=1)))  # fmt: skip
    prescription.refresh_from_db()
    return prescription


def demo_programme_guide(base_url: str) -> list[str]:
    """Lines for the demo banner: where the supporter and the coordinator start."""
    programme = Programme.objects.filter(name=PROGRAMME).first()
    if programme is None:
        return []
    listed = (
        [f"  Anyone: the programme as a vetted buddy programme: {base_url}/directory/{programme.listing_id}/"]
        if programme.listing_id
        else []
    )
    return [
        f"  Peer supporter (peer-supporter@…): the caseload, most overdue first: {base_url}/programmes/caseload/",
        f"  Coordinator: {programme.name}, supporters against the cap of {programme.caseload_cap}: "
        f"{base_url}/programmes/{programme.pk}/",
        f"  Coordinator: the team's wellbeing, with one check-in that asks for attention: "
        f"{base_url}/programmes/{programme.pk}/wellbeing/",
        *listed,
    ]
