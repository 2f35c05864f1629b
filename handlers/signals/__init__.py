"""Signals (/signale): what the detectors found, and acknowledging, snoozing or asking about one."""
