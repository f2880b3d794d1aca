"""Assembling a case file for export: read the case (object scope as for reading it), render each
document it has, sign the bundle (``case_file``)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.case import party_view
from services.cases.case.service import load_visible, read_case
from services.cases.case_file import bundle as case_file
from services.cases.documents import content as documents
from services.cases.documents import served
from services.cases.documents import service as documents_service
from services.cases.models import Enterprise
from shared.auth import Principal
from shared.problems import Problem
from shared.service import Runtime


async def export(rt: Runtime, session: AsyncSession, user: Principal, case_id: str) -> tuple[bytes, str]:
    secret = rt.settings.case_export_secret
    if not secret:
        raise Problem(503, "export_not_configured",
                      "ECOCOMPLY_CASE_EXPORT_SECRET is not set: case files cannot be signed")
    at = rt.clock.now()
    titles = await documents_service.violation_titles(rt, user, case_id)  # before this session connects
    issued = await served.stored_for_case(rt, case_id)  # the documents as issued (issue 24), read apart too
    row = await load_visible(session, user, case_id)
    # the party's file is what it may read of its case (第四十四条、第五十九条: its documents, steps, deadlines,
    # decision); the full file — the bureau's deliberation included — needs a role of the bureau
    scope = "party" if party_view.is_party(user) else "bureau"
    case = (await read_case(session, row, rt.clock.today(), user)).model_dump(mode="json")
    ent_row = await session.get(Enterprise, row.uscc)
    ent = ({"uscc": ent_row.uscc, "name": ent_row.name, "bureau": ent_row.bureau, "industry": ent_row.industry,
            "address": ent_row.address} if ent_row else {"uscc": row.uscc})
    docs: dict[str, bytes] = {}
    omitted: list[dict[str, str]] = []
    for kind in documents.KINDS:
        if kind in issued:
            pdf, name = issued[kind]
            docs[name] = pdf
            continue
        try:
            pdf, name = await documents_service.case_document(rt, session, user, case_id, kind, titles)
        except Problem as p:
            if p.status != 409:
                raise
            omitted.append({"kind": kind, "reason": p.detail})
            continue
        docs[name] = pdf
    cf = case_file.CaseFile(case=case, enterprise=ent, documents=docs, omitted=omitted, exported_at=at,
                            exported_by=user.sub, scope=scope)
    data = await asyncio.to_thread(case_file.build_bundle, cf, secret)
    return data, f"{case['number']}-case-file.zip"
