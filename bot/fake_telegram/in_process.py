"""A python-telegram-bot request that hands each Bot API call straight to a `FakeTelegram`
in the same event loop, without a socket or httpx.

For runs whose subject is not the HTTP path but everything behind it, at a volume where the
HTTP round trip is a large part of the cost: the year in tests/year_simulation.py sends ~14,000
messages. The fake answers exactly as over HTTP (`FakeTelegram.answer`: the same parameter
parsing, limits, faults and records); every other end-to-end test goes through real HTTP.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from .models import UploadedFile
from .server import FakeTelegram

__all__ = ["InProcessRequest"]


class InProcessRequest(BaseRequest):
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        tail = url.removeprefix(self.fake.base_url)
        token, _, name = tail.partition("/")
        payload = await self.fake.answer(token, name, _params(request_data))
        return payload.get("error_code", 200), json.dumps(payload).encode()


async def _params(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters as the fake's HTTP route reads them from PTB's form: strings, JSON
    strings for nested values, files as `UploadedFile`."""
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.json_parameters)
    if request_data.contains_files:
        for key, (file_name, content, content_type) in request_data.multipart_data.items():
            data = content if isinstance(content, bytes) else content.read()
            params[key] = UploadedFile(key, file_name, content_type, data)
    return params
