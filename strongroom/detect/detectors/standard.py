"""The shipped detector set, fresh for each run (detectors keep state)."""

from __future__ import annotations

from strongroom.detect.detectors.export import ExportDetector
from strongroom.detect.detectors.interface import Detector
from strongroom.detect.detectors.presence import OffShiftDetector, TwoPlacesDetector
from strongroom.detect.detectors.signin import PasswordGuessDetector
from strongroom.detect.detectors.tenancy import CrossTenantDetector
from strongroom.detect.detectors.volume import VolumeDetector


def detectors() -> list[Detector]:
    return [
        VolumeDetector(),
        ExportDetector(),
        OffShiftDetector(),
        TwoPlacesDetector(),
        PasswordGuessDetector(),
        CrossTenantDetector(),
    ]
