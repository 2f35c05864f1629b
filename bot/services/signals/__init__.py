"""Signals: the detectors (reporting, engagement, membership, activities and climate), their
rates, and what a coordinator does with a signal."""
