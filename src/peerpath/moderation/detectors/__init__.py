"""The detectors screening runs, in order (moderation/screening.py)."""

from __future__ import annotations

from peerpath.moderation.screening import Detector

ALL: list[Detector] = []
