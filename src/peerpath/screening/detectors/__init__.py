"""The detectors screening runs, in order (moderation/screening.py). Crisis first: it is the one that matters most."""

from __future__ import annotations

from peerpath.screening.core import Detector
from peerpath.screening.detectors import crisis, medical, misinformation, personal_data, promotion

ALL: list[Detector] = [
    crisis.DETECTOR,
    medical.DETECTOR,
    promotion.DETECTOR,
    misinformation.DETECTOR,
    personal_data.DETECTOR,
]
