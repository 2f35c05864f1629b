"""Rows behind PTB's persistence: conversation states, user_data, chat_data, processed updates.

Telegram-free: keys and data arrive as plain JSON-able values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatData, ConversationState, ProcessedUpdate, UserData


@dataclass(frozen=True)
class StoredConversation:
    key: tuple[int | str, ...]
    state: Any
    updated_at: datetime


def encode_key(key: Iterable[int | str]) -> str:
    return json.dumps(list(key), separators=(",", ":"))


async def conversations(session: AsyncSession, name: str) -> list[StoredConversation]:
    rows = await session.execute(
        select(ConversationState.key, ConversationState.state, ConversationState.updated_at).where(
            ConversationState.name == name
        )
    )
    return [StoredConversation(tuple(json.loads(key)), state, at) for key, state, at in rows]


async def save_conversation(
    session: AsyncSession, name: str, key: tuple[int | str, ...], state: Any, at: datetime
) -> None:
    """Store the state, or delete the row when the conversation ended (state None)."""
    encoded = encode_key(key)
    if state is None:
        await session.execute(
            delete(ConversationState).where(
                ConversationState.name == name, ConversationState.key == encoded
            )
        )
        return
    await session.merge(ConversationState(name=name, key=encoded, state=state, updated_at=at))


async def all_user_data(session: AsyncSession) -> dict[int, dict[Any, Any]]:
    rows = await session.execute(select(UserData.user_id, UserData.data))
    return {user_id: data for user_id, data in rows}


async def all_chat_data(session: AsyncSession) -> dict[int, dict[Any, Any]]:
    rows = await session.execute(select(ChatData.chat_id, ChatData.data))
    return {chat_id: data for chat_id, data in rows}


async def save_user_data(session: AsyncSession, user_id: int, data: dict[Any, Any]) -> None:
    """Store the data; empty data leaves no row."""
    if not data:
        await session.execute(delete(UserData).where(UserData.user_id == user_id))
        return
    await session.merge(UserData(user_id=user_id, data=data))


async def save_chat_data(session: AsyncSession, chat_id: int, data: dict[Any, Any]) -> None:
    if not data:
        await session.execute(delete(ChatData).where(ChatData.chat_id == chat_id))
        return
    await session.merge(ChatData(chat_id=chat_id, data=data))


async def is_processed(session: AsyncSession, update_id: int) -> bool:
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None


async def mark_processed(session: AsyncSession, update_id: int) -> None:
    session.add(ProcessedUpdate(update_id=update_id))


async def prune_processed(session: AsyncSession, keep: int) -> None:
    """Keep only the most recent `keep` ids: Telegram redelivers only the latest updates."""
    newest = await session.scalar(select(func.max(ProcessedUpdate.update_id)))
    if newest is not None:
        await session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.update_id <= newest - keep)
        )
