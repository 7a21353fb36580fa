"""Demo patients and prescriptions for Riverside Health: every state of the lifecycle, made through the services.

The demo's past is made by moving dates back after the services ran (a prescription started eight weeks ago,
consent given then): the services themselves only ever act "now". Priya (member@peerpath.demo) is a patient with
an invitation waiting, so the patient's side can be tried at once; the clinician can prescribe her more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet

from peerpath.accounts.models import Organisation, User
from peerpath.core.time import now
from peerpath.directory.models import Listing
from peerpath.directory.selectors import public_listings
from peerpath.prescriptions import services
from peerpath.prescriptions.dose import Dose
from peerpath.prescriptions.models import Consent, Invitation, Patient, PatientIdentifier, Prescription
from peerpath.prescriptions.services import IdentifierData, IssuedInvitation, PatientData, PrescriptionData

NHS = "https://fhir.nhs.uk/Id/nhs-number"
MRN = "https://riverside-health.example/Id/mrn"


@dataclass(frozen=True)
class DemoPatient:
    key: str
    given: str
    family: str
    born: date
    nhs: str
    email: str = ""


PATIENTS = (
    DemoPatient("priya", "Priya", "Natarajan", date(1991, 6, 14), "9000000009", "member@peerpath.demo"),
    DemoPatient("bob", "Bob", "Smith", date(1968, 4, 2), "9000000017", "bob.smith@example.org"),
    DemoPatient("margaret", "Margaret", "Evans", date(1949, 11, 23), "9000000025", "m.evans@example.org"),
    DemoPatient("tom", "Tom", "Hughes", date(2007, 2, 9), "9000000033", "tom.hughes@example.org"),
    DemoPatient("aisha", "Aisha", "Khan", date(1996, 8, 30), "9000000041", "aisha.k@example.org"),
    DemoPatient("liam", "Liam", "O'Connor", date(1975, 1, 17), "9000000068"),
    DemoPatient("grace", "Grace", "Lee", date(1983, 3, 5), "9000000076", "grace.lee@example.org"),
    DemoPatient("owen", "Owen", "Price", date(1958, 9, 12), "9000000084"),
)


def _listing(name: str, condition: str) -> Listing:
    public: QuerySet[Listing] = public_listings()
    found = public.filter(name=name).first() or public.filter(conditions__slug=condition).order_by("name").first()
    if found is None:
        raise LookupError(f"the directory demo has no public listing for {condition}")
    return found


def waiting_invitation_code(email: str) -> str | None:
    """The short code of the demo patient's open invitation, for the sign-in banner."""
    prescription = Prescription.objects.filter(patient__email=email, status=Prescription.Status.SENT).first()
    invitation = services.current_invitation(prescription) if prescription else None
    return services.issued(invitation).code if invitation else None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(18, 30), tzinfo=now().tzinfo)


def _backdate(prescription: Prescription, *, sent: date, answered: date | None = None) -> None:
    """Move the service-stamped moments of a demo prescription into the demo's past."""
    Prescription.objects.filter(pk=prescription.pk).update(sent_at=_at(sent), responded_at=answered and _at(answered))
    Invitation.objects.filter(prescription=prescription).update(
        created_at=_at(sent), expires_at=_at(sent + timedelta(days=14))
    )
    if answered is not None:
        Invitation.objects.filter(prescription=prescription, used_at__isnull=False).update(used_at=_at(answered))
        Consent.objects.filter(prescription=prescription).update(granted_at=_at(answered))


