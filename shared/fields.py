"""Length limits of the strings clients send (issue 13): every free-text field of a request body is
bounded, so that no request can make the service store or process megabytes of one field. A longer
value is a 422 problem naming the field (pydantic's ``string_too_long``). ``tests/test_limits.py``
walks every OpenAPI document and fails on a request string without ``maxLength``, an enum, a format
or a pattern."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Request
from pydantic import Field

from shared.problems import invalid

# Codes and identifiers: item codes, USCCs, bureau codes, ids, event types.
Code = Annotated[str, Field(max_length=64)]
# Names, titles, labels.
ShortText = Annotated[str, Field(max_length=200)]
# Descriptions, reasons, notes, paragraphs of a finding.
Text = Annotated[str, Field(max_length=2000)]
# URLs (as browsers and proxies commonly accept).
Url = Annotated[str, Field(max_length=2000)]


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


async def reject_nul_characters(request: Request) -> None:
    """A NUL character in a path, query or JSON string is a 422 naming the field: PostgreSQL cannot store
    or compare text holding one (``invalid byte sequence for encoding "UTF8": 0x00``, a 500), SQLite would
    store it; found by the API fuzzing. Installed on every service app (``shared.service.create_app``)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in name or "\x00" in str(value):
            raise invalid(name.replace("\x00", "\\0"), "must not contain a NUL character", code="nul_character")
    if request.method in ("POST", "PUT", "PATCH"):
        raw = await request.body()
        if b"\\u0000" in raw:
            try:
                field = _nul_at(json.loads(raw), "")
            except ValueError:  # not JSON: the body's own validation answers
                return
            if field is not None:
                raise invalid(field or "body", "must not contain a NUL character", code="nul_character")
