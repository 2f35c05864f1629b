"""The fake Telegram server must behave like Telegram as seen by PTB (and by raw HTTP)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)
from telegram.request import HTTPXRequest

from tests.conftest import free_port
from tests.fake_telegram import (
    SECRET_HEADER,
    TINY_PNG,
    EntityParseError,
    FakeTelegram,
    InProcessRequest,
    parse_html,
)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
    assert fake.internal_errors == []


# httpx loads the CA bundle for every client (~50 ms, PTB makes two per Bot); the fake
# speaks plain HTTP, so one shared context keeps per-test setup cheap.
_SSL_CONTEXT = ssl.create_default_context()


def _request() -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT})


@pytest_asyncio.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=_request(),
        get_updates_request=_request(),
    ) as client:
        yield client


@pytest_asyncio.fixture
async def http(server: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    base_url = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=base_url, verify=_SSL_CONTEXT) as client:
        yield client


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    buttons = [
        [InlineKeyboardButton("Ja", callback_data="yes")],
        [InlineKeyboardButton("Nein", callback_data="no")],
    ]
    await update.effective_message.reply_text(
        "Mitmachen?", reply_markup=InlineKeyboardMarkup(buttons)
    )


async def _choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Gewählt: {query.data}")
    await query.edit_message_text(f"Du hast {query.data} gewählt")


def _application(server: FakeTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .request(_request())
        .get_updates_request(_request())
        .build()
    )


@pytest_asyncio.fixture
async def app(server: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = _application(server)
    application.add_handler(CommandHandler("start", _echo))
    application.add_handler(CommandHandler("menu", _menu))
    application.add_handler(CallbackQueryHandler(_choice))
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def _raises(error: type[Exception], fragment: str) -> pytest.RaisesExc[Exception]:
    # PTB strips "Bad Request: " and re-capitalizes the description, so match loosely.
    return pytest.raises(error, match=f"(?i){re.escape(fragment)}")


def _retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --- basics -----------------------------------------------------------------------------


async def test_get_me_describes_the_bot(server: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "gwbot_test_bot",
        "Gemeinsam-Wirken-Bot",
        True,
    )
    assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
    response = server.calls_to("getMe")[-1].response
    assert response is not None and response["result"]["can_join_groups"] is True


async def test_raw_http_accepts_json_query_and_form_and_answers_in_telegram_shape(
    server: FakeTelegram, http: httpx.AsyncClient
) -> None:
    user = server.user()
    path = f"/bot{server.token}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    as_json = await http.post(
        f"{path}/sendMessage", json={"chat_id": user.id, "text": "json", "reply_markup": markup}
    )
    assert as_json.json()["result"]["reply_markup"] == markup
    as_query = await http.get(f"{path}/SENDMESSAGE", params={"chat_id": user.id, "text": "q"})
    assert as_query.json()["result"]["message_id"] == 2
    assert [call.method for call in server.calls] == ["sendMessage", "sendMessage"]
    assert server.calls[1].params == {"chat_id": user.id, "text": "q"}

    unknown = await http.post(f"{path}/noSuchMethod")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    wrong_token = await http.post("/bot1:WRONG/getMe")
    assert (wrong_token.status_code, wrong_token.json()["description"]) == (401, "Unauthorized")
    no_chat = await http.post(f"{path}/sendMessage", data={"chat_id": "424242", "text": "x"})
    assert no_chat.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }


async def test_wrong_token_raises_invalid_token(server: FakeTelegram) -> None:
    stranger = Bot("999:OTHER", base_url=server.base_url, base_file_url=server.base_file_url)
    try:
        with pytest.raises(InvalidToken):
            await stranger.initialize()
    finally:
        await stranger.shutdown()


# --- updates ----------------------------------------------------------------------------


async def test_start_command_is_echoed_by_a_ptb_application(
    server: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    user = server.user(first_name="Berta")
    await user.send("/start hallo")
    reply = await user.next_message()
    assert (reply.text, reply.chat_id, reply.kind) == ("echo: /start hallo", user.id, "text")
    assert user.messages == [reply]
    await server.wait_idle()


async def test_commands_get_bot_command_entities_in_utf16_units(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user(username="berta", last_name="B")
    await user.send("😀 /hilfe@gwbot_test_bot jetzt")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.from_user is not None
    assert update.message.from_user.to_dict() == user.to_json()
    (entity,) = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 3, 21)
    assert update.message.parse_entity(entity) == "/hilfe@gwbot_test_bot"


async def test_get_updates_offset_confirms_and_limit_caps(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    for text in ("eins", "zwei", "drei"):
        await user.send(text)
    first = await bot.get_updates()
    ids = [update.update_id for update in first]
    assert ids == sorted(ids) and len(ids) == 3
    assert [u.update_id for u in await bot.get_updates()] == ids  # unconfirmed: served again
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert server.pending_updates == 2
    assert [u.update_id for u in await bot.get_updates(offset=ids[1], limit=1)] == ids[1:2]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert server.pending_updates == 0
    await server.wait_idle(timeout=1)


async def test_long_poll_wakes_up_when_an_update_arrives(server: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await server.wait_for_call("getUpdates")
    await server.user().send("wach auf")
    (update,) = await asyncio.wait_for(poll, timeout=3)
    assert update.message is not None and update.message.text == "wach auf"


async def test_stop_releases_a_pending_long_poll(server: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=60, read_timeout=90))
    await server.wait_for_call("getUpdates")
    await asyncio.wait_for(server.stop(), timeout=3)
    assert await asyncio.wait_for(poll, timeout=3) == ()


async def test_a_newer_get_updates_ends_the_older_with_conflict(
    server: FakeTelegram, http: httpx.AsyncClient
) -> None:
    url = f"/bot{server.token}/getUpdates"
    older = asyncio.create_task(http.post(url, data={"timeout": "60"}, timeout=90))
    await server.wait_for_call("getUpdates")
    newer = await http.post(url, data={"timeout": "0"})
    assert newer.json() == {"ok": True, "result": []}
    answer = (await asyncio.wait_for(older, timeout=3)).json()
    assert (answer["error_code"], answer["description"].split(":")[0]) == (409, "Conflict")


async def test_allowed_updates_filters_new_updates(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    message = await bot.send_message(user.id, "x", reply_markup=_one_button("k"))
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    await user.send("ignored")
    assert server.pending_updates == 0
    await user.press(user.messages[0], "k")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.message_id == message.message_id


async def test_redeliver_last_batch_serves_confirmed_updates_once_more(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user()
    await user.send("a")
    await user.send("b")
    ids = [u.update_id for u in await bot.get_updates()]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    server.faults.redeliver_last_batch()
    await user.send("c")
    again = await bot.get_updates(offset=ids[-1] + 1)
    assert [u.message.text for u in again if u.message] == ["a", "b", "c"]
    assert [u.update_id for u in await bot.get_updates(offset=ids[-1] + 1)] == [again[-1].update_id]


async def test_webhook_blocks_polling_and_drop_pending_updates_clears(
    server: FakeTelegram, bot: Bot, dead_url: str
) -> None:
    await server.user().send("alt")
    update_id = server.inject_update({"update_id": 0, "edited_message": {}})
    assert (await bot.get_webhook_info()).pending_update_count == 2
    # Nothing listens there, so the pushes fail and both updates stay queued.
    assert await bot.set_webhook(dead_url)
    with _raises(Conflict, "webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (server.pending_updates, await bot.get_updates()) == (0, ())
    assert server.inject_update({"message": {}}) == update_id + 1


# --- webhook mode ------------------------------------------------------------------------


class _Receiver:
    """A webhook endpoint on 127.0.0.1: records each POST, answers `statuses` in turn, then 200.

    With `hang` set, requests get no answer until the fixture tears the receiver down.
    """

    def __init__(self) -> None:
        self.url = ""
        self.statuses: list[int] = []
        self.posts: list[tuple[dict[str, Any], str | None]] = []
        self.hang = False
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append((await request.json(), request.headers.get(SECRET_HEADER)))
        self.arrived.set()
        if self.hang:
            await self.release.wait()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    @property
    def texts(self) -> list[str]:
        return [body["message"]["text"] for body, _ in self.posts]

    @property
    def secrets(self) -> list[str | None]:
        return [secret for _, secret in self.posts]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[_Receiver]:
    receiver = _Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield receiver
    finally:
        receiver.release.set()
        await runner.cleanup()


@pytest.fixture
def dead_url() -> Iterator[str]:
    # A bound socket that does not listen: connecting is refused, and the port stays ours.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


async def test_webhook_pushes_updates_in_order_with_the_secret_header(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="geheim-1_A")
    user = server.user()
    for text in ("eins", "zwei", "drei"):
        await user.send(text)
    deliveries = await server.wait_for_webhook_deliveries(3)
    assert [(d.status, d.error, d.url) for d in deliveries] == [(200, None, receiver.url)] * 3
    ids = [d.update_id for d in deliveries]
    assert ids == [body["update_id"] for body, _ in receiver.posts] == sorted(set(ids))
    assert receiver.texts == ["eins", "zwei", "drei"]
    assert receiver.secrets == ["geheim-1_A"] * 3
    await server.wait_idle(timeout=5)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.max_connections) == (receiver.url, 0, 40)
    assert info.last_error_date is None
    with _raises(BadRequest, "secret token contains unallowed characters"):
        await bot.set_webhook(receiver.url, secret_token="nicht:erlaubt")


async def test_webhook_retries_an_update_the_receiver_refused(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    receiver.statuses = [500, 502]
    assert await bot.set_webhook(receiver.url)
    user = server.user()
    await user.send("a")
    await user.send("b")
    await server.wait_idle(timeout=5)  # returns once the receiver finally confirmed both
    deliveries = server.webhook_deliveries
    assert [(d.status, d.ok) for d in deliveries] == [
        (500, False),
        (502, False),
        (200, True),
        (200, True),
    ]
    first = deliveries[0].update_id
    assert [d.update_id for d in deliveries] == [first, first, first, first + 1]
    assert receiver.texts == ["a", "a", "a", "b"]
    assert receiver.secrets == [None] * 4
    assert deliveries[0].error == "Wrong response from the webhook: 500 Internal Server Error"
    # The retry waits for the back-off (asyncio may round the timer by a millisecond).
    assert deliveries[1].at - deliveries[0].at >= server.webhook_retry_delay - 0.002


async def test_updates_injected_before_set_webhook_arrive_after_it(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    user = server.user()
    await user.send("vorher 1")
    await user.send("vorher 2")
    assert (server.webhook_deliveries, server.pending_updates) == ([], 2)
    assert await bot.set_webhook(receiver.url)
    await server.wait_for_webhook_deliveries(2)
    assert receiver.texts == ["vorher 1", "vorher 2"]
    await server.wait_idle(timeout=5)

    # With drop_pending_updates, what queued up meanwhile is discarded instead.
    assert await bot.delete_webhook()
    await user.send("verworfen")
    assert await bot.set_webhook(receiver.url, drop_pending_updates=True)
    await user.send("danach")
    await server.wait_idle(timeout=5)
    assert receiver.texts == ["vorher 1", "vorher 2", "danach"]


async def test_delete_webhook_stops_pushing_and_get_updates_works_again(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    # A minute of back-off: the retry can only come from deleteWebhook ending it early.
    server.webhook_retry_delay = 60
    receiver.statuses = [500]
    assert await bot.set_webhook(receiver.url)
    user = server.user()
    await user.send("abgelehnt")
    (refused,) = await server.wait_for_webhook_deliveries(1)
    assert refused.status == 500
    with _raises(Conflict, "webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    await user.send("neu")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["abgelehnt", "neu"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    await server.wait_idle(timeout=1)
    assert len(server.webhook_deliveries) == 1

    # A webhook set again is used at once; the old back-off does not hold it up.
    assert await bot.set_webhook(receiver.url)
    await user.send("wieder")
    (_, pushed) = await server.wait_for_webhook_deliveries(2, timeout=5)
    assert (pushed.status, receiver.texts) == (200, ["abgelehnt", "wieder"])


async def test_get_webhook_info_reports_the_last_error(
    server: FakeTelegram, bot: Bot, receiver: _Receiver, dead_url: str
) -> None:
    server.webhook_retry_delay = 60
    await server.user().send("x")
    assert await bot.set_webhook(dead_url)
    (refused,) = await server.wait_for_webhook_deliveries(1)
    assert (refused.status, refused.error) == (None, "Connection refused")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (
        dead_url,
        1,
        "Connection refused",
    )
    assert info.last_error_date is not None
    assert abs(info.last_error_date.timestamp() - time.time()) < 60
    with pytest.raises(AssertionError, match=r"still unconfirmed.*Connection refused"):
        await server.wait_idle(timeout=0.05)

    # The update stayed queued and goes to the next URL, which refuses it differently.
    receiver.statuses = [403]
    assert await bot.set_webhook(receiver.url)
    forbidden = (await server.wait_for_webhook_deliveries(2))[1]
    message = "Wrong response from the webhook: 403 Forbidden"
    assert (forbidden.update_id, forbidden.status, forbidden.error) == (
        refused.update_id,
        403,
        message,
    )
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (
        receiver.url,
        1,
        message,
    )
    assert await bot.delete_webhook(drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_date) == ("", 0, None)


async def test_redeliver_last_batch_pushes_the_last_confirmed_update_again(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    assert await bot.set_webhook(receiver.url)
    user = server.user()
    await user.send("a")
    await user.send("b")
    first = await server.wait_for_webhook_deliveries(2)
    server.faults.redeliver_last_batch()
    again = (await server.wait_for_webhook_deliveries(3))[2]
    assert (again.update_id, again.replayed, again.status) == (first[1].update_id, True, 200)
    await user.send("c")
    await server.wait_idle(timeout=5)
    assert receiver.texts == ["a", "b", "b", "c"]
    assert [d.replayed for d in server.webhook_deliveries] == [False, False, True, False]


async def test_redeliver_after_polling_pushes_the_last_get_updates_batch(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    user = server.user()
    await user.send("a")
    await user.send("b")
    assert len(await bot.get_updates()) == 2  # fetched, never confirmed by an offset
    server.faults.redeliver_last_batch()
    assert await bot.set_webhook(receiver.url)
    await server.wait_idle(timeout=5)
    # Replayed once each; their 2xx also confirmed them, so nothing is pushed twice.
    assert receiver.texts == ["a", "b"]
    assert [d.replayed for d in server.webhook_deliveries] == [True, True]


async def test_stop_ends_a_hanging_webhook_push(
    server: FakeTelegram, bot: Bot, receiver: _Receiver
) -> None:
    receiver.hang = True
    assert await bot.set_webhook(receiver.url)
    await server.user().send("hängt")
    await asyncio.wait_for(receiver.arrived.wait(), timeout=5)
    await asyncio.wait_for(server.stop(), timeout=3)
    assert server.webhook_deliveries == []  # the aborted push got no answer to record
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "fake-telegram-webhook"]


async def test_ptb_application_in_webhook_mode_and_a_forged_secret(server: FakeTelegram) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    application = _application(server)
    application.add_handler(CommandHandler("start", _echo))
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", webhook_url=url, secret_token="s3cret"
    )
    await application.start()
    try:
        call = server.calls_to("setWebhook")[-1]
        assert (call.params["url"], call.params["secret_token"]) == (url, "s3cret")
        user = server.user()
        await user.send("/start hallo")
        assert (await user.next_message()).text == "echo: /start hallo"

        forged = {
            "update_id": 9999,
            "message": {
                "message_id": 99,
                "date": int(time.time()),
                "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                "from": user.to_json(),
                "text": "/start gefälscht",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        async with httpx.AsyncClient(verify=_SSL_CONTEXT) as client:
            response = await client.post(url, json=forged, headers={SECRET_HEADER: "falsch"})
        assert (response.status_code, response.reason_phrase) == (
            403,
            "Request had the wrong secret token",
        )
        # Barrier: PTB handles updates in order, so a processed forgery would answer first.
        await user.send("/start echt")
        assert (await user.next_message()).text == "echo: /start echt"
        assert [m.text for m in user.messages] == ["echo: /start hallo", "echo: /start echt"]
        await server.wait_idle(timeout=5)
        assert [(d.url, d.status) for d in server.webhook_deliveries] == [(url, 200)] * 2
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


# --- inline keyboards and callback queries ------------------------------------------------


def _one_button(data: str, text: str = "k") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


async def test_inline_button_round_trip(
    server: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    user = server.user()
    await user.send("/menu")
    menu = await user.next_message()
    assert menu.buttons == [["Ja"], ["Nein"]]
    assert (menu.button_data("Nein"), menu.has_button("Vielleicht")) == ("no", False)
    with pytest.raises(AssertionError, match=r"Vielleicht.*\[\['Ja'\], \['Nein'\]\]"):
        await user.press(menu, "Vielleicht")

    query_id = await user.press(menu, "Ja")
    answer = await user.callback_answer(query_id)
    assert answer["text"] == "Gewählt: yes"
    events = [await user.next_event() for _ in range(3)]
    assert [(e.kind, e.text) for e in events] == [
        ("message", "Mitmachen?"),
        ("callback_answer", "Gewählt: yes"),
        ("edit", "Du hast yes gewählt"),
    ]
    assert events[2].message is menu
    assert (menu.text, menu.buttons, menu.edits[0].text) == (
        "Du hast yes gewählt",
        [],
        "Mitmachen?",
    )
    with pytest.raises(AssertionError, match="Ja"):
        await user.press(menu, "Ja")


async def test_callback_query_embeds_the_current_message(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    sent = await bot.send_message(
        user.id, "<b>Wahl</b>", parse_mode="HTML", reply_markup=_one_button("v1")
    )
    query_id = await user.press_data(user.messages[0], "forged")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.message is not None and query.from_user.id == user.id
    assert (query.id, query.data, query.message.to_dict()) == (query_id, "forged", sent.to_dict())
    assert await query.answer("ok")
    with _raises(BadRequest, "query is too old"):
        await query.answer("twice")


async def test_callback_answer_longer_than_200_is_refused(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    await bot.send_message(user.id, "x", reply_markup=_one_button("d"))
    query_id = await user.press(user.messages[0], "k")
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(query_id, "x" * 201)
    assert await bot.answer_callback_query(query_id, "x" * 200, show_alert=True)
    assert (await user.callback_answer(query_id))["show_alert"] is True


@pytest.mark.parametrize(
    ("data", "ok"), [("x" * 64, True), ("x" * 65, False), ("ä" * 32, True), ("ä" * 33, False)]
)
async def test_callback_data_is_limited_to_64_bytes(
    server: FakeTelegram, bot: Bot, data: str, ok: bool
) -> None:
    user = server.user()
    if ok:
        await bot.send_message(user.id, "x", reply_markup=_one_button(data))
    else:
        with _raises(BadRequest, "BUTTON_DATA_INVALID"):
            await bot.send_message(user.id, "x", reply_markup=_one_button(data))


async def test_an_inline_keyboard_holds_at_most_100_buttons(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    row = [InlineKeyboardButton("k", callback_data="d")] * 10
    await bot.send_message(user.id, "x", reply_markup=InlineKeyboardMarkup([row] * 10))
    with _raises(BadRequest, "REPLY_MARKUP_TOO_LONG"):
        await bot.send_message(
            user.id, "x", reply_markup=InlineKeyboardMarkup([row] * 10 + [row[:1]])
        )


async def test_edit_rules(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    sent = await bot.send_message(user.id, "alt", reply_markup=_one_button("d"))
    with _raises(BadRequest, "not modified"):
        await bot.edit_message_text("alt", user.id, sent.message_id, reply_markup=_one_button("d"))
    with _raises(BadRequest, "message to edit not found"):
        await bot.edit_message_text("neu", user.id, 999)
    own = await user.send("von mir")
    with _raises(BadRequest, "can't be edited"):
        await bot.edit_message_text("neu", user.id, own)

    await bot.edit_message_text("neu", user.id, sent.message_id)  # drops the keyboard
    (message,) = user.messages
    assert (message.text, message.reply_markup, len(message.edits)) == ("neu", None, 1)
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=_one_button("e"))
    assert message.button_data("k") == "e"
    assert await bot.delete_message(user.id, sent.message_id)
    assert message.deleted
    with _raises(BadRequest, "message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    kinds = [(await user.next_event()).kind for _ in range(4)]
    assert kinds == ["message", "edit", "edit", "delete"]


# --- text formatting and limits ------------------------------------------------------------


async def test_html_becomes_text_and_utf16_entities(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    source = '<b>Hallo</b> 👋 <i>Welt</i> &lt;3 <a href="https://example.org">Link</a>'
    sent = await bot.send_message(user.id, source, parse_mode=ParseMode.HTML)
    assert sent.text == "Hallo 👋 Welt <3 Link"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 9, 4),
        ("text_link", 17, 4),
    ]
    assert list(sent.parse_entities().values()) == ["Hallo", "Welt", "Link"]
    received = await user.next_message()
    assert (received.html, received.parse_mode, received.text) == (source, "HTML", sent.text)
    assert received.entities[2]["url"] == "https://example.org"


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "language": "python", "offset": 0, "length": 5}],
        ),
        (
            "<b><i>x</i></b>y",
            "xy",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "italic", "offset": 0, "length": 1},
            ],
        ),
        (
            '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>',
            "ab",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<blockquote expandable>lang</blockquote><s>s</s><u>u</u><code>c</code>",
            "langsuc",
            [
                {"type": "expandable_blockquote", "offset": 0, "length": 4},
                {"type": "strikethrough", "offset": 4, "length": 1},
                {"type": "underline", "offset": 5, "length": 1},
                {"type": "code", "offset": 6, "length": 1},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&#128512;&#x41;&quot;&nbsp;',
            '👍😀A"&nbsp;',
            [
                {
                    "type": "custom_emoji",
                    "custom_emoji_id": "5368324170671202286",
                    "offset": 0,
                    "length": 2,
                }
            ],
        ),
        ("AT&T &amp", "AT&T &amp", []),
    ],
)
def test_parse_html_supported_subset(
    source: str, text: str, entities: list[dict[str, Any]]
) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>offen", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("ä < b", 'Unsupported start tag "" at byte offset 3'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ],
)
async def test_malformed_html_is_a_bad_request(
    server: FakeTelegram, bot: Bot, source: str, error: str
) -> None:
    with pytest.raises(EntityParseError) as parse_error:
        parse_html(source)
    assert str(parse_error.value) == error
    with _raises(BadRequest, "can't parse entities"):
        await bot.send_message(server.user().id, source, parse_mode=ParseMode.HTML)


@given(st.lists(st.tuples(st.text(), st.booleans()), max_size=8))
def test_parse_html_offsets_are_utf16_slices(segments: list[tuple[str, bool]]) -> None:
    source = "".join(
        f"<b>{html.escape(text, quote=False)}</b>" if bold else html.escape(text, quote=False)
        for text, bold in segments
    )
    text, entities = parse_html(source)
    assert text == "".join(part for part, _ in segments)
    encoded = text.encode("utf-16-le")
    slices = [encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])] for e in entities]
    assert [s.decode("utf-16-le") for s in slices] == [t for t, bold in segments if bold and t]


async def test_text_limits(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    await bot.send_message(user.id, "x" * 4096)
    with _raises(BadRequest, "message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with _raises(BadRequest, "message text is empty"):
        await bot.send_message(user.id, " \n ")
    with _raises(BadRequest, "caption is too long"):
        await bot.send_photo(user.id, TINY_PNG, caption="x" * 1025)
    trimmed = await bot.send_message(user.id, "\n<b> fett </b>\n", parse_mode=ParseMode.HTML)
    assert (trimmed.text, trimmed.entities[0].length) == ("fett", 4)


async def test_in_process_calls_are_answered_and_recorded_as_over_http(
    server: FakeTelegram,
) -> None:
    """The year's in-process transport: the same answers, limits, errors and records."""
    user = server.user()
    request = InProcessRequest(server)
    async with Bot(server.token, base_url=server.base_url, request=request) as bot:
        sent = await bot.send_message(
            user.id, "<b>Hallo</b>", parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="j")]]),
        )  # fmt: skip
        with _raises(BadRequest, "message is too long"):
            await bot.send_message(user.id, "x" * 4097)
        photo = await bot.send_photo(user.id, TINY_PNG, caption="Bild")
    assert (sent.text, sent.entities[0].type) == ("Hallo", "bold")
    assert photo.photo and photo.caption == "Bild"
    assert server.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    assert not server.calls_to("sendMessage")[1].response["ok"]
    with pytest.raises(InvalidToken):
        async with Bot("654321:OTHER", base_url=server.base_url, request=request):
            pass


