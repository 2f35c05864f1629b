"""The playground's web page: a small aiohttp app (plain HTML, CSS and JavaScript from
bot/playground/static, nothing external) that plays the demo people as a simple messenger.

Safe to leave running on a laptop: it listens on 127.0.0.1 only; a request whose Host is not
the page's own address is refused (DNS rebinding), and so is one from another Origin, and a
POST that names no Origin at all (other sites' forms and scripts); the data are demo data.

JSON API (used by static/app.js):
- GET  /api/state                      people, the bot's name, the virtual time
- GET  /api/chat?person=KEY&since=N    the person's chat; waits up to 20 s for a change after N
- POST /api/send   {person, text}      the person writes
- POST /api/press  {person, message, row, column}   presses an inline button
- POST /api/link   {person, url}       opens a t.me deep link (the invite) in the bot's chat
- POST /api/upload (multipart: person, file)         sends a file
- POST /api/time   {step: hour|day|week}             moves the virtual clock on
- GET  /api/file/FILE_ID               a photo or document the bot sent
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.demo import year
from bot.fake_telegram import BotMessage, FakeUser
from bot.playground.server import BOT_NAME, BOT_USERNAME, STEPS, Playground

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
POLL_SECONDS = 20.0
MAX_TEXT = 4096
MAX_UPLOAD = 5 * 2**20
PLAYGROUND_KEY: web.AppKey[Playground] = web.AppKey("playground", Playground)
STAMPS_KEY: web.AppKey[Stamps] = web.AppKey("stamps", object)  # type: ignore[arg-type]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Stamps:
    """The virtual time each message arrived at (the fake keeps real times)."""

    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self.at: dict[tuple[int, int], datetime] = {}
        self._events = 0
        self._updates = 0
        self.stopped = False

    def note(self) -> None:
        fake, now = self.playground.fake, self.playground.clock()
        for event in fake.events[self._events :]:
            if event.kind == "message" and event.message is not None:
                self.at.setdefault((event.chat_id, event.message.message_id), now)
        self._events = len(fake.events)
        for update in fake.update_log[self._updates :]:
            message = update.get("message")
            if message:
                self.at.setdefault((message["chat"]["id"], message["message_id"]), now)
        self._updates = len(fake.update_log)

    async def watch(self) -> None:
        fake = self.playground.fake
        while not self.stopped:
            self.note()
            await fake.changed.wait_for(
                lambda: (
                    True
                    if self.stopped
                    or len(fake.events) > self._events
                    or len(fake.update_log) > self._updates
                    else None
                ),
                3600,
            )


def version(playground: Playground) -> int:
    """Grows with everything the page shows: messages, edits, button answers, the clock."""
    fake = playground.fake
    return len(fake.events) + len(fake.update_log) + int(playground.clock().timestamp() // 60)


def allowed_origins(port: int) -> set[str]:
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


def guard(port: Callable[[], int]) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        hosts = allowed_origins(port())
        origin = request.headers.get("Origin")
        if request.headers.get("Host", "") not in hosts:
            raise web.HTTPForbidden(text="This page answers only at its own address.\n")
        if origin is not None and origin not in {f"http://{host}" for host in hosts}:
            raise web.HTTPForbidden(text="Requests from other sites are refused.\n")
        if request.method not in ("GET", "HEAD") and origin is None:
            raise web.HTTPForbidden(text="Requests from other sites are refused.\n")
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return check


def make_app(playground: Playground, port: Callable[[], int]) -> web.Application:
    app = web.Application(middlewares=[guard(port)], client_max_size=MAX_UPLOAD + 2**16)
    app[PLAYGROUND_KEY] = playground
    app[STAMPS_KEY] = Stamps(playground)
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/chat", chat)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/link", link)
    app.router.add_post("/api/upload", upload)
    app.router.add_post("/api/time", move_time)
    app.router.add_get("/api/file/{file_id}", file)
    return app


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html"})


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": STATIC_FILES[name]})


def _clock(playground: Playground) -> dict[str, str]:
    now = playground.clock().astimezone(year.ZONE)
    return {"now": now.isoformat(timespec="minutes")}


async def state(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    people = [
        {
            "key": person.key,
            "name": person.name,
            "role_de": person.role_de,
            "role_en": person.role_en,
            "organisation": person.organisation,
        }
        for person in playground.people
    ]
    return web.json_response(
        {
            "bot": BOT_NAME,
            "username": BOT_USERNAME,
            "people": people,
            "steps": list(STEPS),
            **_clock(playground),
        }
    )


def _person(playground: Playground, key: object) -> FakeUser:
    user = playground.users.get(str(key))
    if user is None:
        raise web.HTTPBadRequest(text="unknown person")
    return user


async def chat(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    user = _person(playground, request.query.get("person"))
    try:
        since = int(request.query.get("since", "-1"))
    except ValueError:
        since = -1
    await playground.fake.changed.wait_for(
        lambda: True if version(playground) != since else None, POLL_SECONDS
    )
    stamps = request.app[STAMPS_KEY]
    stamps.note()
    person = next(p for p in playground.people if p.key == user_key(playground, user))
    counts = {
        key: len([m for m in playground.fake.messages_in(other.id) if not m.deleted])
        for key, other in playground.users.items()
    }
    invite = None
    if person.invited_to and playground.invite_link:
        invite = None if await playground.joined(user.id) else playground.invite_link
    return web.json_response(
        {
            "version": version(playground),
            **_clock(playground),
            "messages": messages(playground, user, stamps),
            "counts": counts,
            "commands": [
                {"command": c, "description": d}
                for c, d in playground.fake.effective_commands(user.id, person.language)
            ],
            "invite": invite,
        }
    )


def user_key(playground: Playground, user: FakeUser) -> str:
    return next(key for key, found in playground.users.items() if found is user)


def messages(playground: Playground, user: FakeUser, stamps: Stamps) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    for message in playground.fake.messages_in(user.id):
        if not message.deleted:
            shown.append(_bot_message(message))
    for written in playground.fake.user_messages_in(user.id):
        shown.append(_user_message(written))
    shown.sort(key=lambda item: int(item["id"]))
    for item in shown:
        at = stamps.at.get((user.id, item["id"]))
        item["at"] = at.astimezone(year.ZONE).isoformat(timespec="minutes") if at else None
    return shown[-300:]


def _bot_message(message: BotMessage) -> dict[str, Any]:
    buttons = []
    for row in (message.reply_markup or {}).get("inline_keyboard") or []:
        buttons.append(
            [
                {"text": b.get("text", ""), "url": b.get("url")}
                if "url" in b
                else {"text": b.get("text", "")}
                for b in row
            ]
        )
    item: dict[str, Any] = {
        "id": message.message_id,
        "from": "bot",
        "kind": message.kind,
        "text": message.text,
        "entities": message.entities,
        "buttons": buttons,
        "edited": bool(message.edits),
    }
    if message.file is not None:
        item["file"] = {
            "id": message.file.file_id,
            "name": message.file.file_name,
            "size": len(message.file.content),
        }
    return item


def _user_message(written: dict[str, Any]) -> dict[str, Any]:
    text = written.get("text") or written.get("caption") or ""
    document = written.get("document")
    item: dict[str, Any] = {
        "id": int(written["message_id"]),
        "from": "user",
        "kind": "document" if document else "text",
        "text": text,
        "entities": [],
        "buttons": [],
    }
    if document:
        item["file"] = {
            "id": document["file_id"],
            "name": document.get("file_name"),
            "size": document.get("file_size", 0),
        }
    return item


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


async def send(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    body = await _json(request)
    user = _person(playground, body.get("person"))
    text = str(body.get("text", "")).strip()
    if not text or len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=f"1 to {MAX_TEXT} characters")
    await user.send(text)
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    body = await _json(request)
    user = _person(playground, body.get("person"))
    found = next(
        (m for m in playground.fake.messages_in(user.id) if m.message_id == body.get("message")),
        None,
    )
    try:
        row, column = int(body.get("row", -1)), int(body.get("column", -1))
        rows = (found.reply_markup or {}).get("inline_keyboard") or [] if found else []
        button = rows[row][column] if row >= 0 and column >= 0 else None
    except (IndexError, TypeError, ValueError):
        button = None
    if found is None or found.deleted or not button or "callback_data" not in button:
        raise web.HTTPConflict(text="this button is gone")
    query = await user.press(found, button["text"])
    # The bot answers every button; show its answer (a short notice) if it has one.
    answers = playground.fake.callback_answers
    answer = await playground.fake.changed.wait_for(lambda: answers.get(query), 10)
    answer = answer or {}
    return web.json_response(
        {"text": answer.get("text") or "", "alert": bool(answer.get("show_alert"))}
    )


async def link(request: web.Request) -> web.StreamResponse:
    """A t.me link to this bot with a start parameter: what Telegram does when it is opened."""
    playground = request.app[PLAYGROUND_KEY]
    body = await _json(request)
    user = _person(playground, body.get("person"))
    parts = urlsplit(str(body.get("url", "")))
    start = parse_qs(parts.query).get("start", [""])[0]
    if parts.netloc != "t.me" or parts.path.strip("/") != BOT_USERNAME:
        raise web.HTTPBadRequest(text="not a link to this bot")
    if start and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
        raise web.HTTPBadRequest(text="not a start parameter")
    await user.send(f"/start {start}".strip())
    return web.json_response({"ok": True})


async def upload(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    form = await request.post()
    user = _person(playground, form.get("person"))
    sent = form.get("file")
    if not isinstance(sent, web.FileField):
        raise web.HTTPBadRequest(text="no file")
    content = sent.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_UPLOAD, actual_size=len(content))
    name = Path(sent.filename or "datei").name[:120]
    await user.send_document(name, content, sent.content_type or "application/octet-stream")
    return web.json_response({"ok": True})


async def move_time(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    body = await _json(request)
    step = str(body.get("step", ""))
    if step not in STEPS:
        raise web.HTTPBadRequest(text=f"step: one of {', '.join(STEPS)}")
    await playground.advance(step)
    return web.json_response(_clock(playground))


async def file(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    stored = playground.fake.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    if stored.kind == "photo":
        png = stored.content.startswith(b"\x89PNG")
        return web.Response(body=stored.content, content_type="image/png" if png else "image/jpeg")
    name = stored.file_name or "datei"
    return web.Response(
        body=stored.content,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


class Site:
    """The page on 127.0.0.1:`port` (0: any free port)."""

    def __init__(self, playground: Playground, port: int) -> None:
        self.playground = playground
        self.port = port
        self.app = make_app(playground, lambda: self.port)
        self._runner: web.AppRunner | None = None
        self._watch: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._watch = asyncio.create_task(self.app[STAMPS_KEY].watch())

    async def stop(self) -> None:
        if self._watch is not None:
            # Told to end, not only cancelled: Python 3.11's wait_for can swallow a
            # cancellation that meets a wake-up, and the fake wakes it all the time while
            # the outbox sends.
            self.app[STAMPS_KEY].stopped = True
            self.playground.fake.changed.notify()
            while not self._watch.done():
                self._watch.cancel()
                await asyncio.wait({self._watch}, timeout=1)
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._runner is not None:
            await self._runner.cleanup()
