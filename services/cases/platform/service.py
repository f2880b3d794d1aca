"""Inbound risk warnings (风险预警, 环保脸谱) from the provincial platform.

``POST /cases/v1/risk-warnings`` (role ``platform``): the raw body is verified with ``shared.signing``
(HMAC-SHA256 over ``<timestamp>.<body>`` with ``ECOCOMPLY_PLATFORM_SECRET``, timestamp within
``ECOCOMPLY_PLATFORM_REPLAY_WINDOW_SECONDS``) BEFORE it is parsed; then parsed (422 naming the field),
the enterprise looked up (422 ``unknown_enterprise``), and stored once per warning id: the same id
with the same body answers 200 with the stored warning and writes nothing; the same id with another
body is a 409. Every refusal is logged (``ecocomply.cases.risk_warnings``) and recorded in
``risk_warning_rejections``; the warning itself is not stored.

A stored warning suggests guidance items (checklist ``GET /guidance-items?q=<indicator>``) and may
lead to an inspection with a compliance advice letter (``advice.issue_in``) by an officer's explicit
action. It never opens a case: the non-coercive path of 试点方案 三（三）（“建议指导性”“提醒教育式”非强制性监管方式，
制发推送企业合规建议书）.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.advice import service as advice
from services.cases.case.schemas import AdviceLetterCreate
from services.cases.case.service import read_apart
from services.cases.models import Enterprise, RiskWarning, RiskWarningRejection
from services.cases.platform.schemas import (
    InspectionCreate,
    InspectionRead,
    RiskWarningIn,
    RiskWarningRead,
    Suggestion,
)
from shared import signing, uscc
from shared.auth import Principal, ensure_can_see, ensure_registered_for
from shared.contracts import CaseRiskWarningReceived
from shared.http import ServiceClient
from shared.problems import Problem, conflict, invalid, not_found
from shared.service import Runtime

log = logging.getLogger("ecocomply.cases.risk_warnings")

SUGGESTIONS_PER_INDICATOR = 3


def _utc(dt: datetime | None) -> datetime | None:
    """Stored in UTC (SQLite hands it back naive)."""
    return None if dt is None else (dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC))


def to_read(w: RiskWarning) -> RiskWarningRead:
    return RiskWarningRead(
        warning_id=w.id, uscc=w.uscc, bureau=w.bureau, level=w.level, indicators=w.indicators, source=w.source,
        issued_at=_utc(w.issued_at), received_at=_utc(w.received_at), suggestions=w.suggestions or [],
        suggestions_note=w.suggestions_note, advice_letter_id=w.advice_letter_id, inspected_by=w.inspected_by,
        inspected_at=_utc(w.inspected_at),
    )


# -- receiving --------------------------------------------------------------------------------------
def parse(raw: bytes) -> RiskWarningIn:
    try:
        return RiskWarningIn.model_validate_json(raw)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "body"
        raise invalid(field, f"malformed risk warning: {field}: {err['msg']}", code="malformed_warning") from None


def check_signature(rt: Runtime, raw: bytes, headers: Any) -> None:
    secret = rt.settings.platform_secret
    if not secret:
        raise Problem(503, "platform_not_configured",
                      "ECOCOMPLY_PLATFORM_SECRET is not set: inbound risk warnings cannot be verified")
    try:
        signing.verify(secret, raw, headers.get(signing.TIMESTAMP_HEADER), headers.get(signing.SIGNATURE_HEADER),
                       window_seconds=rt.settings.platform_replay_window_seconds)
    except signing.SignatureError as e:
        stale = "replay window" in str(e)
        raise Problem(401, "stale_timestamp" if stale else "bad_signature", str(e)) from None


async def suggest(client: ServiceClient | None, indicators: list[str]) -> tuple[list[dict[str, Any]], str | None]:
    """Guidance items the checklist finds for each indicator's text (its ``q`` search)."""
    if client is None:
        return [], "no checklist client configured"
    found: dict[str, dict[str, Any]] = {}
    try:
        for ind in indicators:
            resp = await client.request("checklist", "GET", "/guidance-items",
                                        params={"q": ind, "size": SUGGESTIONS_PER_INDICATOR})
            if resp.status_code >= 400:
                return list(found.values()), f"the checklist service answered {resp.status_code} for {ind!r}"
            for item in resp.json().get("items", [])[:SUGGESTIONS_PER_INDICATOR]:
                found.setdefault(item["code"], Suggestion(
                    code=item["code"], title=item.get("title", ""), domain=item.get("domain"),
                    risk_level=item.get("risk_level"), indicator=ind, advice=list(item.get("advice") or []),
                ).model_dump())
    except Exception as e:  # the warning is stored anyway; suggestions are advisory
        log.warning("risk warning suggestions unavailable: %s", e)
        return list(found.values()), f"the checklist service could not be asked: {e}"
    return list(found.values()), None


async def _existing(session: AsyncSession, body: RiskWarningIn, digest: str) -> RiskWarningRead | None:
    row = await session.get(RiskWarning, body.warning_id)
    if row is None:
        return None
    if row.body_sha256 != digest:
        raise conflict("warning_id_conflict",
                       f"warning {body.warning_id} was already received with another content; "
                       "a warning id names one warning", warning_id=body.warning_id)
    return to_read(row)