@transaction.atomic
def load_prescriptions_demo(*, organisation: Organisation, people: dict[str, User]) -> int:
    clinician = people["clinician"]
    today = now().date()
    patients: dict[str, Patient] = {}
    for number, demo in enumerate(PATIENTS):
        identifiers = [IdentifierData(system=NHS, value=demo.nhs, kind=PatientIdentifier.Kind.NHS_NUMBER)]
        identifiers.append(IdentifierData(system=MRN, value=f"RH{104220 + number}", kind=PatientIdentifier.Kind.MRN))
        patients[demo.key] = services.patient_create(
            actor=clinician,
            organisation=organisation,
            data=PatientData(
                given_name=demo.given,
                family_name=demo.family,
                birth_date=demo.born,
                email=demo.email,
                identifiers=identifiers,
            ),
            via="demo",
        )

    def prescribe(key: str, listing: Listing, dose: Dose, reasons: list[str], note: str = "") -> Prescription:
        return services.prescription_create(
            clinician=clinician,
            patient=patients[key],
            data=PrescriptionData(dose=dose, listing=listing, reasons=reasons, note_to_patient=note),
        )

    def send(prescription: Prescription) -> IssuedInvitation:
        return services.prescription_send(clinician=clinician, prescription=prescription)

    def accept(issued: IssuedInvitation, user: User, *, share: bool, ehr: bool = False) -> None:
        services.invitation_accept(
            user=user, invitation=issued.invitation, share_participation=share, share_ehr_summary=ehr
        )

    def took_part(prescription: Prescription, days_ago: list[int]) -> None:
        for days in days_ago:
            activity = prescription.activity if prescription.activity != "any" else "meeting"
            services.participation_record(
                patient=prescription.patient, activity=activity, when=_at(today - timedelta(days=days)),
                source="self_report", listing=prescription.listing,
            )  # fmt: skip

    # Accounts for the patients who answer their invitations (the demo's patients without a persona).
    accounts = {
        key: services_user(f"{key}@patients.peerpath.demo", key) for key in ("bob", "margaret", "tom", "aisha", "liam")
    }

    # Priya: an invitation waiting for her (sign in as member@peerpath.demo and open /invitations/).
    pots = _listing("Tuesday Tickers: POTS peer circle", "pots")
    priya = prescribe("priya", pots, Dose("meeting", 1, "week", 3, "months", today), ["new_diagnosis"],
                      "Tuesday Tickers is run by people who live with POTS. Try a few meetings.")  # fmt: skip
    send(priya)

    # Bob Smith, seed 000's example: active for two months, shared, every month met so far.
    fibro = _listing("Fibromyalgia online conversations", "fibromyalgia")
    start = today - timedelta(days=61)
    bob = prescribe("bob", fibro, Dose("online_conversation", 1, "month", 3, "months", start), ["new_diagnosis"])
    accept(send(bob), accounts["bob"], share=True, ehr=True)  # his EHR gets the summary (FHIR Task output)
    _backdate(bob, sent=start - timedelta(days=3), answered=start - timedelta(days=1))
    took_part(bob, [55, 20, 2])

    # Margaret: COPD walks weekly, two weeks missed in a row: lapsed.
    copd = _listing("Breathe Easy walkers, Truro", "copd")
    start = today - timedelta(weeks=5)
    margaret = prescribe("margaret", copd, Dose("meeting", 1, "week", 3, "months", start), ["complication"])
    accept(send(margaret), accounts["margaret"], share=True)
    _backdate(margaret, sent=start - timedelta(days=4), answered=start - timedelta(days=2))
    took_part(margaret, [33, 26, 19])

    # Tom: moving to adult diabetes care, accepted as signpost only (nothing flows back).
    transition = _listing("Moving to adult diabetes care", "type-1-diabetes")
    tom = prescribe("tom", transition, Dose("any", 2, "month", 6, "months", today - timedelta(days=20)), ["transition"])
    accept(send(tom), accounts["tom"], share=False)

    # Aisha: shared, then withdrew consent: the clinic sees "consent withdrawn", never the data.
    aisha_group = _listing("POTS practical tips forum", "pots")
    start = today - timedelta(days=40)
    aisha = prescribe("aisha", aisha_group, Dose("online_conversation", 2, "month", 6, "months", start), ["life_event"])
    accept(send(aisha), accounts["aisha"], share=True)
    _backdate(aisha, sent=start - timedelta(days=2), answered=start)
    took_part(aisha, [30, 12])
    services.consent_withdraw(user=accounts["aisha"], prescription=aisha)

    # Liam: declined.
    heart = _listing("Heart failure café", "heart-failure")
    liam = prescribe("liam", heart, Dose("meeting", 1, "month", 6, "months", today), ["struggling_appointments"])
    services.invitation_decline(user=accounts["liam"], invitation=send(liam).invitation)

    # Grace: sent twelve days ago, no answer yet: the invitation runs out in two days.
    t2 = _listing("Type 2 walk and talk", "type-2-diabetes")
    grace = prescribe(
        "grace", t2, Dose("meeting", 1, "week", 2, "months", today + timedelta(days=2)), ["new_medication"]
    )
    send(grace)
    _backdate(grace, sent=today - timedelta(days=12))

    # Owen: a draft, and a kind of support without a group chosen yet.
    services.prescription_create(
        clinician=clinician,
        patient=patients["owen"],
        data=PrescriptionData(
            dose=Dose("peer_contact", 1, "month", 3, "months", today),
            support_kind=Listing.Kind.BUDDY,
            condition=copd.conditions.first(),
            reasons=["new_diagnosis", "distrust"],
        ),
    )
    services.prescriptions_advance()
    return Prescription.objects.filter(organisation=organisation).count()


def services_user(email: str, handle: str) -> User:
    from peerpath.accounts import services as accounts

    return accounts.user_create(email=email, password=None, handle=f"{handle}-demo", email_verified=True)
