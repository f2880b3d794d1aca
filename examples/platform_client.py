"""Example receiver for EcoComply webhook deliveries (for the provincial platform team).

Run it::

    pip install uvicorn
    python examples/platform_client.py --secret '<the secret returned when the subscription was created>' --port 9000

and subscribe ``http://<host>:9000/ecocomply/events`` (``POST /cases/v1/webhooks/subscriptions``, role
admin). It verifies every delivery, drops duplicates by ``Idempotency-Key`` and prints the events.
Only the standard library is needed to verify (``verify_delivery``); uvicorn only to serve.

What EcoComply sends
--------------------
One event per request: ``POST <your url>`` with a CloudEvents 1.0 event in *structured* JSON mode.

=========================  ====================================================================
``Content-Type``           ``application/cloudevents+json``
body                       the event: ``{"specversion":"1.0","id","source","type","subject",
                           "time","datacontenttype":"application/json","data":{...}}``
``X-EcoComply-Timestamp``  Unix seconds when this attempt was signed
``X-EcoComply-Signature``  ``v1=<hex HMAC-SHA256>``; during a secret rotation several values
                           separated by commas (``v1=aaa,v1=bbb``) — accept if any matches
``Idempotency-Key``        the event id; identical on every retry, redelivery and replay
``ce-id`` / ``ce-type``    the event id and type, for routing without parsing the body
``X-EcoComply-Delivery``   EcoComply's delivery number (quote it when reporting a problem)
``X-EcoComply-Attempt``    1 for the first attempt, 2 for the first retry, ...
=========================  ====================================================================

Answer any ``2xx`` once the event is stored. Anything else, or no answer within EcoComply's timeout
(10 s by default), is retried with exponential back-off and jitter; after the last attempt the
delivery is dead-lettered on EcoComply's side until an administrator redelivers it. The same event
can therefore arrive more than once: de-duplicate by ``Idempotency-Key``. A case's events
(same ``subject``) are sent in order — the next is sent only after the previous was acknowledged
(or dead-lettered).

Verifying a delivery, in any language
-------------------------------------
1. Read the raw body bytes, exactly as received (before any JSON parsing or re-encoding).
2. ``ts`` = the ``X-EcoComply-Timestamp`` header; refuse if it is not an integer or if
   ``|now - ts| > 300`` seconds (replay window).
3. ``expected = "v1=" + hex(HMAC_SHA256(key = secret as UTF-8, message = ts + "." + body))``,
   i.e. the decimal timestamp, one ASCII dot, then the body bytes.
4. Compare ``expected`` with each comma-separated value of ``X-EcoComply-Signature`` in constant time
   (``hmac.compare_digest``, Java ``MessageDigest.isEqual``, Go ``hmac.Equal``,
   Node ``crypto.timingSafeEqual``); refuse (401) if none matches.
5. Parse the body as JSON; check its ``id`` equals ``Idempotency-Key``; skip it if that key was
   already stored.

Check from a shell (bash + openssl)::

    printf '%s.%s' "$TS" "$(cat body.json)" | openssl dgst -sha256 -hmac "$SECRET" -hex   # compare with v1=...
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

TIMESTAMP_HEADER = "X-EcoComply-Timestamp"
SIGNATURE_HEADER = "X-EcoComply-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
CONTENT_TYPE = "application/cloudevents+json"
WINDOW_SECONDS = 300


class DeliveryRejected(Exception):
    """Why a delivery was refused, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lname = name.lower()
    for k, v in headers.items():
        if k.lower() == lname:
            return v
    return None


def verify_delivery(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    window_seconds: int = WINDOW_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify one delivery and return its CloudEvent (a dict); raise ``DeliveryRejected`` otherwise.

    ``headers`` may use any letter case. Standard library only, so this function can be copied as is.
    """
    ts_raw = _header(headers, TIMESTAMP_HEADER)
    sig_raw = _header(headers, SIGNATURE_HEADER)
    if not ts_raw or not sig_raw:
        raise DeliveryRejected(401, f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}")
    try:
        ts = int(ts_raw)
    except ValueError:
        raise DeliveryRejected(401, f"{TIMESTAMP_HEADER} is not Unix seconds: {ts_raw!r}") from None
    current = time.time() if now is None else now
    if abs(current - ts) > window_seconds:
        raise DeliveryRejected(401, f"timestamp {ts} outside the ±{window_seconds}s window (now {int(current)})")
    expected = "v1=" + hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s.strip()) for s in sig_raw.split(",") if s.strip()):
        raise DeliveryRejected(401, "signature does not match")
    content_type = (_header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != CONTENT_TYPE:
        raise DeliveryRejected(415, f"expected Content-Type {CONTENT_TYPE}, got {content_type or 'none'}")
    try:
        event = json.loads(body)
    except ValueError as e:
        raise DeliveryRejected(400, f"body is not JSON: {e}") from None
    if not isinstance(event, dict) or not all(isinstance(event.get(k), str) for k in ("id", "type", "source")):
        raise DeliveryRejected(400, "body is not a CloudEvent (id, type, source)")
    key = _header(headers, IDEMPOTENCY_HEADER)
    if key != event["id"]:
        raise DeliveryRejected(400, f"{IDEMPOTENCY_HEADER} {key!r} does not match the event id {event['id']!r}")
    return event


class PlatformReceiver:
    """A minimal ASGI app: verify, de-duplicate by Idempotency-Key, hand each new event to ``on_event``.

    The seen-keys set lives in memory here; a real receiver stores the key with the event in one
    transaction (a unique key), so that a crash between the two cannot lose or double an event.
    """

    def __init__(self, secret: str, on_event: Callable[[dict[str, Any]], None] | None = None,
                 *, window_seconds: int = WINDOW_SECONDS) -> None:
        self.secret = secret
        self.window_seconds = window_seconds
        self.on_event = on_event or print_event
        self.seen: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The receiver's logic without ASGI: (status, JSON answer)."""
        try:
            event = verify_delivery(self.secret, headers, body, window_seconds=self.window_seconds)
        except DeliveryRejected as e:
            return e.status, {"status": "rejected", "reason": e.reason}
        with self._lock:
            duplicate = event["id"] in self.seen
            self.seen.add(event["id"])
        if not duplicate:
            self.on_event(event)
        return 200, {"status": "duplicate" if duplicate else "accepted", "id": event["id"]}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] != "POST":
            status, answer = 405, {"status": "rejected", "reason": "POST only"}
        else:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            status, answer = self.accept(headers, body)
        raw = json.dumps(answer, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})


def print_event(event: dict[str, Any]) -> None:
    data = event.get("data") or {}
    print(f"{event.get('time')} {event['type']} subject={event.get('subject')} id={event['id']} "
          f"number={data.get('number', '-')} bureau={data.get('bureau', '-')}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Receive and verify EcoComply webhook deliveries.")
    parser.add_argument("--secret", default=os.environ.get("ECOCOMPLY_WEBHOOK_SECRET"),
                        help="the subscription's shared secret (or ECOCOMPLY_WEBHOOK_SECRET)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret or ECOCOMPLY_WEBHOOK_SECRET is required")
    import uvicorn

    print(f"listening on http://{args.host}:{args.port}/ (any path)", file=sys.stderr)
    uvicorn.run(PlatformReceiver(args.secret), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
