"""Concerns (/anliegen): writing one, anonymous or named; answers and the receipt code; the
coordinators' desk (/anliegenliste)."""
