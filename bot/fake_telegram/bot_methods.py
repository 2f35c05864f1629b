"""Bot API methods about the bot itself: getMe, getUpdates, commands, files.

The webhook methods live in webhook.py, next to the task that pushes updates.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .faults import ApiError
from .state import ServerState

__all__ = ["BotMethods"]

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})
_SCOPES = _CHAT_SCOPES | {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
}
_MAX_DOWNLOAD = 20 * 2**20


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class BotMethods(ServerState):
    """getMe, getUpdates, the command menu methods and getFile.

    Also the test-side view of the command menus, which shares their scope keys.
    """

    # --- test-side API: command menus -----------------------------------------------------

    def commands_for(
        self, scope_type: str = "default", language_code: str = "", chat_id: int | None = None
    ) -> list[tuple[str, str]]:
        """Commands stored for exactly this scope and language (no fallback)."""
        scope: dict[str, Any] = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        stored = self.my_commands.get((_canonical(scope), language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    def effective_commands(self, chat_id: int, language_code: str = "") -> list[tuple[str, str]]:
        """The menu a (non-admin) user sees in that chat, resolved the way Telegram does."""
        chat_type = self._chats[chat_id]["type"]
        wide = "all_private_chats" if chat_type == "private" else "all_group_chats"
        chat_scope = _canonical({"chat_id": chat_id, "type": "chat"})
        for scope in (chat_scope, _canonical({"type": wide}), _canonical({"type": "default"})):
            for language in dict.fromkeys((language_code, "")):
                if (scope, language) in self.my_commands:
                    stored = self.my_commands[(scope, language)]
                    return [(c["command"], c["description"]) for c in stored]
        return []

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in _CHAT_SCOPES and scope.get("chat_id") not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")
        return _canonical(scope), str(language)

    # --- Bot API methods ------------------------------------------------------------------

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            # A negative offset keeps only the last -offset updates.
            before = len(self._updates)
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if len(self._updates) != before:
                self.changed.notify()
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        try:
            timeout = max(float(params.get("timeout", 0)), 0.0)
        except (TypeError, ValueError):
            timeout = 0.0
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        # Like Telegram, a newer getUpdates ends an older one that is still waiting (409).
        self._poll_generation += 1
        generation = self._poll_generation
        self.changed.notify()
        replay = list(self._last_batch) if self.faults.take_redelivery() else []

        def answerable() -> bool | None:
            superseded = generation != self._poll_generation
            return True if self._updates or self._stopped or superseded else None

        if not replay:
            await self.changed.wait_for(answerable, timeout)
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        replayed = {update["update_id"] for update in replay}
        fresh = [u for u in self._updates if u["update_id"] not in replayed]
        batch = sorted(replay + fresh, key=lambda update: int(update["update_id"]))[:limit]
        if batch:
            self._last_batch = batch
        return batch

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.my_commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.my_commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return list(self.my_commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.my_commands.pop(self._scope_key(params), None)
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > _MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**stored.base_json(), "file_path": stored.file_path}
