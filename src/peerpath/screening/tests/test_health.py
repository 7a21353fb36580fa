"""/healthz says when screening runs on its rules alone (issue 15, bad input): still 200, status "degraded"."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

from peerpath.screening import classifiers
from peerpath.screening.tests.test_classifiers import toy_model


@pytest.mark.django_db
def test_healthz_is_degraded_while_a_classifier_is_missing_and_ok_once_all_are_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifiers, "SHIPPED_DIR", tmp_path / "shipped")
    classifiers.reset()
    with override_settings(SCREENING_MODELS_DIR=tmp_path / "models"):
        response = Client().get("/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "screening": {"classifiers": {"crisis": "missing", "promotion": "missing"},
                          "rules_only": ["crisis", "promotion"]},
        }  # fmt: skip
        for category in classifiers.CLASSIFIED:
            model = toy_model()
            model.category = category
            classifiers.save(model, classifiers.models_dir())
        classifiers.reset()
        response = Client().get("/healthz")
        assert response.json()["status"] == "ok"
        assert response.json()["screening"]["classifiers"] == {"crisis": "retrained", "promotion": "retrained"}
        (classifiers.models_dir() / "promotion.npz").write_bytes(b"broken")
        classifiers.reset()
        body = Client().get("/healthz").json()
        assert body["status"] == "degraded" and body["screening"]["rules_only"] == ["promotion"]
        assert body["screening"]["classifiers"]["promotion"].startswith("corrupt")
    classifiers.reset()
