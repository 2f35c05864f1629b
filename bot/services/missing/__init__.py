"""Completeness of the reports per period, its export, and waivers (days without obligations)."""
