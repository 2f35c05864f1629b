"""Reading Bot API parameters from a request: query string, JSON body or (multipart) form.

PTB sends most parameters as form fields, so values arrive as strings; `normalize` turns
them into the types Telegram would parse them as.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .faults import ApiError
from .models import UploadedFile

__all__ = ["normalize", "read_params"]


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# PTB sends these as JSON strings inside form fields; everything else stays a string
# unless it is a numeric id/counter or a boolean flag.
_JSON_FIELDS = words(
    "reply_markup entities caption_entities commands scope allowed_updates"
    " link_preview_options reply_parameters"
)
_INT_FIELDS = words(
    "chat_id message_id offset limit timeout user_id cache_time from_chat_id"
    " message_thread_id max_connections reply_to_message_id"
)
_BOOL_FIELDS = words(
    "show_alert drop_pending_updates disable_notification protect_content has_spoiler"
    " allow_sending_without_reply disable_web_page_preview disable_content_type_detection"
)


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: can't parse JSON object in request body")
        params.update(body)
        return params
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            params[key] = UploadedFile(key, value.filename, value.content_type, content)
        else:
            params[key] = value
    return params


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if value.startswith("attach://") and value[9:] in raw:
                value = raw[value[9:]]
            elif key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
            elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif key in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
        params[key] = value
    return params
