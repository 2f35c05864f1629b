"""What PTB and the update pipeline keep: processed updates, conversations, user and chat data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ProcessedUpdate(Base):
    """Telegram update ids already handled: the id only, no user and no time (DESIGN 1)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class ConversationState(Base):
    """A running conversation's state (PTB persistence); the row goes when it ends. Its time
    is the last activity to the minute, for the expiry after a silence."""

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The conversation key (chat id, user id) as JSON text.
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserData(Base):
    """PTB's user_data of one Telegram user: drafts of running conversations. No time: nothing
    needs to know when a draft changed. Only while a draft holds something."""

    __tablename__ = "user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)


class ChatData(Base):
    """PTB's chat_data of one chat; like user_data, no time and only while it holds something."""

    __tablename__ = "chat_data"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[Any] = mapped_column(JSON)
