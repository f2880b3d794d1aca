"""Length limits of the strings clients send (issue 13): every free-text field of a request body is
bounded, so that no request can make the service store or process megabytes of one field. A longer
value is a 422 problem naming the field (pydantic's ``string_too_long``). ``tests/test_limits.py``
walks every OpenAPI document and fails on a request string without ``maxLength``, an enum, a format
or a pattern."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Codes and identifiers: item codes, USCCs, bureau codes, ids, event types.
Code = Annotated[str, Field(max_length=64)]
# Names, titles, labels.
ShortText = Annotated[str, Field(max_length=200)]
# Descriptions, reasons, notes, paragraphs of a finding.
Text = Annotated[str, Field(max_length=2000)]
# URLs (as browsers and proxies commonly accept).
Url = Annotated[str, Field(max_length=2000)]
