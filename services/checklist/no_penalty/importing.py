"""Import of a no-penalty list (免罚清单, items of ``kind: list``) as YAML, CSV or XLSX.

The same path as the guidance checklist (``guidance.importing``): every row is validated first (the model
``NoPenaltyListItemIn``; every ``applies_to`` code must be a guidance item of the catalog), then all
rows load in one transaction or none, with a report naming each bad row and field. A new code becomes
version 1; a changed row a new version (older versions stay readable with ``?version=``); an
unchanged row is left alone. Each new version is announced (``checklist.item_published.v1``,
``kind: no_penalty``). The bundled example items load through this path too.

YAML: the format of ``data/example_no_penalty_items.yaml`` (``list: {list_version, effective_from,
effective_to}`` and ``items``); CSV/XLSX: one row per item (``COLUMNS``), ``legal_basis`` and ``conditions``
as JSON, ``applies_to`` one code per line. ``list_version``/``effective_from``/``effective_to`` of a row
default to the file's (YAML ``list``) or, for ``list_version``, to the one given with the import.

``effective_to`` is the last day the item is in force (inclusive; 《行政处罚法》第三十七条, issue 23 item 3:
an expired list item exempts nothing). Give it only where the list's source states a validity — never
invent one. E.g. 《长江三角洲区域生态环境领域轻微违法行为依法不予行政处罚清单》: 2023-07-01 起施行，有效期五年
(source: https://www.hbzhan.com/news/detail/163531.html, 环保在线 2023-07-05, a news report: verified false),
so ``list: {effective_from: 2023-07-01, effective_to: 2028-06-30}`` — the last day is our reading of 五年.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.guidance.importing import (
    MAX_ROWS,
    ImportFileError,
    ImportReport,
    ParsedRow,
    RowError,
    _field,
    read_table,
    read_yaml,
)
from services.checklist.guidance.store import latest_by_code
from services.checklist.models import GuidanceItem, NoPenaltyItem
from services.checklist.no_penalty.schemas import CONTENT_FIELDS, NoPenaltyListItemIn
from shared.contracts import ChecklistItemPublished

if TYPE_CHECKING:
    from shared.service import Runtime

COLUMNS = (
    "code", "list_version", "violation", "applies_to", "legal_basis", "conditions", "modality",
    "effective_from", "effective_to", "source", "verified", "note",
)
REQUIRED_COLUMNS = ("code", "violation", "legal_basis", "conditions", "modality", "source")
JSON_COLUMNS = ("legal_basis", "conditions")


# -- parsing ---------------------------------------------------------------------------------------
def rows_from_doc(doc: Any, *, list_version: str | None = None) -> list[ParsedRow]:
    items = doc.get("items") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError("a YAML no-penalty list is a mapping with an 'items' list (and 'list' metadata)")
    meta = (doc.get("list") or {}) if isinstance(doc, dict) else {}
    defaults = {"list_version": list_version or meta.get("list_version"), "effective_from": meta.get("effective_from"),
                "effective_to": meta.get("effective_to")}
    rows = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append(ParsedRow(i, {"__error__": "each item must be a mapping"}))
            continue
        data = {k: v for k, v in item.items() if k not in ("version", "kind", "status")}
        for k, v in defaults.items():
            if data.get(k) is None and v is not None:
                data[k] = str(v) if k == "list_version" else v
        rows.append(ParsedRow(i, data))
    return rows


def _cells_to_row(header: list[str], values: list[Any], list_version: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in zip(header, values, strict=False):
        if not key or key not in COLUMNS:
            continue
        cell = "" if value is None else value
        s = str(cell).strip() if not isinstance(cell, bool) else cell
        if key == "applies_to":
            out[key] = [line.strip() for line in str(s).splitlines() if line.strip()]
        elif key in JSON_COLUMNS:
            try:
                out[key] = json.loads(s) if s else None
            except json.JSONDecodeError as e:
                out[key] = {"__json_error__": f"not valid JSON: {e.msg} (column {key})"}
        elif key == "verified":
            # false unless the file says true
            out[key] = {"true": True, "1": True, "false": False, "0": False, "": False}.get(str(s).lower(), s)
        elif key in ("effective_from", "effective_to"):
            out[key] = s.isoformat()[:10] if hasattr(s, "isoformat") else (s or None)
        else:
            out[key] = s if s != "" else None
    if out.get("list_version") is None and list_version:
        out["list_version"] = list_version
    return out


def _tabular(header: list[Any], records, list_version: str | None) -> list[ParsedRow]:
    head = [str(h or "").strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in head]
    if missing:
        raise ImportFileError(f"missing columns: {', '.join(missing)} (the header is row 1)")
    return [
        ParsedRow(n, _cells_to_row(head, list(values), list_version))
        for n, values in records
        if any(v not in (None, "") for v in values)
    ]


def parse(data: bytes, fmt: str, *, list_version: str | None = None) -> list[ParsedRow]:
    if fmt == "yaml":
        rows = rows_from_doc(read_yaml(data), list_version=list_version)
    else:
        rows = _tabular(*read_table(data, fmt), list_version)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"{len(rows)} rows: at most {MAX_ROWS} per import")
    return rows


# -- validation ------------------------------------------------------------------------------------
def validate(rows: list[ParsedRow]) -> tuple[list[tuple[int, NoPenaltyListItemIn]], list[RowError]]:
    """Every row checked against the model (pure); ``check_references`` adds the catalog checks."""
    good: list[tuple[int, NoPenaltyListItemIn]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for r in rows:
        code = r.data.get("code") if isinstance(r.data.get("code"), str) else None
        if "__error__" in r.data:
            errors.append(RowError(r.number, "row", r.data["__error__"], code))
            continue
        bad_json = [(k, v["__json_error__"]) for k, v in r.data.items() if isinstance(v, dict) and "__json_error__" in v]
        if bad_json:
            errors += [RowError(r.number, k, msg, code) for k, msg in bad_json]
            continue
        try:
            item = NoPenaltyListItemIn.model_validate(r.data)
        except ValidationError as e:
            errors += [RowError(r.number, _field(err["loc"]), err["msg"], code) for err in e.errors()]
            continue
        if item.code in seen:
            errors.append(RowError(r.number, "code", f"code {item.code} also on row {seen[item.code]}", item.code))
            continue
        seen[item.code] = r.number
        good.append((r.number, item))
    return good, errors


async def check_references(session: AsyncSession, items: list[tuple[int, NoPenaltyListItemIn]]) -> list[RowError]:
    """``applies_to`` names guidance items of the catalog; a code of a statutory ground is not a list item."""
    wanted = sorted({c for _, it in items for c in it.applies_to})
    known: set[str] = set()
    for i in range(0, len(wanted), 500):
        known |= set(await session.scalars(
            select(GuidanceItem.code).where(GuidanceItem.code.in_(wanted[i : i + 500])).distinct()
        ))
    statutory = set(await session.scalars(
        select(NoPenaltyItem.code).where(NoPenaltyItem.kind == "statutory").distinct()
    ))
    errors = []
    for number, it in items:
        if it.code in statutory:
            errors.append(RowError(number, "code", f"{it.code} is a statutory ground, not a list item", it.code))
        for j, c in enumerate(it.applies_to):
            if c not in known:
                errors.append(RowError(number, f"applies_to.{j}", f"no guidance item {c!r}", it.code))
    return errors


# -- loading ---------------------------------------------------------------------------------------
def _row_content(row: NoPenaltyItem) -> dict[str, Any]:
    return {f: getattr(row, f) for f in CONTENT_FIELDS}


def new_version_row(item: NoPenaltyListItemIn, version: int, now: datetime) -> NoPenaltyItem:
    return NoPenaltyItem(
        code=item.code, version=version, kind="list", label=None, exceptions=[], condition_logic="all",
        status="published", discretionary=item.modality == "may", created_at=now, **item.content(),
    )


async def load(
    rt: Runtime,
    session: AsyncSession,
    items: list[NoPenaltyListItemIn],
    report: ImportReport,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    emit: bool = True,
) -> ImportReport:
    """Plan (and unless ``dry_run``, write) validated items in the caller's transaction."""
    existing = await latest_by_code(session, NoPenaltyItem, [i.code for i in items])
    written = []
    for item in items:
        latest = existing.get(item.code)
        if latest is not None and latest.status == "published" and _row_content(latest) == item.content():
            report.unchanged.append(item.code)
        else:
            (report.created if latest is None else report.revised).append(item.code)
            written.append(new_version_row(item, (latest.version if latest else 0) + 1, now))
        if progress:
            progress(1)
    if not report.dry_run and written:
        session.add_all(written)
        await session.flush()  # the unique (code, version) key refuses a concurrent import's rows
        if emit:
            for r in written:
                await rt.emit(
                    session,
                    ChecklistItemPublished(code=r.code, version=r.version, kind="no_penalty",
                                           title=r.violation[:200], published_at=now),
                    subject=r.code,
                )
    report.applied = not report.dry_run
    return report


async def validate_all(
    session: AsyncSession, rows: list[ParsedRow]
) -> tuple[list[NoPenaltyListItemIn], list[RowError]]:
    good, errors = validate(rows)
    errors += await check_references(session, good)
    errors.sort(key=lambda e: e.row)
    return [it for _, it in good], errors


async def import_file(
    rt: Runtime,
    session: AsyncSession,
    data: bytes,
    fmt: str,
    *,
    now: datetime,
    dry_run: bool = False,
    list_version: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then load all of them in the caller's unit of work (one transaction: all
    rows or none)."""
    rows = parse(data, fmt, list_version=list_version)
    items, errors = await validate_all(session, rows)
    report = ImportReport(format=fmt, rows=len(rows), dry_run=dry_run, errors=errors)
    if errors:
        return report
    return await load(rt, session, items, report, now=now, progress=progress)
