"""Credit HTTP API (mounted under ``/v1``): credit records and the notice served with a penalty."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.credit.records import service
from services.credit.records.notice import build_notice
from services.credit.records.schemas import CreditRecordRead, NoticeRead
from shared.auth import CurrentUser, ensure_can_see, scope_of
from shared.problems import Problem, invalid, not_found
from shared.service import DbSession, RuntimeDep
from shared.uscc import USCCError, validate

router = APIRouter(tags=["credit"])

_PROBLEM = {"content": {"application/problem+json": {}}}
PROBLEMS = {401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}


@router.get("/enterprises/{uscc}/records", response_model=list[CreditRecordRead], responses=PROBLEMS)
async def list_enterprise_records(
    uscc: Annotated[str, Path(description="统一社会信用代码")], user: CurrentUser, session: DbSession, rt: RuntimeDep
) -> list[CreditRecordRead]:
    """An enterprise's credit records (newest decision first), limited to what the caller may see: global
    roles all of them, bureau roles their bureau's, an enterprise its own."""
    try:
        uscc = validate(uscc)
    except USCCError as e:
        raise invalid("uscc", str(e), code="invalid_uscc") from e
    scope = scope_of(user, uscc=uscc, what="credit records")
    today = rt.clock.today()
    return [service.to_read(r, today=today) for r in await service.list_records(session, scope)]


@router.get("/records/{record_id}", response_model=CreditRecordRead, responses=PROBLEMS)
async def get_record(record_id: str, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> CreditRecordRead:
    record = await service.get_record(session, record_id)
    if record is None:
        raise not_found("credit record", record_id)
    ensure_can_see(user, bureau=record.bureau, uscc=record.uscc, what="this credit record")
    return service.to_read(record, today=rt.clock.today())


@router.get("/notices/{case_id}", response_model=NoticeRead, responses=PROBLEMS)
async def get_notice(case_id: str, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> NoticeRead:
    """环保信用失信记录告知书 + 信用修复指引 for a penalised case (an exemption has no credit record, so no notice)."""
    record = await service.get_record_for_case(session, case_id)
    if record is None:
        raise Problem(
            404,
            "not_found",
            f"case {case_id} has no credit record (no penalty decision received for it)",
            resource="credit notice",
        )
    ensure_can_see(user, bureau=record.bureau, uscc=record.uscc, what="this credit notice")
    return build_notice(record, today=rt.clock.today())
