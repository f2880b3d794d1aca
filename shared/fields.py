"""Bounds of what clients send.

Strings (issue 13): every free-text field of a request body is bounded, so that no request can make the
service store or process megabytes of one field. A longer value is a 422 problem naming the field
(pydantic's ``string_too_long``). ``tests/test_limits.py`` walks every OpenAPI document and fails on a
request string without ``maxLength``, an enum, a format or a pattern.

Dates, date-times and numbers (issue 25 S15): every one a client sends — body field, query or path
parameter — has a range the databases and Python's date arithmetic hold; out of range is a 422 naming the
field, answered before any query or computation (``tests/security/test_extremes.py`` sends the extremes of
each). Fields with tighter bounds of their own keep them on top of these."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Request
from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from shared.problems import invalid

# Codes and identifiers: item codes, USCCs, bureau codes, ids, event types.
Code = Annotated[str, Field(max_length=64)]
# Names, titles, labels.
ShortText = Annotated[str, Field(max_length=200)]
# Descriptions, reasons, notes, paragraphs of a finding.
Text = Annotated[str, Field(max_length=2000)]
# URLs (as browsers and proxies commonly accept).
Url = Annotated[str, Field(max_length=2000)]

# -- dates and date-times ---------------------------------------------------------------------------
# 1900-01-01 .. 2999-12-31: every date the law's time limits count (acts, decisions, due dates, periods)
# lies well inside, and a computation on one — a two- or five-year limitation (第三十六条), a due date in
# working days, a week-long window, a UTC conversion of up to ±24 h — stays far from Python's
# date.min/date.max (0001-01-01, 9999-12-31; one day past them is ``OverflowError: date value out of
# range``, a 500) and inside what SQLite (ISO text) and PostgreSQL (date: 4713 BC..5874897 AD) store.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _day_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("date_out_of_range", "日期须在 {first} 至 {last} 之间",
                                  {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})
    return value


def _instant_in_range(value: datetime) -> datetime:
    # The naive fields are checked before any conversion: 9999-12-31T23:59:59-23:59 is past datetime.max in UTC.
    in_range = FIRST_DAY.year <= value.year <= LAST_DAY.year
    if in_range and value.tzinfo is not None:
        utc = value.astimezone(UTC)
        in_range = FIRST_DAY <= utc.date() <= LAST_DAY
    if not in_range:
        raise PydanticCustomError("datetime_out_of_range", "时间须在 {first} 至 {last} 之间（按协调世界时）",
                                  {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})
    return value


# A calendar date a client sends (1900-01-01..2999-12-31; ``date_out_of_range`` otherwise).
Day = Annotated[date, AfterValidator(_day_in_range)]
# A date-time a client sends whose UTC value lies in the same years (``datetime_out_of_range`` otherwise).
# Fields that need a time zone say so with their own validator, or are ``AwareInstant`` (422 without an offset).
Instant = Annotated[datetime, AfterValidator(_instant_in_range)]
AwareInstant = Annotated[AwareDatetime, AfterValidator(_instant_in_range)]

# -- numbers ----------------------------------------------------------------------------------------
# Integers that reach a database column: SQLite stores 8-byte signed integers (a larger Python int is
# ``OverflowError``), PostgreSQL ``integer`` 4 bytes and ``bigint`` 8 bytes (asyncpg refuses a larger
# argument with ``value out of int32/int64 range``): a 500 either way unless refused here.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]  # versions, indexes, counts (``integer`` columns)
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]  # sequence numbers, log sizes (``bigint`` columns)
# Amounts of money in yuan (fines, revenue, profit; ``Float`` = double precision columns): finite and within
# ±10^13 (十万亿元, above any fine or turnover the cases meet) — a double holds every cent below 2^53/100
# ≈ 9×10^13 exactly, so sums and comparisons of amounts stay exact to the fen. Tighter bounds stay on fields.
MAX_AMOUNT = 1e13
Amount = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
# Multiples of a base amount (e.g. 违法所得一倍以上五倍以下): finite, at most 1000 times — far above any
# multiple a statute names, and a fine computed from one stays an Amount.
Multiple = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


def _nul_at(value: Any, path: str) -> str | None:
    """The dotted path of the first string under ``value`` that holds a NUL character, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        if isinstance(k, str) and "\x00" in k:
            return f"{path}.{k}".lstrip(".")
        found = _nul_at(v, f"{path}.{k}".lstrip("."))
        if found:
            return found
    return None


def check_no_nul(params: list[tuple[str, Any]], body: Any = None) -> None:
    """The 422 of ``reject_nul_characters`` for path and query parameters and a decoded JSON body (also
    ``shared.inprocess``, whose calls are not requests)."""
    for name, value in params:
        if "\x00" in name or "\x00" in str(value):
            raise invalid(name.replace("\x00", "\\0"), "must not contain a NUL character", code="nul_character")
    if body is not None and (field := _nul_at(body, "")) is not None:
        raise invalid(field or "body", "must not contain a NUL character", code="nul_character")


async def reject_nul_characters(request: Request) -> None:
    """A NUL character in a path, query or JSON string is a 422 naming the field: PostgreSQL cannot store
    or compare text holding one (``invalid byte sequence for encoding "UTF8": 0x00``, a 500), SQLite would
    store it; found by the API fuzzing. Installed on every service app (``shared.service.create_app``)."""
    check_no_nul([*request.path_params.items(), *request.query_params.multi_items()])
    form = request.headers.get("content-type", "").startswith(("multipart/", "application/x-www-form-urlencoded"))
    if request.method in ("POST", "PUT", "PATCH") and not form:  # a form's stream is FastAPI's, read once
        raw = await request.body()
        if b"\\u0000" in raw:
            try:
                field = _nul_at(json.loads(raw), "")
            except ValueError:  # not JSON: the body's own validation answers
                return
            if field is not None:
                raise invalid(field or "body", "must not contain a NUL character", code="nul_character")