# --- commands ------------------------------------------------------------------------------


async def test_my_commands_per_scope_and_language(server: FakeTelegram, bot: Bot) -> None:
    user, other = server.user(), server.user()
    await bot.set_my_commands([("start", "Starten"), ("hilfe", "Hilfe anzeigen")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([("admin", "Verwalten")], scope=BotCommandScopeChat(user.id))
    assert server.commands_for() == [("start", "Starten"), ("hilfe", "Hilfe anzeigen")]
    assert server.my_commands[('{"type":"default"}', "en")] == [
        {"command": "start", "description": "Start"}
    ]
    assert server.commands_for("chat", chat_id=user.id) == [("admin", "Verwalten")]
    assert await bot.get_my_commands(language_code="en") == (BotCommand("start", "Start"),)
    assert server.effective_commands(user.id, "en") == [("admin", "Verwalten")]
    assert server.effective_commands(other.id, "en") == [("start", "Start")]
    assert server.effective_commands(other.id, "fr") == server.commands_for()

    assert await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with _raises(BadRequest, "BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "Gross geschrieben")])
    with _raises(BadRequest, "BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([("start", "x" * 257)])


# --- faults ------------------------------------------------------------------------------


async def test_blocked_user_is_forbidden(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    user.blocked = True
    with _raises(Forbidden, "bot was blocked by the user"):
        await bot.send_message(user.id, "hallo?")
    assert "FAILED 403" in server.describe_chat(user.id)


async def test_rate_limits_answer_429_with_retry_after(
    server: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opt in to PTB's future timedelta so RetryAfter raises no deprecation warning.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    now = [100.0]
    server.faults.clock = lambda: now[0]
    server.faults.rate_limit(per_chat_per_second=1, retry_after=7)
    first, second = server.user(), server.user()
    await bot.send_message(first.id, "1")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(first.id, "2")
    assert _retry_seconds(info.value) == 7
    assert server.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await bot.send_message(second.id, "other chat has its own budget")
    now[0] += 1
    await bot.send_message(first.id, "3")

    server.faults.rate_limit(per_second=2)
    await bot.send_message(first.id, "a")
    await bot.send_message(second.id, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(second.id, "c")
    server.faults.clear()
    await bot.send_message(second.id, "d")


async def test_fail_next_answers_with_the_error_then_recovers(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user()
    server.faults.fail_next("sendMessage", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as info:
            await bot.send_message(user.id, "x")
        assert type(info.value) is NetworkError and "Internal Server Error" in str(info.value)
    await bot.send_message(user.id, "x")
    server.faults.fail_next("sendmessage", status=400, description="Bad Request: nope")
    with _raises(BadRequest, "nope"):
        await bot.send_message(user.id, "x")


async def test_slow_method_times_out_the_client(server: FakeTelegram, bot: Bot) -> None:
    server.faults.slow("getMe", 60)
    with pytest.raises(TimedOut):
        await bot.get_me(read_timeout=0.1)


# --- files -------------------------------------------------------------------------------


async def test_user_document_can_be_fetched_and_downloaded(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    content = b"%PDF-1.4 Protokoll"
    await user.send_document("bericht.pdf", content, mime_type="application/pdf", caption="Neu")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.mime_type, update.message.caption) == (
        "bericht.pdf",
        "application/pdf",
        "Neu",
    )
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    with _raises(BadRequest, "invalid file_id"):
        await bot.get_file("nope")


async def test_bot_sends_photo_bytes_and_by_file_id(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    sent = await bot.send_photo(user.id, TINY_PNG, caption="<b>Foto</b>", parse_mode="HTML")
    received = await user.next_message()
    assert (received.kind, received.content, received.text) == ("photo", TINY_PNG, "Foto")
    assert received.entities == [{"type": "bold", "offset": 0, "length": 4}]
    assert (sent.photo[-1].width, sent.photo[-1].height) == (2, 2)
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == TINY_PNG
    again = await bot.send_photo(user.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    with _raises(BadRequest, "IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, b"not an image")
    document = await bot.send_document(user.id, b"a,b\n1,2\n", filename="daten.csv")
    assert document.document is not None and document.document.mime_type == "text/csv"
    assert (await user.next_message()).file_name is None  # the re-sent photo
    assert (await user.next_message()).file_name == "daten.csv"


async def test_user_photo_and_sticker_arrive_as_updates(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    await user.send_photo(caption="Bild")
    await user.send_sticker()
    photo, sticker = await bot.get_updates()
    assert photo.message is not None and photo.message.photo[-1].width == 2
    assert sticker.message is not None and sticker.message.sticker is not None


# --- groups and drivers ---------------------------------------------------------------------


async def test_group_message_is_answered_in_the_group(
    server: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    group = server.group()
    user = server.user()
    message_id = await group.send(user, "/start@gwbot_test_bot hallo")
    reply = await group.next_message()
    assert (reply.chat_id, reply.text) == (group.id, "echo: /start@gwbot_test_bot hallo")
    assert reply.reply_to is not None and reply.reply_to["message_id"] == message_id
    assert group.id < 0 and user.messages == []


async def test_next_message_timeout_shows_the_chat_history(server: FakeTelegram) -> None:
    user = server.user()
    await user.send("hallo bot")
    with pytest.raises(AssertionError, match=r"Anna \(#1\): hallo bot"):
        await user.next_message(timeout=0.01)


async def test_expect_no_message_fails_on_a_message_not_read(
    server: FakeTelegram, bot: Bot
) -> None:
    user = server.user()
    await bot.send_message(user.id, "gelesen")
    assert (await user.next_message()).text == "gelesen"
    await user.expect_no_message()
    await bot.send_message(user.id, "doch")
    with pytest.raises(AssertionError, match="doch"):
        await user.expect_no_message()


async def test_expect_no_message_looks_after_the_barrier(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()

    async def settle(timeout: float) -> None:
        await bot.send_message(user.id, "noch unterwegs")  # what the bot still had to do

    server.settle = settle
    with pytest.raises(AssertionError, match="noch unterwegs"):
        await user.expect_no_message()


async def test_chat_actions_are_events_on_request(server: FakeTelegram, bot: Bot) -> None:
    user = server.user()
    await bot.send_chat_action(user.id, "typing")
    await bot.send_message(user.id, "fertig")
    event = await user.next_event(kinds={"chat_action", "message"})
    assert (event.kind, event.text) == ("chat_action", "typing")
    assert (await user.next_event()).text == "fertig"
    with pytest.raises(BadRequest):
        await bot.send_chat_action(user.id, "dancing")
    assert server.events[0].at <= server.events[1].at


async def test_server_is_an_async_context_manager() -> None:
    async with FakeTelegram(token="42:ABC") as fake:
        assert (fake.bot_id, fake.port > 0) == (42, True)
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{fake.base_url}42:ABC/getMe")
        assert response.json()["result"]["id"] == 42
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"{fake.base_url}42:ABC/getMe")
