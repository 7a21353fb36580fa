"""The audit trail: append-only, hash-chained, verifiable, and shown only to the organisation's managers."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from peerpath.accounts.models import Organisation
from peerpath.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEvent
from peerpath.audit.services import record, record_access, record_denied
from peerpath.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def _write_events(count: int) -> list[AuditEvent]:
    return [record(action="test.event", details={"n": index}) for index in range(count)]


def _raw_update(sql: str, params: list) -> None:
    """Tamper with the table behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A database superuser can switch triggers off; the application's role cannot.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_events_form_a_chain_from_the_genesis_hash():
    first, second, third = _write_events(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    report = verify_chain()
    assert report.intact and report.checked == 3 and report.reason == "intact"


def test_verify_names_the_first_altered_event():
    _write_events(5)
    _raw_update("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.innocent", 3])
    report = verify_chain()
    assert not report.intact
    assert report.first_broken_seq == 3
    assert "altered" in report.reason


def test_verify_detects_a_removed_event_in_the_middle():
    _write_events(4)
    _raw_update("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    report = verify_chain()
    assert report.first_broken_seq == 2 and "missing" in report.reason


def test_verify_detects_an_event_rewritten_with_a_fresh_hash():
    """Rewriting an event and recomputing its own hash does not help: the next event no longer follows it."""
    from peerpath.audit.hashing import event_digest

    events = _write_events(3)
    forged = events[1]
    forged_hash = event_digest(
        prev_hash=forged.prev_hash, seq=forged.seq, occurred_at=forged.occurred_at, actor_id=None,
        organisation_id=None, action="test.innocent", object_type="", object_id="", outcome="success",
        ip_address=None, request_id=forged.request_id, details=forged.details,
    )  # fmt: skip
    _raw_update(
        "UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = %s",
        ["test.innocent", forged_hash, forged.seq],
    )
    report = verify_chain()
    assert report.first_broken_seq == 3 and "does not follow" in report.reason


def test_verify_detects_events_cut_from_the_end():
    _write_events(3)
    _raw_update("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    report = verify_chain()
    assert report.first_broken_seq == 3 and "head" in report.reason


def test_verify_command_reports_intact_and_broken_chains(capsys):
    _write_events(2)
    call_command("audit", "verify")
    assert "2 events verified" in capsys.readouterr().out
    _raw_update("UPDATE audit_auditevent SET outcome = %s WHERE seq = %s", ["denied", 1])
    with pytest.raises(CommandError, match="broken at event #1"):
        call_command("audit", "verify")


def test_the_orm_refuses_to_change_or_remove_events():
    event = record(action="test.event")
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=event.seq).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=99, action="x")])
    assert AuditEvent.objects.get(seq=event.seq).action == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_an_audit_row():
    event = record(action="test.event")
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.seq])
    assert AuditEvent.objects.get(seq=event.seq).action == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    def writer(worker: int) -> None:
        try:
            for index in range(10):
                record(action="test.concurrent", details={"worker": worker, "n": index})
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain()
    assert report.intact and report.checked == 60


def test_details_never_carry_personal_data():
    with pytest.raises(ValueError, match="personal data"):
        record(action="test.event", details={"email": "someone@example.org"})
    with pytest.raises(ValueError, match="must be a string"):
        record(action="test.event", details={"nested": {"a": 1}})
    assert not AuditEvent.objects.exists()


def test_a_failed_change_leaves_no_event_behind():
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="test.event")
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.exists()
    assert AuditChainHead.objects.get(pk=1).last_seq == 0
    record(action="test.after")
    assert verify_chain().intact


def test_record_access_names_the_object_read(world):
    event = record_access(actor=world["clinician"], target=world.home, organisation=world.home, purpose="care")
    assert event.action == "organisation.viewed"
    assert event.object_type == "accounts.organisation" and event.object_id == str(world.home.pk)
    assert event.actor == world["clinician"] and event.details == {"purpose": "care"}


def test_record_denied_and_anonymous_actor():
    from django.contrib.auth.models import AnonymousUser

    record_denied(actor=AnonymousUser(), object_type="accounts.organisation", object_id="x" * 200)
    event = AuditEvent.objects.get()
    assert event.actor is None and event.outcome == "denied" and len(event.object_id) == 80


def test_events_carry_request_id_and_ip_from_the_request(client, world):
    client.force_login(world["coordinator"])
    client.get(
        f"/organisations/{world.home.pk}/audit/",
        HTTP_X_REQUEST_ID="req-abcdef123456",
        REMOTE_ADDR="203.0.113.9",
    )
    viewed = AuditEvent.objects.filter(action="audit.viewed").get()
    assert viewed.request_id == "req-abcdef123456" and viewed.ip_address == "203.0.113.9"
    assert viewed.organisation == world.home and viewed.actor == world["coordinator"]


def test_str_of_models():
    event = record(action="test.event")
    assert str(event) == "#1 test.event success"
    assert str(AuditChainHead.objects.get(pk=1)) == "audit chain at #1"


def test_first_event_creates_the_chain_head_when_missing():
    AuditChainHead.objects.all().delete()
    event = record(action="test.event")
    assert event.seq == 1 and event.prev_hash == GENESIS_HASH


def test_a_naive_time_cannot_be_hashed():
    from datetime import datetime

    from peerpath.core.time import to_utc_iso

    with pytest.raises(ValueError, match="naive"):
        to_utc_iso(datetime(2026, 1, 1))


def test_organisation_model_str():
    assert str(Organisation(name="Riverside Health")) == "Riverside Health"
