"""Import and export of the guidance checklist as YAML, CSV and XLSX.

An import validates **every** row first (the same models as ``POST /guidance-items``) and then loads
all of them in one transaction, or nothing: the report names each bad row and field. A row whose code
is new becomes version 1; a changed row becomes a new version of its item; an unchanged row is left
alone (importing the same file twice changes nothing). The bundled checklist loads through this path.

YAML takes either the project's domain format (``obligation_basis``/``penalty_basis``/``related_basis``
and ``fine`` per item, as ``data/guidance_items.yaml``) or the API's (``legal_basis``, ``liability``).
CSV/XLSX have one row per item (``COLUMNS``): list cells hold one entry per line, ``legal_basis`` and
``fine`` hold JSON (lossless round trip).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist import search
from services.checklist.guidance.schemas import GuidanceItemCreate
from services.checklist.guidance.service import announce, new_version_row, row_content
from services.checklist.guidance.store import latest_by_code
from services.checklist.guidance.versioning import same_content
from services.checklist.models import GuidanceItem
from shared import spreadsheet

if TYPE_CHECKING:
    from shared.service import Runtime

Format = Literal["yaml", "csv", "xlsx"]
FORMATS: tuple[str, ...] = ("yaml", "csv", "xlsx")
COLUMNS = (
    "code", "version", "status", "batch", "title", "domain", "risk_level", "risk_rationale",
    "common_violations", "advice", "legal_basis", "fine", "other_penalties", "effective_from",
    "source", "verified", "compiled",
)
LIST_COLUMNS = ("common_violations", "advice", "other_penalties")
JSON_COLUMNS = ("legal_basis", "fine")
EXPORT_ONLY = ("version", "status")  # ignored on import: versions are numbered by the catalog
BASIS_ROLES = {"obligation_basis": "obligation", "penalty_basis": "penalty", "related_basis": "related"}
DOMAIN_ONLY_KEYS = ("obligation_basis", "penalty_basis", "related_basis", "fine", "other_penalties", "source_commit")
MAX_ROWS = 200_000


@dataclass
class RowError:
    row: int  # YAML: item number from 1; CSV/XLSX: the sheet's row number (the header is row 1)
    field: str
    message: str
    code: str | None = None


@dataclass
class ImportReport:
    format: str
    rows: int
    dry_run: bool
    applied: bool = False
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImportFileError(ValueError):
    """The file cannot be read at all (not YAML/CSV/XLSX, no header, …)."""


@dataclass
class ParsedRow:
    number: int
    data: dict[str, Any]


# -- parsing ---------------------------------------------------------------------------------------
def from_domain_item(item: Mapping[str, Any], meta: Mapping[str, Any], default_batch: str | None) -> dict[str, Any]:
    """An item of the domain format (``guidance_items.yaml``) in the API's shape."""
    out = {k: v for k, v in item.items() if k not in DOMAIN_ONLY_KEYS}
    basis = []
    for key, role in BASIS_ROLES.items():
        for b in item.get(key) or []:
            basis.append({"role": role, **{k: v for k, v in (b or {}).items() if v is not None}})
    out["legal_basis"] = basis
    out["liability"] = {"fine": item.get("fine"), "other_penalties": item.get("other_penalties") or []}
    if "source" not in out and meta.get("source_repo"):
        commit = item.get("source_commit") or meta.get("source_commit")
        out["source"] = f"{meta['source_repo']}@{commit}" if commit else meta["source_repo"]
    out.setdefault("batch", meta.get("batch") or default_batch)
    return out


def read_yaml(data: bytes) -> Any:
    """The document of a UTF-8 YAML file (``ImportFileError`` when it is not one)."""
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise ImportFileError(f"not a UTF-8 YAML file: {e}") from e


def read_table(data: bytes, fmt: str) -> tuple[list[Any], Iterable[tuple[int, list[Any]]]]:
    """The header and the numbered records of a CSV file or of an XLSX workbook's active sheet — record
    numbers as a spreadsheet shows them (the header is row 1)."""
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ImportFileError("a CSV import must be UTF-8") from e
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if not header:
            raise ImportFileError("empty CSV file")
        return header, ((n, [spreadsheet.read_csv_cell(v) for v in r]) for n, r in enumerate(reader, start=2))
    if fmt != "xlsx":
        raise ImportFileError(f"unknown format {fmt!r}")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises several kinds for a non-workbook
        raise ImportFileError(f"not an XLSX workbook: {e}") from e
    rows = wb.active.iter_rows(values_only=True)
    first = next(rows, None)
    if not first:
        raise ImportFileError("empty worksheet")
    return list(first), ((n, list(r)) for n, r in enumerate(rows, start=2))


