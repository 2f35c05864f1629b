"""Joining: /start, and the invite link flow (consent, language, name)."""