async def receive(rt: Runtime, session: AsyncSession, user: Principal, raw: bytes, headers: Any,
                  remote: str | None) -> tuple[int, RiskWarningRead]:
    """201 with the new warning, or 200 with the stored one (same id, same body: nothing written)."""
    digest = hashlib.sha256(raw).hexdigest()
    warning_id: str | None = None
    try:
        check_signature(rt, raw, headers)
        body = parse(raw)
        warning_id = body.warning_id
        try:
            code = uscc.validate(body.uscc)
        except uscc.USCCError as e:
            raise invalid("uscc", str(e), code="invalid_uscc") from e
        # Read apart from the request's unit of work: the checklist is asked next, and no lock is held
        # across HTTP (on SQLite a transaction holds the database's write lock).
        async with read_apart(rt) as s:
            stored = await _existing(s, body, digest)
            ent = await s.get(Enterprise, code)
        if stored is not None:
            return 200, stored
        if ent is None:
            raise invalid("uscc", f"enterprise {code} is not registered in the cases service",
                          code="unknown_enterprise")
        bureau = ent.bureau
        suggestions, note = await suggest(rt.http, body.indicators)
        at = _utc(rt.clock.now())
        row = RiskWarning(
            id=body.warning_id, uscc=code, bureau=bureau, level=body.level, indicators=list(body.indicators),
            source=body.source, issued_at=_utc(body.issued_at), received_at=at, received_by=user.sub,
            body_sha256=digest, suggestions=suggestions, suggestions_note=note,
        )
        try:
            async with session.begin_nested():  # a savepoint: a concurrent duplicate fails only this insert
                session.add(row)
                await session.flush()
        except IntegrityError:  # the same warning arrived twice at once: the other one stored it
            stored = await _existing(session, body, digest)
            if stored is None:
                raise
            return 200, stored
        await rt.emit(session, CaseRiskWarningReceived(
            warning_id=row.id, uscc=code, bureau=bureau, level=body.level, indicators=list(body.indicators),
            source=body.source, issued_at=_utc(body.issued_at), received_at=at,
        ), subject=code)
        log.info("risk warning %s for %s (%s) stored", row.id, code, body.level)
        return 201, to_read(row)
    except Problem as p:
        await reject(rt, session, p, warning_id=warning_id, sender=user.sub, remote=remote, digest=digest)
        raise


async def reject(rt: Runtime, session: AsyncSession, p: Problem, *, warning_id: str | None, sender: str,
                 remote: str | None, digest: str) -> None:
    """Log and record a refused warning. The request fails, so its unit of work is rolled back: the
    rejection is written in a session of its own, which commits although the request does not. The
    request's transaction is rolled back first when it has begun — it writes nothing now, and on
    SQLite it holds the database's write lock the rejection needs."""
    log.warning("risk warning refused (%s %s) from %s at %s, warning %s, body sha256 %s: %s",
                p.status, p.code, sender, remote, warning_id, digest, p.detail)
    if session.in_transaction():
        await session.rollback()
    async with rt.sessionmaker() as own, own.begin():
        own.add(RiskWarningRejection(
            at=rt.clock.now(), status=p.status, code=p.code, detail=str(p.detail)[:2000], warning_id=warning_id,
            sender=sender[:100], remote=remote, body_sha256=digest,
        ))


# -- reading ----------------------------------------------------------------------------------------
async def for_enterprise(session: AsyncSession, user: Principal, code: str) -> list[RiskWarningRead]:
    code = code.upper()
    ent = await session.get(Enterprise, code)
    if ent is None:
        raise not_found("enterprise", code)
    ensure_registered_for(user, bureau=ent.bureau, uscc=code)
    rows = (await session.scalars(select(RiskWarning).where(RiskWarning.uscc == code)
                                  .order_by(RiskWarning.issued_at.desc()).limit(500))).all()
    return [to_read(r) for r in rows]


async def _load(session: AsyncSession, user: Principal, warning_id: str, *, lock: bool = False) -> RiskWarning:
    stmt = select(RiskWarning).where(RiskWarning.id == warning_id)
    if lock:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise not_found("risk warning", warning_id)
    ensure_can_see(user, bureau=row.bureau, uscc=row.uscc, what="this risk warning")
    return row


async def get(session: AsyncSession, user: Principal, warning_id: str) -> RiskWarningRead:
    return to_read(await _load(session, user, warning_id))


# -- inspection -------------------------------------------------------------------------------------
async def open_inspection(rt: Runtime, session: AsyncSession, user: Principal, warning_id: str,
                          body: InspectionCreate) -> InspectionRead:
    """An officer's inspection prompted by the warning: a compliance advice letter (试点方案 三（三）), no case."""
    at = rt.clock.now()
    row = await _load(session, user, warning_id, lock=True)
    if row.advice_letter_id is not None:
        raise conflict("inspection_exists",
                       f"warning {warning_id} already led to advice letter {row.advice_letter_id}",
                       advice_letter_id=row.advice_letter_id)
    letter = await advice.issue_in(session, user, AdviceLetterCreate(
        uscc=row.uscc, findings=body.findings, requirements=body.requirements, due=body.due,
        basis=[f"省平台风险预警 {row.id}（{row.source}，等级 {row.level}）：{'；'.join(row.indicators)}"[:200],
               *body.basis],
    ), at)
    row.advice_letter_id, row.inspected_by, row.inspected_at = letter.id, user.sub, _utc(at)
    await session.flush()
    return InspectionRead(warning=to_read(row), advice_letter=letter)
