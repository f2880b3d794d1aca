"""Use cases of the webhook admin API: one transaction each; input is checked before anything is
written, and every refusal names the field (422), the missing object (404) or the conflict (409)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import shared.contracts  # noqa: F401 - registers the event types subscriptions are checked against
from shared import pagination
from shared.auth import Principal
from shared.events import REGISTRY
from shared.problems import Problem, conflict, invalid, not_found
from shared.secrets import SecretBox
from shared.webhooks import destinations
from shared.webhooks.matching import bureau_in_scope, pattern_problem, type_matches
from shared.webhooks.recording import as_utc, insert_ignoring_duplicates, new_delivery
from shared.webhooks.schemas import (
    DeliveryList,
    DeliveryRead,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionPatch,
    SubscriptionRead,
)
from shared.webhooks.tables import WebhookTables

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200
MAX_NOTE_LENGTH = 8000


# -- input checks ----------------------------------------------------------------------------------
def checked_url(url: str) -> str:
    url = url.strip()
    if not url or len(url) > 2000 or any(c.isspace() for c in url):
        raise invalid("url", "url must be a non-empty http(s) URL of at most 2000 characters without spaces")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise invalid("url", f"url must use http or https, got {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise invalid("url", "url has no host")
    if parts.username or parts.password:
        raise invalid("url", "url must not carry credentials (user:password@); the secret signs each message")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise invalid("url", "url has an invalid port") from None
    return url


async def reachable_url(url: str, allowed: str) -> str:
    """422 naming ``url`` when it resolves to an address outbound requests may not reach (issue 25 S2)."""
    try:
        await destinations.check(url, allowed)
    except destinations.Unresolvable:
        pass  # not judged now: every delivery resolves and checks it again
    except destinations.ForbiddenDestination as e:
        raise invalid("url", str(e), code="forbidden_destination") from None
    return url


def checked_types(types: Sequence[str]) -> list[str]:
    if not types:
        raise invalid("event_types", "name at least one event type or pattern (e.g. 'ecocomply.case.*')")
    out: list[str] = []
    for i, t in enumerate(types):
        problem = pattern_problem(t.strip(), REGISTRY)
        if problem:
            raise invalid(f"event_types.{i}", problem)
        if t.strip() not in out:
            out.append(t.strip())
    return out


def checked_bureaus(bureaus: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i, b in enumerate(bureaus):
        b = b.strip()
        if not b or len(b) > 40:
            raise invalid(f"bureaus.{i}", "a bureau code is 1 to 40 characters")
        if b in out:
            raise invalid(f"bureaus.{i}", f"bureau {b} is listed twice")
        out.append(b)
    return out


def checked_secret(secret: str | None) -> tuple[str, bool]:
    if secret is None:
        return secrets.token_urlsafe(32), True
    if len(secret) < MIN_SECRET_LENGTH or len(secret) > MAX_SECRET_LENGTH:
        raise invalid("secret", f"secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters "
                                f"(omit it to have one generated)")
    return secret, False


def _append_note(note: str | None, line: str) -> str:
    text = f"{note}\n{line}" if note else line
    return text[-MAX_NOTE_LENGTH:]


def _subscription(row: Any) -> SubscriptionRead:
    return SubscriptionRead(
        id=row.id, url=row.url, event_types=list(row.event_types), bureaus=list(row.bureaus), active=row.active,
        description=row.description, created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
    )


def _delivery(row: Any) -> DeliveryRead:
    return DeliveryRead(id=row.seq, **{k: getattr(row, k) for k in DeliveryRead.model_fields if k != "id"})


async def _load_subscription(session: AsyncSession, tables: WebhookTables, sub_id: str, *, lock: bool = False) -> Any:
    s = tables.subscriptions
    q = select(s).where(s.c.id == sub_id)
    if lock and session.bind.dialect.name == "postgresql":
        q = q.with_for_update()
    row = (await session.execute(q)).first()
    if row is None:
        raise not_found("webhook subscription", sub_id)
    return row


# -- subscriptions ---------------------------------------------------------------------------------
async def create_subscription(
    session: AsyncSession, tables: WebhookTables, user: Principal, body: SubscriptionCreate,
    box: SecretBox | None, *, now: datetime, allowed: str = "",
) -> SubscriptionCreated:
    """The secret is stored encrypted under ``box`` (shared.secrets) and returned in clear only here."""
    url = checked_url(body.url)
    types = checked_types(body.event_types)
    bureaus = checked_bureaus(body.bureaus)
    secret, generated = checked_secret(body.secret)
    await reachable_url(url, allowed)
    if box is None:
        raise Problem(503, "secrets_key_missing", "no key to store the subscription's secret encrypted: "
                                                  "set ECOCOMPLY_SECRETS_KEY")
    row = dict(id=str(uuid.uuid4()), url=url, event_types=types, bureaus=bureaus, active=body.active,
               description=body.description, created_by=user.sub, created_at=now, updated_at=None)
    await session.execute(tables.subscriptions.insert().values(**row, secret=box.encrypt(secret)))
    return SubscriptionCreated(**row, secret=secret, secret_generated=generated)


async def list_subscriptions(session: AsyncSession, tables: WebhookTables) -> SubscriptionList:
    s = tables.subscriptions
    rows = (await session.execute(select(s).order_by(s.c.created_at, s.c.id))).all()
    return SubscriptionList(items=[_subscription(r) for r in rows], total=len(rows))


async def update_subscription(
    session: AsyncSession, tables: WebhookTables, sub_id: str, body: SubscriptionPatch, *, now: datetime,
    allowed: str = "",
) -> SubscriptionRead:
    values: dict[str, Any] = {}
    if body.url is not None:
        values["url"] = await reachable_url(checked_url(body.url), allowed)
    if body.event_types is not None:
        values["event_types"] = checked_types(body.event_types)
    if body.bureaus is not None:
        values["bureaus"] = checked_bureaus(body.bureaus)
    if body.description is not None:
        values["description"] = body.description
    if body.active is not None:
        values["active"] = body.active
    if not values:
        raise invalid("body", "nothing to change: give url, event_types, bureaus, description or active")
    s = tables.subscriptions
    await _load_subscription(session, tables, sub_id, lock=True)
    values["updated_at"] = now
    await session.execute(update(s).where(s.c.id == sub_id).values(**values))
    row = await _load_subscription(session, tables, sub_id)
    return _subscription(row)


# -- deliveries ------------------------------------------------------------------------------------
async def list_deliveries(
    session: AsyncSession, tables: WebhookTables, *, status: str | None, subscription_id: str | None,
    event_id: str | None, limit: int, offset: int, cursor: str | None = None,
) -> DeliveryList:
    d = tables.deliveries
    order = ((d.c.event_time, "asc"), (d.c.seq, "asc"))  # send order; total (seq is unique)
    conds = []
    if subscription_id is not None:
        await _load_subscription(session, tables, subscription_id)
        conds.append(d.c.subscription_id == subscription_id)
    if status is not None:
        conds.append(d.c.status == status)
    if event_id is not None:
        conds.append(d.c.event_id == event_id)
    total = await session.scalar(select(func.count()).select_from(d).where(*conds))
    query = select(d).where(*conds).order_by(*pagination.order_by(order))
    if cursor is not None:  # a replay inserts deliveries of old events in the middle: offsets would shift
        query = query.where(pagination.after(order, pagination.decode(cursor, (datetime, int))))
    else:
        query = query.offset(offset)
    rows = (await session.execute(query.limit(limit + 1))).all()
    nxt = pagination.encode([as_utc(rows[limit - 1].event_time), rows[limit - 1].seq]) if len(rows) > limit else None
    return DeliveryList(items=[_delivery(r) for r in rows[:limit]], total=int(total or 0), next=nxt)


async def redeliver(
    session: AsyncSession, tables: WebhookTables, user: Principal, seq: int, *, now: datetime
) -> DeliveryRead:
    """A dead or delivered delivery becomes pending again, attempts reset; what it was is kept in its note."""
    d = tables.deliveries
    q = select(d).where(d.c.seq == seq)
    if session.bind.dialect.name == "postgresql":
        q = q.with_for_update()
    row = (await session.execute(q)).first()
    if row is None:
        raise not_found("webhook delivery", seq)
    if row.status == "pending":
        raise conflict("delivery_pending", f"delivery {seq} is already pending (attempt {row.attempts} done); "
                                           "only a dead or delivered delivery can be redelivered",
                       delivery_status=row.status)
    line = (f"{now.isoformat(timespec='seconds')} redelivered by {user.sub}: was {row.status} after "
            f"{row.attempts} attempt(s); last status {row.last_status_code}; last error {row.last_error or '-'}")
    await session.execute(update(d).where(d.c.seq == seq).values(
        status="pending", attempts=0, next_attempt_at=now, queued_at=now, retry_delay_seconds=None,
        lease_token=None, delivered_at=None, note=_append_note(row.note, line),
    ))
    row = (await session.execute(select(d).where(d.c.seq == seq))).one()
    return _delivery(row)


async def replay(
    session: AsyncSession, tables: WebhookTables, user: Principal, sub_id: str, from_: datetime, *, now: datetime
) -> ReplayResult:
    """Every logged event at or after ``from_`` that the subscription covers (types and bureau scope as
    they are now) is delivered again: its delivery made pending (attempts reset, history in the note)
    or, for an event from before the subscription existed, created."""
    d, log = tables.deliveries, tables.event_log
    from_ = as_utc(from_)
    sub = await _load_subscription(session, tables, sub_id, lock=True)
    if not sub.active:
        raise conflict("subscription_inactive", f"webhook subscription {sub_id} is inactive; activate it "
                                                "(PATCH active=true) before replaying")
    events = (await session.execute(
        select(log).where(log.c.time >= from_).order_by(log.c.time, log.c.event_id)
    )).all()
    events = [e for e in events if type_matches(sub.event_types, e.type) and bureau_in_scope(sub.bureaus, e.bureau, e.type)]
    existing = {
        r.event_id: r
        for r in (await session.execute(
            select(d.c.seq, d.c.event_id, d.c.status, d.c.attempts, d.c.note)
            .where(d.c.subscription_id == sub_id, d.c.event_id.in_(select(log.c.event_id).where(log.c.time >= from_)))
        )).all()
    }
    line = f"{now.isoformat(timespec='seconds')} replayed from {from_.isoformat()} by {user.sub}"
    created, requeued, already = [], 0, 0
    for e in events:
        row = existing.get(e.event_id)
        if row is None:
            created.append(new_delivery(sub_id, event_id=e.event_id, event_type=e.type, subject=e.subject,
                                        bureau=e.bureau, event_time=e.time, envelope=e.envelope, now=now,
                                        note=line))
        elif row.status == "pending":
            already += 1
        else:
            requeued += 1
            await session.execute(update(d).where(d.c.seq == row.seq).values(
                status="pending", attempts=0, next_attempt_at=now, queued_at=now, retry_delay_seconds=None,
                lease_token=None, delivered_at=None,
                note=_append_note(row.note, f"{line}: was {row.status} after {row.attempts} attempt(s)"),
            ))
    await insert_ignoring_duplicates(session, d, created, ["subscription_id", "event_id"])
    return ReplayResult(subscription_id=sub_id, from_=from_, matched=len(events), created=len(created),
                        requeued=requeued, already_pending=already)
