"""Serving a case's documents: load what the document needs, build it (pure), render the PDF."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases import config, workflow
from services.cases.advice.service import to_read as advice_read
from services.cases.case.records import case_records
from services.cases.case.service import load_visible, read_case
from services.cases.clients import credit as credit_client
from services.cases.documents import content as documents
from services.cases.models import AdviceLetter, Enterprise
from shared.auth import Principal
from shared.problems import Problem, not_found
from shared.service import Runtime


def _unavailable(kind: str, why: str) -> Problem:
    return Problem(409, "document_not_available", f"the {kind} document is not available: {why}", kind=kind)


async def case_document(rt: Runtime, session: AsyncSession, user: Principal, case_id: str, kind: str) -> tuple[bytes, str]:
    if kind not in documents.KINDS:
        raise not_found("document kind", f"{kind} (one of {', '.join(documents.KINDS)})")
    case_row = await load_visible(session, user, case_id)
    case = (await read_case(session, case_row, rt.clock.today())).model_dump(mode="json")
    ent_row = await session.get(Enterprise, case_row.uscc)
    ent = {"name": ent_row.name, "address": ent_row.address} if ent_row else {}
    letter_row = await session.scalar(select(AdviceLetter).where(AdviceLetter.case_id == case_id)
                                      .order_by(AdviceLetter.issued_at.desc()).limit(1))
    letter = advice_read(letter_row, rt.clock.today()).model_dump(mode="json") if letter_row else None
    decision = case.get("decision") or {}
    if kind == "decision":
        if not decision:
            raise _unavailable(kind, "the case has no decision yet")
        doc = documents.decision_doc(case, ent,
                                     reconsideration_body=config.reconsideration_body(case["bureau"]))
    elif kind == "notice":
        if case_records(case_row).notice is None:
            raise _unavailable(kind, "no 事先告知 has been made")
        doc = documents.notice_doc(case, ent)
    elif kind == "compliance_advice":
        if letter is None and decision.get("type") != workflow.EXEMPTION:
            raise _unavailable(kind, "no compliance advice letter was issued for this case")
        doc = documents.compliance_advice_doc(case, ent, letter)
    else:
        if decision.get("type") not in workflow.PENALTIES:
            raise _unavailable(kind, "only a penalty decision has a credit record")
        served = case_records(case_row).service
        notice = served.credit_notice if served else None
        if notice is None:
            assert rt.http is not None
            notice = await credit_client.notice(rt.http, case_id)
        if notice is None:
            raise _unavailable(kind, "the credit service has no record for this case yet")
        doc = (documents.credit_record_notice_doc if kind == "credit_record_notice"
               else documents.credit_repair_guidance_doc)(notice)
    pdf = await asyncio.to_thread(documents.render, doc)
    return pdf, f"{case['number']}-{kind}.pdf"


async def advice_document(rt: Runtime, session: AsyncSession, user: Principal, letter_id: str) -> tuple[bytes, str]:
    from services.cases.advice.service import load

    row = await load(session, user, letter_id)
    letter = advice_read(row, rt.clock.today()).model_dump(mode="json")
    ent_row = await session.get(Enterprise, row.uscc)
    ent = {"name": ent_row.name, "address": ent_row.address} if ent_row else {}
    doc = documents.compliance_advice_doc({}, ent, letter)
    return await asyncio.to_thread(documents.render, doc), f"{letter['number']}.pdf"