def parse_yaml(data: bytes, *, default_batch: str | None = None) -> list[ParsedRow]:
    return rows_from_doc(read_yaml(data), default_batch=default_batch)


def rows_from_doc(doc: Any, *, default_batch: str | None = None) -> list[ParsedRow]:
    items = doc.get("items") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError("a YAML import is a list of items, or a mapping with an 'items' list")
    meta = (doc.get("meta") or {}) if isinstance(doc, dict) else {}
    rows = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append(ParsedRow(i, {"__error__": "each item must be a mapping"}))
            continue
        if any(k in item for k in BASIS_ROLES):
            data = from_domain_item(item, meta, default_batch)
        else:
            data = {k: v for k, v in item.items() if k not in EXPORT_ONLY}
            if default_batch:
                data.setdefault("batch", default_batch)
        rows.append(ParsedRow(i, data))
    return rows


def _cells_to_row(header: list[str], values: list[Any]) -> dict[str, Any]:
    raw = {h: ("" if v is None else v) for h, v in zip(header, values, strict=False) if h}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in EXPORT_ONLY:
            continue
        text = str(value).strip() if not isinstance(value, bool) else value
        if key in LIST_COLUMNS:
            out[key] = [line.strip() for line in str(text).splitlines() if line.strip()]
        elif key in JSON_COLUMNS:
            try:
                out[key] = json.loads(text) if text else None
            except json.JSONDecodeError as e:
                out[key] = {"__json_error__": f"not valid JSON: {e.msg} (column {key})"}
        elif key in ("verified", "compiled"):
            out[key] = {"true": True, "false": False, "": None, "1": True, "0": False}.get(
                str(text).lower(), text
            )
            if key == "compiled" and out[key] is None:
                out[key] = False
        elif key == "effective_from":
            out[key] = text.isoformat()[:10] if hasattr(text, "isoformat") else (text or None)
        else:
            out[key] = text if text != "" else None
    fine = out.pop("fine", None)
    out["liability"] = {"fine": fine, "other_penalties": out.pop("other_penalties", [])}
    return out


def _tabular(header: list[str], records: Iterable[tuple[int, list[Any]]]) -> list[ParsedRow]:
    header = [str(h or "").strip() for h in header]
    missing = [c for c in COLUMNS if c not in EXPORT_ONLY and c not in header]
    if missing:
        raise ImportFileError(f"missing columns: {', '.join(missing)} (the header is row 1)")
    return [ParsedRow(n, _cells_to_row(header, values)) for n, values in records if any(v not in (None, "") for v in values)]


def parse(data: bytes, fmt: str, *, default_batch: str | None = None) -> list[ParsedRow]:
    if fmt == "yaml":
        rows = parse_yaml(data, default_batch=default_batch)
    else:
        rows = _tabular(*read_table(data, fmt))
        if default_batch:
            for r in rows:
                r.data["batch"] = r.data.get("batch") or default_batch
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"{len(rows)} rows: at most {MAX_ROWS} per import")
    return rows


# -- validation ------------------------------------------------------------------------------------
def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "row"


def validate(rows: list[ParsedRow]) -> tuple[list[GuidanceItemCreate], list[RowError]]:
    """Every row checked; nothing is loaded when any error is reported."""
    good: list[GuidanceItemCreate] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for r in rows:
        code = r.data.get("code") if isinstance(r.data.get("code"), str) else None
        if "__error__" in r.data:
            errors.append(RowError(r.number, "row", r.data["__error__"], code))
            continue
        json_errors = [
            (k, v["__json_error__"]) for k, v in (("legal_basis", r.data.get("legal_basis")),
                                                   ("fine", (r.data.get("liability") or {}).get("fine")))
            if isinstance(v, dict) and "__json_error__" in v
        ]
        if json_errors:
            errors += [RowError(r.number, k, msg, code) for k, msg in json_errors]
            continue
        try:
            item = GuidanceItemCreate.model_validate({**r.data, "publish": True})
        except ValidationError as e:
            errors += [RowError(r.number, _field(err["loc"]), err["msg"], code) for err in e.errors()]
            continue
        if item.code in seen:
            errors.append(RowError(r.number, "code", f"code {item.code} also on row {seen[item.code]}", item.code))
            continue
        seen[item.code] = r.number
        good.append(item)
    return good, errors


