"""The bureau registry: create, replace, read; the settings a document needs (409 naming the missing one);
the 文号 counter (one INSERT … ON CONFLICT DO UPDATE … RETURNING in the issuing transaction)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.bureaus.kinds import KINDS, SETTINGS, number
from services.cases.bureaus.schemas import BureauCreate, BureauRead, BureauWrite
from services.cases.models import Bureau, DocumentCounter
from shared.db import dialect_insert
from shared.problems import Problem, conflict, invalid, not_found
from shared.service import Runtime

EXAMPLES = Path(__file__).with_name("examples.yaml")
FIELDS = ("name", "prefixes", "address", "contact", "reconsideration_body", "court", "payment", "example", "source")


def to_read(row: Bureau) -> BureauRead:
    return BureauRead(code=row.code, **{f: getattr(row, f) for f in FIELDS},
                      prefix_labels={k: KINDS[k] for k in row.prefixes or {} if k in KINDS},
                      updated_by=row.updated_by, updated_at=row.updated_at)


def _values(code: str, body: BureauWrite, by: str, at: datetime) -> dict[str, Any]:
    return {"code": code, **body.model_dump(include=set(FIELDS)), "updated_by": by, "updated_at": at}


async def create(session: AsyncSession, body: BureauCreate, *, by: str, at: datetime) -> BureauRead:
    """One INSERT … ON CONFLICT DO NOTHING: of two concurrent creations one wins, the other is a 409."""
    values = _values(body.code, body, by, at)
    done = await session.execute(dialect_insert(session, Bureau).values(**values)
                                 .on_conflict_do_nothing(index_elements=["code"]).returning(Bureau.code))
    if done.scalar_one_or_none() is None:
        raise conflict("bureau_exists", f"bureau {body.code} is already registered (PUT /cases/v1/bureaus/{body.code} "
                       "replaces its settings)", field="code")
    return to_read(await session.get(Bureau, body.code))  # type: ignore[arg-type]


async def put(session: AsyncSession, code: str, body: BureauWrite, *, by: str, at: datetime) -> BureauRead:
    """Create or replace (one INSERT … ON CONFLICT DO UPDATE)."""
    values = _values(code, body, by, at)
    ins = dialect_insert(session, Bureau).values(**values)
    await session.execute(ins.on_conflict_do_update(
        index_elements=["code"], set_={k: getattr(ins.excluded, k) for k in values if k != "code"}))
    row = await session.get(Bureau, code, populate_existing=True)
    return to_read(row)  # type: ignore[arg-type]


async def get(session: AsyncSession, code: str) -> BureauRead:
    row = await session.get(Bureau, code)
    if row is None:
        raise not_found("bureau", code)
    return to_read(row)


async def list_all(session: AsyncSession) -> list[BureauRead]:
    return [to_read(r) for r in (await session.scalars(select(Bureau).order_by(Bureau.code))).all()]


def parse_file(data: Any) -> list[BureauCreate]:
    """``{bureaus: [{code, name, prefixes, …}]}`` (or the list itself) → validated entries; a 422 names the entry."""
    items = data.get("bureaus") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise invalid("bureaus", "expected a list of bureaus (or {bureaus: [...]})")
    out: list[BureauCreate] = []
    for i, item in enumerate(items):
        try:
            out.append(BureauCreate.model_validate({**item, "code": str(item.get("code", ""))}
                                                   if isinstance(item, dict) else item))
        except ValidationError as e:
            err = e.errors()[0]
            raise invalid(f"bureaus[{i}]." + ".".join(str(p) for p in err["loc"]), err["msg"]) from e
    return out


async def seed(rt: Runtime) -> None:
    """The example bureaus (``example: true``), unless the bureau is registered already."""
    entries = parse_file(yaml.safe_load(EXAMPLES.read_text(encoding="utf-8")))
    async with rt.sessionmaker() as session, session.begin():
        for e in entries:
            await session.execute(dialect_insert(session, Bureau).values(**_values(e.code, e, "seed", rt.clock.now()))
                                  .on_conflict_do_nothing(index_elements=["code"]))


# -- what a document needs --------------------------------------------------------------------------
def missing(code: str, kind: str, *, row: Bureau | None) -> Problem:
    what = "bureau" if row is None else kind
    return Problem(409, "bureau_setting_missing", f"bureau {code} lacks the setting '{what}' the document needs",
                   setting=what, bureau=code, document_kind=kind)


async def require(session: AsyncSession, code: str, kind: str, *, need: tuple[str, ...] = tuple(SETTINGS)) -> Bureau:
    """The bureau with the settings a ``kind`` document needs (its name, the kind's 文号 prefix and ``need``),
    else a 409 naming the first missing setting (``setting``: ``bureau``, ``name``, ``prefixes.<kind>``, …)."""
    row = await session.get(Bureau, code)
    if row is None:
        raise Problem(409, "bureau_setting_missing", f"bureau {code} is not in the registry (POST /cases/v1/bureaus)",
                      setting="bureau", bureau=code, document_kind=kind, label="执法机关登记")
    for field in ("name", *need):
        if not getattr(row, field, None):
            raise Problem(409, "bureau_setting_missing", f"bureau {code} has no {field} ({SETTINGS.get(field, field)}); "
                          f"the {KINDS[kind]} cannot be issued without it", setting=field, bureau=code,
                          document_kind=kind, label=SETTINGS.get(field, field))
    if not (row.prefixes or {}).get(kind):
        raise Problem(409, "bureau_setting_missing", f"bureau {code} has no 文号 prefix for {kind} ({KINDS[kind]})",
                      setting=f"prefixes.{kind}", bureau=code, document_kind=kind, label=f"{KINDS[kind]}文号前缀")
    return row


async def issue_number(session: AsyncSession, row: Bureau, kind: str, year: int) -> str:
    """The next 文号 of ``kind`` for the bureau and year, in the caller's transaction: the counter row is
    inserted or incremented and returned by one statement (the row stays locked until the transaction ends,
    so concurrent issues get distinct numbers, and a rolled-back issue gives its number back — gapless)."""
    ins = dialect_insert(session, DocumentCounter).values(bureau=row.code, kind=kind, year=year, last=1)
    stmt = ins.on_conflict_do_update(index_elements=["bureau", "kind", "year"],
                                     set_={"last": DocumentCounter.last + 1}).returning(DocumentCounter.last)
    n = (await session.execute(stmt)).scalar_one()
    return number(row.prefixes[kind], year, n)
