"""Webhook mode: setWebhook, deleteWebhook, getWebhookInfo and the task that pushes updates.

While a webhook URL is set, one background task (started by FakeTelegram.start) POSTs the
queued updates to it the way Telegram does, with these deliberate simplifications:

- Strictly one request at a time, in update_id order. Telegram may open up to
  max_connections parallel connections; the fake stores max_connections but never overlaps
  requests, so what the bot receives has a deterministic order.
- A 2xx answer confirms the update: it leaves the queue, like a getUpdates offset would.
  The answer's body is ignored (Telegram would run a Bot API method given there; PTB never
  answers that way).
- Any other status, a connection error or a timeout (`webhook_timeout`) leaves the update
  queued. The next attempt - the same update again - starts `webhook_retry_delay` seconds
  later (a constant delay, where Telegram backs off ever longer), or at once when
  setWebhook/deleteWebhook changes the URL.
- Every attempt is appended to `webhook_deliveries`; the last failure shows up in
  getWebhookInfo as last_error_date/last_error_message, worded like Telegram's.

Fault switches for Bot API methods (fail_next, slow, rate_limit) apply to the webhook
methods the bot calls, not to the pushes: the receiver's answers decide how a push goes.
`faults.redeliver_last_batch()` does apply to pushes; see `_next_push`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp

from .faults import ApiError
from .state import ServerState

__all__ = ["SECRET_HEADER", "WebhookDelivery", "WebhookMethods"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_DEFAULT_MAX_CONNECTIONS = 40
# The delivery task waits for changes in chunks of this many seconds; any change wakes it.
_IDLE_RECHECK = 3600.0


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook URL."""

    update_id: int
    url: str
    status: int | None  # None: no HTTP answer (connection error or timeout)
    error: str | None  # the attempt's last_error_message; None when the update was confirmed
    at: float  # time.monotonic() when the request was sent
    replayed: bool = False  # pushed again by faults.redeliver_last_batch()

    @property
    def ok(self) -> bool:
        return self.error is None


def _status_error(status: int, reason: str | None) -> str:
    # Telegram names the standard phrase, whatever reason text the receiver chose.
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"Wrong response from the webhook: {status} {phrase}".rstrip()


