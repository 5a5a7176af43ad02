"""The detectors: one module each, all behind `interface.Detector`."""
