"""FHIR Patient import: Synthea bundles import, a second import updates, bad input saves nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from peerpath.audit.models import AuditEvent
from peerpath.fhir.importer import FhirImportRefused, import_patients
from peerpath.prescriptions.models import Patient, PatientIdentifier

pytestmark = pytest.mark.django_db

SYNTHEA = sorted(Path("/work/shared/data/synthea").glob("*.json"))
SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
GRAVITY_PATIENT = Path("/work/shared/data/sdoh-clinicalcare-examples/Patient-pat-53234.json")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _patient_entry(bundle: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def test_the_synthea_folder_is_there():
    assert len(SYNTHEA) == 27


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda path: path.stem.split("_")[0])
def test_every_synthea_bundle_imports_and_a_second_import_updates_instead_of_duplicating(world, path):
    bundle = _load(path)
    source = _patient_entry(bundle)
    clinician = world.people["clinician"]
    report = import_patients(actor=clinician, organisation=world.home, document=bundle)
    assert len(report.created) == 1
    record = report.created[0]
    assert record.birth_date.isoformat() == source["birthDate"]
    assert record.gender == source["gender"]
    official = next(n for n in source["name"] if n.get("use") == "official")
    assert record.family_name == official["family"]
    assert record.given_name == " ".join(official["given"])
    kinds = {(item.kind, item.system) for item in record.identifiers.all()}
    assert kinds == {
        (PatientIdentifier.Kind.OTHER, SYNTHEA_SYSTEM),
        (PatientIdentifier.Kind.MRN, "http://hospital.smarthealthit.org"),
    }
    synthea_id = path.stem.rsplit("_", 1)[-1]
    assert record.identifiers.get(system=SYNTHEA_SYSTEM).value == synthea_id

    again = import_patients(actor=clinician, organisation=world.home, document=bundle)
    assert again.created == [] and [p.pk for p in again.patients] == [record.pk]
    assert Patient.objects.filter(organisation=world.home).count() == 1
    assert AuditEvent.objects.filter(action="patient.created", object_id=str(record.pk)).count() == 1


def test_social_security_licence_and_passport_numbers_are_not_kept(world):
    bundle = _load(SYNTHEA[0])
    source = _patient_entry(bundle)
    secrets = {
        item["value"]
        for item in source["identifier"]
        if item.get("type", {}).get("coding", [{}])[0].get("code") in ("SS", "DL", "PPN")
    }
    assert len(secrets) == 3
    import_patients(actor=world.people["clinician"], organisation=world.home, document=bundle)
    stored = set(PatientIdentifier.objects.values_list("value", flat=True))
    assert not stored & secrets
    assert not PatientIdentifier.objects.filter(system="http://hl7.org/fhir/sid/us-ssn").exists()


def test_an_update_changes_the_record_and_keeps_what_the_resource_does_not_say(world):
    bundle = _load(SYNTHEA[0])
    clinician = world.people["clinician"]
    record = import_patients(actor=clinician, organisation=world.home, document=bundle).created[0]
    record.email = "andy@example.org"
    record.save(update_fields=["email"])
    source = _patient_entry(bundle)
    source["telecom"] = [{"system": "phone", "value": "555-000-0000"}]
    report = import_patients(actor=clinician, organisation=world.home, document=source)
    assert [p.pk for p in report.updated] == [record.pk]
    record.refresh_from_db()
    assert record.phone == "555-000-0000"
    assert record.email == "andy@example.org"
    event = AuditEvent.objects.filter(action="patient.updated", object_id=str(record.pk)).get()
    assert event.details["via"] == "fhir" and event.details["fields"] == ["phone"]


def test_the_same_person_in_another_organisation_is_a_separate_record(world):
    bundle = _load(SYNTHEA[0])
    import_patients(actor=world.people["clinician"], organisation=world.home, document=bundle)
    import_patients(actor=world.people["outsider"], organisation=world.other, document=bundle)
    assert Patient.objects.filter(organisation=world.home).count() == 1
    assert Patient.objects.filter(organisation=world.other).count() == 1


def test_the_gravity_example_patient_imports_with_its_mrn(world):
    report = import_patients(actor=world.people["clinician"], organisation=world.home, document=_load(GRAVITY_PATIENT))
    record = report.created[0]
    assert record.identifiers.get().kind == PatientIdentifier.Kind.MRN
    assert record.given_name == "COLIN V." and record.family_name == "ABBAS"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda p: p.update(birthDate="1990-13-45"), "Bundle.entry[0].resource.birthDate"),
        (lambda p: p.update(gender="robot"), "Bundle.entry[0].resource.gender"),
        (lambda p: p["name"][0].update(given="Andy"), "Bundle.entry[0].resource.name[0].given"),
        (lambda p: p.update(unknownField=1), "Bundle.entry[0].resource.unknownField"),
    ],
)
def test_a_malformed_patient_is_refused_with_its_path_and_nothing_is_saved(world, mutate, path):
    broken, fine = _patient_entry(_load(SYNTHEA[1])), _patient_entry(_load(SYNTHEA[0]))
    mutate(broken)
    document = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": broken}, {"resource": fine}]}
    with pytest.raises(FhirImportRefused) as refused:
        import_patients(actor=world.people["clinician"], organisation=world.home, document=document)
    assert refused.value.path == path
    assert path in refused.value.message
    assert not Patient.objects.exists()


def test_a_later_broken_patient_undoes_the_earlier_ones(world):
    good, bad = _patient_entry(_load(SYNTHEA[0])), _patient_entry(_load(SYNTHEA[1]))
    bad["gender"] = "robot"  # valid FHIR syntax, refused by PeerPath only once the first patient is saved
    document = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": good}, {"resource": bad}]}
    with pytest.raises(FhirImportRefused, match=r"Bundle.entry\[1\].resource.gender: Unknown gender"):
        import_patients(actor=world.people["clinician"], organisation=world.home, document=document)
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "document",
    [[], "Patient", {"resourceType": "Observation"}, {"resourceType": "Bundle", "entry": []},
     {"resourceType": "Bundle", "entry": "x"}, {"resourceType": "Bundle", "entry": [1]},
     {"resourceType": "Patient", "name": [{"family": ""}]}],
)  # fmt: skip
def test_other_documents_are_refused(world, document):
    with pytest.raises(FhirImportRefused):
        import_patients(actor=world.people["clinician"], organisation=world.home, document=document)
    assert not Patient.objects.exists()


def test_a_member_cannot_import(world):
    with pytest.raises(FhirImportRefused) as refused:
        import_patients(actor=world.people["member"], organisation=world.home, document=_load(SYNTHEA[0]))
    assert refused.value.status == 403
    assert not Patient.objects.exists()


def test_the_command_imports_a_synthea_file(world):
    out = StringIO()
    call_command("prescriptions", "import-fhir", str(SYNTHEA[0]), "--actor", world.people["clinician"].email,
                 "--organisation", "riverside", stdout=out)  # fmt: skip
    assert "created 1, updated 0" in out.getvalue()
    call_command("prescriptions", "import-fhir", str(SYNTHEA[0]), "--actor", world.people["clinician"].email,
                 stdout=out)  # fmt: skip
    assert "created 0" in out.getvalue().splitlines()[-1]
    assert Patient.objects.count() == 1


def test_the_command_refuses_a_malformed_file_and_saves_nothing(world, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Patient", "birthDate": "yesterday"}')
    with pytest.raises(CommandError, match=r"Patient\.birthDate"):
        call_command("prescriptions", "import-fhir", str(broken), "--actor", world.people["clinician"].email)
    with pytest.raises(CommandError, match="organisation"):
        call_command("prescriptions", "import-fhir", str(SYNTHEA[0]), "--actor", world.people["clinician"].email,
                     "--organisation", "hillview")  # fmt: skip
    assert not Patient.objects.exists()