class WebhookMethods(ServerState):
    """setWebhook/deleteWebhook/getWebhookInfo plus the update-pushing task they steer."""

    def __init__(self, token: str, bot_username: str, bot_first_name: str) -> None:
        super().__init__(token, bot_username, bot_first_name)
        self.webhook_secret: str | None = None
        self.webhook_max_connections = _DEFAULT_MAX_CONNECTIONS
        # Seconds between a failed push and the next attempt; small so tests stay fast.
        self.webhook_retry_delay = 0.05
        # Seconds a push may take in total before it counts as failed.
        self.webhook_timeout = 10.0
        self.webhook_deliveries: list[WebhookDelivery] = []
        # (unix time, message) of the last failed push, as getWebhookInfo reports it.
        self.webhook_last_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._pushing = False

    # --- test-side API --------------------------------------------------------------------

    async def wait_for_webhook_deliveries(
        self, count: int = 1, timeout: float = 10
    ) -> list[WebhookDelivery]:
        """Wait until `count` push attempts were made; returns the first `count` of them."""

        def probe() -> list[WebhookDelivery] | None:
            made = self.webhook_deliveries
            return made[:count] if len(made) >= count else None

        deliveries = await self.changed.wait_for(probe, timeout)
        if deliveries is None:
            raise AssertionError(
                f"{len(self.webhook_deliveries)} of {count} webhook deliveries within "
                f"{timeout}s (url {self.webhook_url!r}, last error {self.webhook_last_error})"
            )
        return deliveries

    # --- Bot API methods ------------------------------------------------------------------

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self._change_url(url)
        self.webhook_secret = None if secret is None else str(secret)
        max_connections = params.get("max_connections")
        self.webhook_max_connections = (
            max_connections if isinstance(max_connections, int) else _DEFAULT_MAX_CONNECTIONS
        )
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.changed.notify()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._change_url("")
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        # Also wakes a push that is backing off, so it notices the webhook is gone.
        self.changed.notify()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return info

    def _change_url(self, url: str) -> None:
        # Errors belong to the URL they happened at; a new URL starts without one.
        if url != self.webhook_url:
            self.webhook_last_error = None
        self.webhook_url = url

    # --- the delivery task ----------------------------------------------------------------

    def _start_webhook_delivery(self) -> None:
        self._webhook_task = asyncio.create_task(
            self._deliver_webhooks(), name="fake-telegram-webhook"
        )

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is None:
            return
        # stop() has set _stopped, which ends an idle or backing-off task by itself (needed:
        # Python 3.11's asyncio.wait_for can swallow a cancel that races with a wake-up).
        # Cancelling aborts a push in flight, so stop() never waits for a slow receiver.
        task.cancel()
        # asyncio.wait instead of awaiting the task: a cancellation of stop() itself must not
        # be swallowed along with the task's own CancelledError.
        await asyncio.wait({task})

    async def _deliver_webhooks(self) -> None:
        try:
            async with aiohttp.ClientSession() as session:
                while not self._stopped:
                    job = await self.changed.wait_for(self._next_push, _IDLE_RECHECK)
                    if job is None:
                        continue
                    updates, replayed = job
                    for update in updates:
                        if not self.webhook_url or self._stopped:
                            break
                        delivery = await self._push(session, update, replayed)
                        if not delivery.ok:
                            await self._back_off(delivery.url)
        except Exception as error:
            # A bug in the fake: keep it for the test instead of losing it in a dead task.
            self.internal_errors.append(error)
            self.changed.notify()

    def _next_push(self) -> tuple[list[dict[str, Any]], bool] | None:
        """What to push next: (updates, replayed), or None while there is nothing to do.

        Once the server stops it returns no updates, so the waiting task wakes up and ends.

        faults.redeliver_last_batch() in webhook mode: as soon as the task is free (no push
        in flight or backing off), it pushes every update of the last batch once more, in
        order, before any pending update - without waiting for a new update. The last batch
        is the update most recently confirmed by a 2xx push (a webhook batch is one update),
        or the last non-empty getUpdates answer if nothing was pushed since. Each replayed
        update is pushed exactly once, whatever the receiver answers; one that is still
        queued leaves the queue if that push gets a 2xx and is otherwise retried as usual.
        The switch is consumed even when there is no last batch, as in polling mode.
        """
        if self._stopped:
            return [], False
        if not self.webhook_url:
            return None
        if self.faults.take_redelivery() and self._last_batch:
            return list(self._last_batch), True
        if self._updates:
            return [self._updates[0]], False
        return None

    async def _push(
        self, session: aiohttp.ClientSession, update: dict[str, Any], replayed: bool
    ) -> WebhookDelivery:
        url = self.webhook_url
        # PTB's webhook handler refuses anything but exactly "application/json" (403).
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret is not None:
            headers[SECRET_HEADER] = self.webhook_secret
        delivery = WebhookDelivery(
            int(update["update_id"]), url, None, None, time.monotonic(), replayed
        )
        body = json.dumps(update).encode()
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        self._pushing = True
        try:
            async with session.post(url, data=body, headers=headers, timeout=timeout) as answer:
                delivery.status = answer.status
                # Read the body so the keep-alive connection can be reused.
                await answer.read()
                if not 200 <= answer.status < 300:
                    delivery.error = _status_error(answer.status, answer.reason)
        except TimeoutError:
            delivery.error = "Read timeout expired"
        except aiohttp.ClientConnectorError as error:
            refused = isinstance(error.os_error, ConnectionRefusedError)
            delivery.error = "Connection refused" if refused else f"Connection failed: {error}"
        except aiohttp.ClientError as error:
            delivery.error = f"Connection error: {error}"
        finally:
            self._pushing = False
        if delivery.ok:
            self._updates = [u for u in self._updates if u["update_id"] != delivery.update_id]
            if not replayed:
                self._last_batch = [update]
        else:
            self.webhook_last_error = (int(time.time()), str(delivery.error))
        self.webhook_deliveries.append(delivery)
        self.changed.notify()
        return delivery

    async def _back_off(self, url: str) -> None:
        """Wait webhook_retry_delay seconds, less if the webhook changed or the server stops."""

        def cut_short() -> bool | None:
            return True if self._stopped or self.webhook_url != url else None

        await self.changed.wait_for(cut_short, self.webhook_retry_delay)
