"""Pulse surveys: surveys and answers, and their results (nothing below k is let out)."""
