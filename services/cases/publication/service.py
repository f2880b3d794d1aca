"""Use cases of 处罚决定公开: a bureau's officer or leader marks a decided penalty for publication
(《行政处罚法》第四十八条), the public reads what is published (redacted, ``publication.rules``), and
publication ends — withdrawn by the bureau when the decision is changed or revoked (第四十八条第二款:
the reasons are published in its place), when the credit record's publicity ends (repair approved or the
maximum period run out: the credit service's events), or when the website retention runs out (a job).

The request is the unit of work; the credit events are handled in the consumer's inbox-guarded transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case.records import case_records
from services.cases.case.service import load_visible, snapshot
from services.cases.clients import checklist as checklist_client
from services.cases.models import Case, Enterprise
from services.cases.publication import rules
from services.cases.publication import settings as publication_settings
from services.cases.publication.models import DecisionPublication, PublicationCreditState
from services.cases.publication.schemas import (
    CreditStateRead,
    PublicationCreate,
    PublicationPreview,
    PublicationRead,
    PublicDecision,
    PublicDecisionList,
    RemovedPart,
    WithdrawalCreate,
)
from shared import pagination, vocabulary
from shared.auth import Principal
from shared.clock import local_date
from shared.contracts import CreditPublicityExpired, CreditRecordCreated, CreditRepaired
from shared.events import CloudEvent, EventPayload
from shared.problems import Problem, conflict, forbidden, not_found, out_of_scope
from shared.service import Runtime

PUBLIC_BASIS = rules.PUBLISH.cite()
PUBLIC_NOTE = ("依法公开的行政处罚决定摘要。已隐去个人信息和商业秘密（个人信息保护法第二十五条、行政处罚法第五十条）；"
               "信用修复完成、最长公示期届满或网站公开期限届满后不再公开。")
BATCH = 200
GROUNDS_CN = {"changed": "变更", "revoked": "撤销", "confirmed_illegal": "确认违法", "confirmed_invalid": "确认无效"}


def _credit_view(state: PublicationCreditState | None) -> rules.CreditView | None:
    if state is None:
        return None
    return rules.CreditView(state.published, state.status, state.publicity_max_until)


def _ended_by(pub: DecisionPublication, state: PublicationCreditState | None, today: date) -> str | None:
    return rules.ended_by(status=pub.status, withdrawal_kind=pub.withdrawal_kind, publish_until=pub.publish_until,
                          credit=_credit_view(state), today=today, follows_credit=publication_settings.follows_credit())


def _staff_read(pub: DecisionPublication, state: PublicationCreditState | None, today: date) -> PublicationRead:
    why = _ended_by(pub, state, today)
    return PublicationRead(
        id=pub.id, case_id=pub.case_id, number=pub.number, bureau=pub.bureau, status=pub.status,  # type: ignore[arg-type]
        visible=why is None, not_visible_because=why, reason=pub.reason, content=pub.content,
        redactions=pub.redactions, publish_until=pub.publish_until, published_by=pub.published_by,
        published_at=pub.published_at,
        credit=CreditStateRead(record_id=state.record_id, published=state.published, status=state.status,
                               publicity_max_until=state.publicity_max_until) if state else None,
        withdrawn_at=pub.withdrawn_at, withdrawn_by=pub.withdrawn_by, withdrawal_kind=pub.withdrawal_kind,
        withdrawal_reason=pub.withdrawal_reason, withdrawal_rule=pub.withdrawal_rule,
        rules=[r.as_dict() for r in (rules.PUBLISH, rules.OGI_20, rules.SECRECY, rules.PIPL, rules.REDACTION_LIST,
                                     rules.NATURAL_PERSON, rules.RETENTION_ENDED)],
        public_url=f"/cases/v1/public/decisions/{pub.id}",
    )


def _public(pub: DecisionPublication, state: PublicationCreditState | None) -> PublicDecision:
    c = pub.content
    publicity_end = state.publicity_max_until if state is not None and state.published else None
    return PublicDecision(
        id=pub.id, decision_number=c["decision_number"], party_category=c["party_category"],
        party_name=c["party_name"], party_uscc=c.get("party_uscc"),
        legal_representative=c.get("legal_representative"), violation_type=c["violation_type"],
        violation_facts=c["violation_facts"], penalty_legal_basis=c["penalty_legal_basis"],
        penalty_categories=c["penalty_categories"], penalty_content=c["penalty_content"],
        fine_amount_wan_yuan=c.get("fine_amount_wan_yuan"), decision_date=date.fromisoformat(c["decision_date"]),
        deciding_authority=c["deciding_authority"], publicity_end_date=publicity_end,
        published_on=local_date(clock_utc(pub.published_at)), basis=PUBLIC_BASIS,
    )


def clock_utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone columns (stored in UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _ensure_bureau_staff(user: Principal, bureau: str) -> None:
    if not user.has("officer", "leader"):
        raise forbidden("marking a decision for publication needs the role officer or leader", code="role_required")
    if user.bureau != bureau:
        raise out_of_scope("this case belongs to another bureau")


# -- the bureau ------------------------------------------------------------------------------------
def _persons_recorded(case: Case, ent: Enterprise | None) -> list[str]:
    """The natural persons the case records by name: the party's legal representative and whoever made a
    statement for it (陈述、申辩, on this notice or an earlier one) — removed from the published facts."""
    recs = case_records(case)
    statements = [recs.statement, *(n.statement for n in recs.earlier_notices)]
    # A legal person's 法定代表人 is published (双公示 item CF_FRDB, ../shared/domain/publication.yaml), not removed;
    # a 个体工商户's is its operator, a natural person like any other.
    rep = ent.legal_representative if ent and rules.party_category(case.uscc) == "个体工商户" else None
    return rules.recorded_names([rep, *(st.by for st in statements if st is not None)], ent.name if ent else "")


async def _publishable(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                       body: PublicationCreate) -> tuple[Case, Enterprise | None, date, date, dict[str, Any],
                                                         list[dict[str, Any]]]:
    """The checks of marking a decision for publication and the text it would publish (nothing written)."""
    today = local_date(rt.clock.now())
    # Who may, and the violations' titles from the checklist, before the request's transaction writes.
    case = await snapshot(rt, user, case_id)
    _ensure_bureau_staff(user, case.bureau)
    codes = [v["code"] for v in case.violations]
    titles = {c: await checklist_client.item_title(rt, c) for c in codes} if rt.http else {}
    case = await load_visible(session, user, case_id)
    if not case.decision or case.decision_type not in vocabulary.PENALTIES or case.decided_at is None:
        raise conflict(
            "not_publishable",
            f"only a decided penalty can be published (the case is {case.state}, decision "
            f"{case.decision_type or 'none'}) — {rules.PUBLISH.article}：行政处罚决定", rule=rules.PUBLISH.article,
            state=case.state,
        )
    state = await session.get(PublicationCreditState, case_id)
    decided_on = local_date(clock_utc(case.decided_at))
    category = rules.party_category(case.uscc)
    publish_until = rules.retention_until(decided_on, category, publication_settings.retention_years())
    why = rules.ended_by(status="published", withdrawal_kind=None, publish_until=publish_until,
                         credit=_credit_view(state), today=today,
                         follows_credit=publication_settings.follows_credit())
    if why is not None:
        rule = rules.WITHDRAWAL_RULES[why]
        raise conflict("publication_period_over",
                       f"the decision's publication has already ended ({why}) — {rule.article}", rule=rule.article,
                       ended_by=why)
    if case_records(case).decision_status() == "revoked":
        raise conflict("not_publishable", f"the decision of case {case.number} was revoked: a revoked decision is not "
                       f"published — {rules.PUBLISH.article}第二款", rule=rules.PUBLISH.article, state=case.state)
    ent = await session.get(Enterprise, case.uscc)
    content, applied = rules.public_content(
        case={"number": case.number, "uscc": case.uscc, "bureau": case.bureau, "summary": case.summary,
              "violations": case.violations, "decision": case.decision},
        enterprise_name=ent.name if ent else "", titles=titles, summary=body.public_summary,
        names=body.redact, decided_on=decided_on, recorded=_persons_recorded(case, ent),
        legal_representative=ent.legal_representative if ent else None,
    )
    return case, ent, decided_on, publish_until, content, applied


async def mark(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
               body: PublicationCreate) -> PublicationRead:
    at = rt.clock.now()
    today = local_date(at)
    case, _, decided_on, publish_until, content, applied = await _publishable(rt, session, user, case_id, body)
    existing = await session.scalar(select(DecisionPublication.id).where(DecisionPublication.case_id == case_id))
    if existing:
        raise conflict("already_marked", f"case {case.number} is already marked for publication ({existing})",
                       publication_id=existing)
    pub = DecisionPublication(
        id=str(uuid.uuid4()), case_id=case_id, number=case.number, bureau=case.bureau, status="published",
        decided_on=decided_on, publish_until=publish_until, reason=body.reason, content=content,
        redactions=applied, published_by=user.sub, published_at=at,
    )
    session.add(pub)
    try:
        await session.flush()  # one publication per decision, however many are marked at once
    except IntegrityError as e:
        raise conflict("already_marked", f"case {case.number} is already marked for publication") from e
    state = await session.get(PublicationCreditState, case_id)
    return _staff_read(pub, state, today)


async def preview(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                  body: PublicationCreate) -> PublicationPreview:
    """What marking with ``body`` would publish, and each part of the facts it removes (kind and place),
    for the publishing officer to review — nothing is written (个人信息保护法第二十五条、行政处罚法第五十条)."""
    case, ent, _, publish_until, content, applied = await _publishable(rt, session, user, case_id, body)
    source = body.public_summary if body.public_summary is not None else case.summary
    enterprise_name = ent.name if ent else ""
    case_view = {"uscc": case.uscc}
    _, parts = rules.redaction(source, body.redact, **rules.facts_scope(
        case_view, enterprise_name, _persons_recorded(case, ent), ent.legal_representative if ent else None))
    existing = await session.scalar(select(DecisionPublication.id).where(DecisionPublication.case_id == case_id))
    return PublicationPreview(
        case_id=case_id, number=case.number, content=content, redactions=applied, source_facts=source,
        removed=[RemovedPart(**p) for p in parts], publish_until=publish_until, already_marked=existing is not None,
        rules=[r.as_dict() for r in (rules.SECRECY, rules.PIPL, rules.REDACTION_LIST, rules.NATURAL_PERSON)],
    )


async def withdraw(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                   body: WithdrawalCreate) -> PublicationRead:
    """第四十八条第二款: the decision was changed, revoked, confirmed illegal or invalid — withdraw it and
    publish the reasons in its place."""
    at = rt.clock.now()
    case = await load_visible(session, user, case_id)
    _ensure_bureau_staff(user, case.bureau)
    pub = await session.scalar(
        select(DecisionPublication).where(DecisionPublication.case_id == case_id).with_for_update())
    if pub is None:
        raise not_found("publication of case", case_id)
    if pub.status == "withdrawn":
        raise conflict("already_withdrawn", f"the publication was withdrawn on {pub.withdrawn_at} "
                       f"({pub.withdrawal_kind})", withdrawal_kind=pub.withdrawal_kind)
    _set_withdrawn(pub, kind="legal_change", at=at, by=user.sub,
                   reason=f"行政处罚决定已被依法{GROUNDS_CN[body.grounds]}：{body.reason}")
    await session.flush()
    state = await session.get(PublicationCreditState, case_id)
    return _staff_read(pub, state, local_date(at))


async def withdraw_for_change(session: AsyncSession, case_id: str, *, grounds: str, reason: str, at: datetime,
                              by: str) -> bool:
    """第四十八条第二款, from a change recorded on the case (POST …/decision/change) in its own transaction:
    the published decision is withdrawn with the reasons in its place. True if one was withdrawn."""
    pub = await session.scalar(select(DecisionPublication).where(
        DecisionPublication.case_id == case_id, DecisionPublication.status == "published").with_for_update())
    if pub is None:
        return False
    _set_withdrawn(pub, kind="legal_change", at=at, by=by,
                   reason=f"行政处罚决定已被依法{GROUNDS_CN.get(grounds, grounds)}：{reason}")
    return True


def _set_withdrawn(pub: DecisionPublication, *, kind: str, at: datetime, by: str, reason: str) -> None:
    pub.status, pub.withdrawal_kind, pub.withdrawn_at, pub.withdrawn_by = "withdrawn", kind, at, by
    pub.withdrawal_reason, pub.withdrawal_rule = reason, rules.WITHDRAWAL_RULES[kind].article


async def read(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> PublicationRead:
    await load_visible(session, user, case_id)
    pub = await session.scalar(select(DecisionPublication).where(DecisionPublication.case_id == case_id))
    if pub is None:
        raise not_found("publication of case", case_id)
    return _staff_read(pub, await session.get(PublicationCreditState, case_id), rt.clock.today())


# -- the public ------------------------------------------------------------------------------------
def _visible_filter(today: date) -> list[Any]:
    conds: list[Any] = [DecisionPublication.status == "published", DecisionPublication.publish_until >= today]
    if publication_settings.follows_credit():
        s = PublicationCreditState
        conds.append(or_(
            s.case_id.is_(None),
            and_(s.status.notin_(("repaired", "expired")),
                 or_(s.published.is_(False), s.publicity_max_until.is_(None), s.publicity_max_until >= today)),
        ))
    return conds


PUBLIC_ORDER = ((DecisionPublication.decided_on, "desc"), (DecisionPublication.number, "asc"),
                (DecisionPublication.id, "asc"))  # total: the id is unique


async def public_list(rt: Runtime, session: AsyncSession, *, bureau: str | None, year: int | None,
                      page: int, size: int, cursor: str | None = None) -> PublicDecisionList:
    today = rt.clock.today()
    conds = _visible_filter(today)
    if bureau:
        conds.append(DecisionPublication.bureau == bureau)
    if year:
        conds += [DecisionPublication.decided_on >= date(year, 1, 1), DecisionPublication.decided_on <= date(year, 12, 31)]
    joined = select(DecisionPublication, PublicationCreditState).outerjoin(
        PublicationCreditState, PublicationCreditState.case_id == DecisionPublication.case_id).where(*conds)
    total = await session.scalar(select(func.count()).select_from(joined.subquery()))
    query = joined.order_by(*pagination.order_by(PUBLIC_ORDER))
    if cursor is not None:  # decisions are published while a visitor pages: keyset, not offset
        query = query.where(pagination.after(PUBLIC_ORDER, pagination.decode(cursor, (date, str, str))))
    else:
        query = query.offset((page - 1) * size)
    rows = (await session.execute(query.limit(size + 1))).all()
    nxt = pagination.encode([rows[size - 1][0].decided_on, rows[size - 1][0].number, rows[size - 1][0].id]) if len(rows) > size else None
    items = [_public(p, s) for p, s in rows[:size] if _ended_by(p, s, today) is None]
    return PublicDecisionList(items=items, total=int(total or 0), basis=PUBLIC_BASIS, note=PUBLIC_NOTE, next=nxt)


async def public_get(rt: Runtime, session: AsyncSession, publication_id: str) -> PublicDecision:
    today = rt.clock.today()
    pub = await session.get(DecisionPublication, publication_id)
    if pub is None:
        raise not_found("published decision", publication_id)
    state = await session.get(PublicationCreditState, pub.case_id)
    why = _ended_by(pub, state, today)
    if why is None:
        return _public(pub, state)
    rule = rules.WITHDRAWAL_RULES[why]
    if why == "legal_change":  # 公开说明理由: the reasons stand in the decision's place
        number = (pub.content or {}).get("decision_number") or pub.number  # the 文号 it was published under
        raise Problem(410, "decision_withdrawn", f"{number}：{pub.withdrawal_reason}", decision_number=number,
                      withdrawn_on=local_date(clock_utc(pub.withdrawn_at)).isoformat() if pub.withdrawn_at else None,
                      reason=pub.withdrawal_reason, rule=rule.article)
    raise Problem(410, "publication_ended", "该行政处罚决定已不再公开（公示期限届满或信用已修复）", ended_by=why,
                  rule=rule.article)


# -- the credit service's events -------------------------------------------------------------------
async def _state(session: AsyncSession, case_id: str) -> PublicationCreditState | None:
    return await session.get(PublicationCreditState, case_id)


async def _withdraw_for_credit(rt: Runtime, session: AsyncSession, case_id: str, kind: str, reason: str,
                               event: CloudEvent) -> None:
    if not publication_settings.follows_credit():
        return
    pub = await session.scalar(select(DecisionPublication).where(DecisionPublication.case_id == case_id,
                                                                 DecisionPublication.status == "published"))
    if pub is not None:
        _set_withdrawn(pub, kind=kind, at=rt.clock.now(), by=f"event:{event.type}", reason=reason)


async def on_record_created(rt: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    assert isinstance(payload, CreditRecordCreated), type(payload)
    state = await _state(session, payload.case_id)
    status = "published" if payload.published else "not_published"
    if state is None:
        session.add(PublicationCreditState(
            case_id=payload.case_id, record_id=payload.record_id, published=payload.published, status=status,
            publicity_max_until=payload.publicity_max_until, updated_at=rt.clock.now()))
    elif state.status not in ("repaired", "expired"):  # a replay never revives an ended record
        state.record_id, state.published, state.status = payload.record_id, payload.published, status
        state.publicity_max_until, state.updated_at = payload.publicity_max_until, rt.clock.now()


async def _ended(rt: Runtime, session: AsyncSession, *, case_id: str, record_id: str, status: str) -> None:
    state = await _state(session, case_id)
    if state is None:  # the record's creation event comes first per record; be safe anyway
        session.add(PublicationCreditState(case_id=case_id, record_id=record_id, published=True, status=status,
                                           publicity_max_until=None, updated_at=rt.clock.now()))
    else:
        state.status, state.updated_at = status, rt.clock.now()


async def on_repaired(rt: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    assert isinstance(payload, CreditRepaired), type(payload)
    await _ended(rt, session, case_id=payload.case_id, record_id=payload.record_id, status="repaired")
    await _withdraw_for_credit(rt, session, payload.case_id, "credit_repaired",
                               f"信用修复已完成，{payload.repaired_on}起终止公示（{payload.rule}）", event)


async def on_publicity_expired(rt: Runtime, session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
    assert isinstance(payload, CreditPublicityExpired), type(payload)
    await _ended(rt, session, case_id=payload.case_id, record_id=payload.record_id, status="expired")
    await _withdraw_for_credit(rt, session, payload.case_id, "publicity_expired",
                               f"最长公示期至{payload.publicity_max_until}届满，停止公示（{payload.rule}）", event)


# -- the expiry scan (its transactions are the job's, ``jobs.publication_expiry``) -----------------------
async def withdraw_ended(rt: Runtime, session: AsyncSession, today: date) -> tuple[int, bool]:
    """Record the withdrawal of up to ``BATCH`` publications whose time is over (website retention ended,
    or the credit record's maximum period passed before its event arrived). Public reads already hide
    them; this keeps the bureau's view and the record of why. Idempotent: a guarded UPDATE per row.
    Returns how many were withdrawn and whether more may be left."""
    visible = _visible_filter(today)[1:]  # everything but the status
    rows = (await session.execute(
        select(DecisionPublication, PublicationCreditState).outerjoin(
            PublicationCreditState, PublicationCreditState.case_id == DecisionPublication.case_id)
        .where(DecisionPublication.status == "published", ~and_(*visible))
        .order_by(DecisionPublication.publish_until, DecisionPublication.id).limit(BATCH)
    )).all()
    done = 0
    for pub, state in rows:
        why = _ended_by(pub, state, today) or "retention_ended"
        reason = f"网站公开期限至{pub.publish_until}届满" if why == "retention_ended" else "信用公示已结束"
        changed = await session.execute(
            update(DecisionPublication).where(DecisionPublication.id == pub.id,
                                              DecisionPublication.status == "published")
            .values(status="withdrawn", withdrawal_kind=why, withdrawn_at=rt.clock.now(), withdrawn_by="job",
                    withdrawal_reason=reason, withdrawal_rule=rules.WITHDRAWAL_RULES[why].article))
        done += changed.rowcount or 0
    return done, len(rows) == BATCH
