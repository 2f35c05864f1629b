"""The states of the /melden conversation, one enum for both of its modules (handlers/report/flow.py
chooses the item, handlers/report/value.py takes its value). Their numbers are stored with open
conversations, so they keep the values they had."""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    CORRECT = 0
    VALUE = 1
    PICK = 2
    NOTE = 3
    NOTE_REQUIRED = 4
    CONFIRM = 5
    BACKLOG = 6
    CHOOSE_ORG = 8
    CHOOSE = 9
