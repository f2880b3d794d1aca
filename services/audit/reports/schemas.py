"""Audit report shapes (pydantic) that are declared as response models."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class OfficerRefusals(BaseModel):
    sub: str = Field(description="who attempted (the login id; the officers register names them)")
    bureau: str
    refused: int = Field(description="attempts the decision gate refused: decisions, endings, changes of a decision")
    refused_exemptions: int = Field(description="of them, attempts at an exemption (no_penalty) or a light "
                                                "penalty (lighter, mitigated)")
    last_at: datetime = Field(description="when the last refused attempt was made")


class BureauRefusals(BaseModel):
    bureau: str
    refused: int
    refused_exemptions: int
    officers: int = Field(description="how many officers' attempts were refused")
    last_at: datetime


class RefusalStats(BaseModel):
    """Refused decision attempts (``ecocomply.case.gate_refused.v1``) per officer and per bureau (试点方案 三（十）)."""

    since: date | None
    until: date | None
    bureau: str | None
    officers: list[OfficerRefusals] = Field(description="most refused exemption attempts first")
    bureaus: list[BureauRefusals]
