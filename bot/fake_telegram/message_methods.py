"""Bot API methods that send, edit and delete messages, answer callbacks and show actions."""

from __future__ import annotations

import re
import time
from typing import Any

from .driver import BotMessage, MessageVersion, StoredFile
from .faults import ApiError
from .html_entities import format_text
from .models import UploadedFile
from .params import words
from .state import ServerState, image_size

__all__ = ["MessageMethods"]


_CHAT_ACTIONS = words(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document"
    " choose_sticker find_location record_video_note upload_video_note"
)
_BUTTON_ACTIONS = words(
    "callback_data url login_url web_app switch_inline_query switch_inline_query_current_chat"
    " switch_inline_query_chosen_chat copy_text callback_game pay"
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class MessageMethods(ServerState):
    """Bot API methods that create or change messages in a chat.

    sendMessage, sendPhoto/sendDocument, the edit methods, deleteMessage, answerCallbackQuery
    and sendChatAction, plus the validation they share (reply targets, keyboards, input files).
    """

    # --- helpers --------------------------------------------------------------------------

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"]}
        if not isinstance(reply, dict):
            return None
        found = self._message_json(chat_id, reply.get("message_id"))
        lenient = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        if found is None and not lenient:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return found

    @staticmethod
    def _markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
        if sum(len(row) for row in rows) > 100:
            raise ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
        for button in (button for row in rows for button in row):
            prefix = "Bad Request: can't parse inline keyboard button: "
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, prefix + 'Field "text" must be of type String')
            if not _BUTTON_ACTIONS & button.keys():
                raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if "callback_data" in button and not (
                isinstance(data, str) and 1 <= len(data.encode()) <= 64
            ):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if "url" in button and not re.match(r"(https?|tg)://\S", str(url)):
                raise ApiError(
                    400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong URL"
                )
        # An empty inline keyboard is no keyboard, also for "message is not modified".
        return markup if any(rows) else None

    def _new_message(
        self,
        method: str,
        params: dict[str, Any],
        chat: dict[str, Any],
        kind: str,
        file: StoredFile | None,
        *,
        text_field: str,
        entities_field: str,
    ) -> dict[str, Any]:
        text, html, entities = format_text(
            params.get(text_field),
            params.get("parse_mode"),
            params.get(entities_field),
            caption=kind != "text",
        )
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat["id"], params)
        message = BotMessage(
            message_id=self._next_message_id(chat["id"]),
            chat_id=chat["id"],
            kind=kind,
            text=text,
            html=html,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            sender=self._bot_user,
            chat=chat,
            file=file,
            reply_to=reply_to,
        )
        self._bot_messages[(chat["id"], message.message_id)] = message
        self.messages_in(chat["id"]).append(message)
        self._event("message", method, chat["id"], params, message)
        return message.to_json()

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            if kind == "photo" and image_size(value.content) is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if kind != "document":
                # Telegram keeps no name or type for photos; it re-encodes them.
                return self.store_file(value.content, kind)
            return self.store_file(value.content, kind, value.file_name, value.content_type)
        if isinstance(value, str) and value in self.files:
            stored = self.files[value]
            if stored.kind != kind:
                raise ApiError(
                    400,
                    f"Bad Request: can't use file of type {stored.kind.title()} as {kind.title()}",
                )
            return stored
        if not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _editable(self, params: dict[str, Any]) -> BotMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat_for(params)
        key = (chat["id"], params.get("message_id"))
        message = self._bot_messages.get(key)  # type: ignore[arg-type]
        if message is not None and not message.deleted:
            return message
        if key in self._user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        raise ApiError(400, "Bad Request: message to edit not found")

    def _apply_edit(
        self,
        method: str,
        params: dict[str, Any],
        message: BotMessage,
        version: MessageVersion,
        parse_mode: str | None,
    ) -> dict[str, Any]:
        if version == message.snapshot():
            raise ApiError(400, _NOT_MODIFIED)
        message.edits.append(message.snapshot())
        message.text, message.html = version.text, version.html
        message.entities, message.reply_markup = version.entities, version.reply_markup
        message.parse_mode = parse_mode
        message.edit_date = int(time.time())
        self._event("edit", method, message.chat_id, params, message)
        return message.to_json()

    # --- Bot API methods ------------------------------------------------------------------

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for(params)
        return self._new_message(
            "sendMessage", params, chat, "text", None, text_field="text", entities_field="entities"
        )

    def _send_media(self, params: dict[str, Any], kind: str, method: str) -> dict[str, Any]:
        chat = self._chat_for(params)
        stored = self._input_file(params.get(kind), kind)
        return self._new_message(
            method,
            params,
            chat,
            kind,
            stored,
            text_field="caption",
            entities_field="caption_entities",
        )

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, html, entities = format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        version = MessageVersion(text, html, entities, self._markup(params.get("reply_markup")))
        return self._apply_edit(
            "editMessageText", params, message, version, params.get("parse_mode")
        )

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if message.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        text, html, entities = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        version = MessageVersion(text, html, entities, self._markup(params.get("reply_markup")))
        return self._apply_edit(
            "editMessageCaption", params, message, version, params.get("parse_mode")
        )

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        version = message.snapshot()
        version.reply_markup = self._markup(params.get("reply_markup"))
        return self._apply_edit(
            "editMessageReplyMarkup", params, message, version, message.parse_mode
        )

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        key = (chat["id"], params.get("message_id"))
        message = self._bot_messages.get(key)  # type: ignore[arg-type]
        if message is not None and not message.deleted:
            message.deleted = True
            self._event("delete", "deleteMessage", chat["id"], params, message)
        elif self._user_messages.pop(key, None) is not None:  # type: ignore[arg-type]
            self._event("delete", "deleteMessage", chat["id"], params, text="(user message)")
        else:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        query = self._callback_queries.get(query_id)
        if query is None or query_id in self.callback_answers:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        self._event(
            "callback_answer",
            "answerCallbackQuery",
            query.chat_id,
            params,
            text=str(text or ""),
            user_id=query.user_id,
        )
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._event("chat_action", "sendChatAction", chat["id"], params, text=str(action))
        return True