# -- loading ---------------------------------------------------------------------------------------
async def load(
    rt: Runtime,
    session: AsyncSession,
    items: list[GuidanceItemCreate],
    report: ImportReport,
    *,
    actor: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    emit: bool = True,
) -> ImportReport:
    """Plan (and unless ``dry_run``, write) the validated items in the caller's transaction, with an
    ``item_published`` event per new version (``emit=False``: the bundled data seeding an empty
    catalog — its initial state, not a publication)."""
    existing = await latest_by_code(session, GuidanceItem, [i.code for i in items])
    written = []
    for item in items:
        latest = existing.get(item.code)
        if latest is not None and latest.status != "retired" and same_content(row_content(latest), item.content()):
            report.unchanged.append(item.code)
        else:
            (report.created if latest is None else report.revised).append(item.code)
            written.append(new_version_row(
                item.code, (latest.version if latest else 0) + 1, item, status="published", actor=actor, now=now
            ))
        if progress:
            progress(1)
    if not report.dry_run and written:
        session.add_all(written)
        await session.flush()  # the unique (code, version) key refuses a concurrent import's rows
        await search.index_documents(
            session, "guidance", [(r.code, r.version, r.title, r.search_text) for r in written]
        )
        if emit:
            for r in written:
                await announce(rt, session, r, now)
    report.applied = not report.dry_run
    return report


async def import_file(
    rt: Runtime,
    session: AsyncSession,
    data: bytes,
    fmt: str,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
    default_batch: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then load all of them in the caller's unit of work (one transaction: all
    rows or none). ``ImportFileError`` when
    the file cannot be read; a report with ``errors`` (and nothing written) when rows are bad."""
    rows = parse(data, fmt, default_batch=default_batch)
    items, errors = validate(rows)
    report = ImportReport(format=fmt, rows=len(rows), dry_run=dry_run, errors=errors)
    if errors:
        return report
    return await load(rt, session, items, report, actor=actor, now=now, progress=progress)


# -- export ----------------------------------------------------------------------------------------
def export_record(row: GuidanceItem) -> dict[str, Any]:
    return {
        "code": row.code, "version": row.version, "status": row.status, "batch": row.batch,
        "title": row.title, "domain": row.domain, "risk_level": row.risk_level,
        "risk_rationale": row.risk_rationale, "common_violations": list(row.common_violations),
        "advice": list(row.advice), "legal_basis": row.legal_basis, "liability": row.liability,
        "effective_from": row.effective_from.isoformat() if row.effective_from else None,
        "source": row.source, "verified": row.verified, "compiled": row.compiled,
    }


def _cells(rec: Mapping[str, Any]) -> list[Any]:
    out = []
    for c in COLUMNS:
        if c == "fine":
            v: Any = json.dumps(rec["liability"]["fine"], ensure_ascii=False)
        elif c == "other_penalties":
            v = "\n".join(rec["liability"].get("other_penalties") or [])
        elif c in LIST_COLUMNS:
            v = "\n".join(rec[c])
        elif c == "legal_basis":
            v = json.dumps(rec[c], ensure_ascii=False)
        elif c in ("verified", "compiled"):
            v = "" if rec[c] is None else str(rec[c]).lower()
        else:
            v = "" if rec[c] is None else rec[c]
        out.append(v)
    return out


def export_yaml(records: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump({"items": records}, allow_unicode=True, sort_keys=False).encode("utf-8")


def export_csv(records: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows([spreadsheet.csv_cell(v) for v in _cells(r)] for r in records)
    return buf.getvalue().encode("utf-8-sig")  # BOM: spreadsheet programs then read it as UTF-8


def export_xlsx(records: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("合规指导清单")
    ws.append(list(COLUMNS))
    for r in records:
        ws.append(spreadsheet.xlsx_row(ws, _cells(r)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


EXPORTERS = {"yaml": export_yaml, "csv": export_csv, "xlsx": export_xlsx}
MEDIA_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

