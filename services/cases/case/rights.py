"""事先告知与当事人权利 — the pre-decision notice (第四十四条), the party's statement and defence (第四十五条)
or explicit waiver (第六十二条), and the hearing (第六十三条、第六十四条). Each one ``act``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config
from services.cases.case import schemas
from services.cases.case.records import (
    EarlierNotice,
    HearingRecord,
    NoticeRecord,
    StatementRecord,
    case_records,
    edit_records,
)
from services.cases.case.schemas import CaseRead, NoticeCreate, StatementCreate
from services.cases.case.service import act, add_step
from services.cases.models import Case
from shared import contracts
from shared.auth import Principal
from shared.clock import local_date
from shared.service import Runtime

RIGHTS_STEPS = ("notice", "statement", "rights_waived", "hearing")


def void_notice(case: Case) -> None:
    """The notice on record no longer counts (a new notice replaces it, or a returned legal review sends
    the case back to investigation, so its facts may change): it moves to ``records.earlier_notices``
    with the party's statement and hearing, and the rights steps are undone (第四十四条: the notice states
    the facts, reasons and basis the decision will rest on)."""
    if case_records(case).notice is None:
        return
    with edit_records(case) as recs:
        assert recs.notice is not None
        recs.earlier_notices.append(EarlierNotice(**dict(recs.notice), statement=recs.statement, hearing=recs.hearing))
        recs.notice = recs.statement = recs.hearing = None
    case.steps = [s for s in case.steps if s not in RIGHTS_STEPS]


async def notice(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, body: NoticeCreate) -> CaseRead:
    """事先告知. A further notice (say, of a heavier penalty) replaces the earlier one and gives the party
    its rights again: statements, waivers and hearings of the earlier notice no longer count (第四十四条、
    第四十五条、第六十三条); the earlier notice stays in ``records.earlier_notices``."""

    async def mutate(case: Case, at: datetime):
        right, why = config.hearing_right(case.bureau, intended_fine=body.intended_fine, kinds=body.penalty_kinds)
        void_notice(case)
        add_step(case, "notice")
        with edit_records(case) as recs:
            recs.notice = NoticeRecord(**body.model_dump(), on=local_date(at), by=user.sub, hearing_right=right,
                                       hearing_right_basis=why)
        return contracts.CaseNotified(case_id=case.id, number=case.number, bureau=case.bureau,
                                      notified_by=user.sub, notified_at=at)

    return await act(rt, session, user, case_id, "notice", mutate, detail=body.model_dump())


async def record_statement(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                           body: StatementCreate) -> CaseRead:
    """陈述、申辩 heard — or the party's explicit waiver of its statement and hearing rights."""

    async def mutate(case: Case, at: datetime):
        add_step(case, "rights_waived" if body.waived else "statement")
        with edit_records(case) as recs:
            recs.statement = StatementRecord(**body.model_dump(), recorded_by=user.sub, at=at)
        return None

    return await act(rt, session, user, case_id, "record_statement", mutate,
                     detail={"waived": body.waived, "by": body.by})


async def request_hearing(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        with edit_records(case) as recs:
            recs.hearing = HearingRecord(requested_on=local_date(at), requested_via=user.sub)
        return None

    return await act(rt, session, user, case_id, "request_hearing", mutate, detail={})


async def hold_hearing(rt: Runtime, session: AsyncSession, user: Principal, case_id: str,
                       body: schemas.HearingRecord) -> CaseRead:
    async def mutate(case: Case, at: datetime):
        add_step(case, "hearing")
        with edit_records(case) as recs:
            asked = recs.hearing or HearingRecord()
            recs.hearing = HearingRecord(requested_on=asked.requested_on, requested_via=asked.requested_via,
                                         held_on=local_date(at), held_at=at, presided_by=body.presided_by,
                                         record=body.record)
        return None

    return await act(rt, session, user, case_id, "hold_hearing", mutate, check_kw={"presided_by": body.presided_by},
                     detail={"presided_by": body.presided_by})
