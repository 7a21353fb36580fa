"""`peerpath directory`: export-hsds, import-hsds FILE [--dry-run], load-conditions — output and exit codes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from peerpath.directory.models import Condition, Listing
from peerpath.directory.tests.helpers import submit, vetted

pytestmark = pytest.mark.django_db

SERVICE = {"id": "7c1a4fc8-a2b2-4a51-9d8f-8b1d8cd2b8a1", "name": "Good", "status": "active"}


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("directory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_writes_the_public_directory_to_standard_output(world, capsys):
    vetted(world, "Public group", conditions=("POTS",))
    submit("Waiting group")
    call_command("directory", "export-hsds")
    document = json.loads(capsys.readouterr().out)
    assert [service["name"] for service in document["contents"]] == ["Public group"]
    assert (document["total_items"], document["total_pages"], document["page_number"]) == (1, 1, 1)


def test_export_writes_a_file_when_asked(world, tmp_path):
    vetted(world, "Public group")
    file = tmp_path / "out.json"
    _, err = run("export-hsds", "--output", str(file))
    assert json.loads(file.read_text("utf-8"))["contents"][0]["name"] == "Public group"
    assert "Wrote 1 services" in err


def test_import_reports_created_then_unchanged(world, tmp_path):
    file = tmp_path / "good.json"
    file.write_text(json.dumps(SERVICE))
    out, _ = run("import-hsds", str(file))
    assert "Created 1, updated 0, skipped 0." in out and "created  “Good”" in out.replace("(the document) ", "")
    out, _ = run("import-hsds", str(file))
    assert "Created 0, updated 0, skipped 1." in out and "unchanged" in out
    assert Listing.objects.get().status == Listing.Status.SUBMITTED


def test_a_dry_run_reports_but_saves_nothing(world, tmp_path):
    file = tmp_path / "good.json"
    file.write_text(json.dumps(SERVICE))
    out, _ = run("import-hsds", str(file), "--dry-run")
    assert out.startswith("Dry run: nothing was saved. Created 1")
    assert not Listing.objects.exists()


def test_a_schema_violation_exits_non_zero_with_the_path_and_saves_nothing(world, tmp_path):
    file = tmp_path / "bad.json"
    file.write_text(json.dumps({"contents": [SERVICE, {**SERVICE, "name": 5}]}))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("directory", "import-hsds", str(file), stdout=StringIO(), stderr=err)
    assert "contents[1].name: 5 is not of type 'string'" in err.getvalue()
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe not utf-8", "not UTF-8"), (b"{oops", "not JSON"), (b'{"x": NaN}', "not JSON")],
)
def test_unreadable_files_are_refused(world, tmp_path, content, message):
    file = tmp_path / "bad.json"
    file.write_bytes(content)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("directory", "import-hsds", str(file), stdout=StringIO(), stderr=err)
    assert message in err.getvalue()


def test_a_missing_or_oversized_file_is_refused(world, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="no such file"):
        run("import-hsds", str(tmp_path / "missing.json"))
    file = tmp_path / "big.json"
    file.write_text(json.dumps(SERVICE))
    monkeypatch.setattr("peerpath.directory.management.commands.directory.MAX_BYTES", 10)
    with pytest.raises(CommandError, match="larger than"):
        run("import-hsds", str(file))


def test_load_conditions_prints_its_counts(world):
    Condition.objects.all().delete()
    out, _ = run("load-conditions")
    assert out.startswith(f"Loaded {Condition.objects.count()} conditions and ")
    assert Condition.objects.count() >= 40


def test_an_unknown_subcommand_is_an_error():
    with pytest.raises(CommandError):
        call_command("directory", "frobnicate")
