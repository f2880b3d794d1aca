"""HTTP shapes of the webhook admin API. A subscription's secret is returned once, by the create
call; no read ever returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import fields

DeliveryStatus = Literal["pending", "delivered", "dead"]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: fields.Url = Field(description="http(s) URL the events are POSTed to")
    event_types: list[fields.ShortText] = Field(
        description="CloudEvents types (``ecocomply.case.decided.v1``) or prefix patterns (``ecocomply.case.*``)"
    )
    bureaus: list[fields.Code] = Field(default_factory=list, description="bureau scope; empty = every bureau")
    secret: fields.ShortText | None = Field(
        default=None, description="shared HMAC secret, ≥ 16 characters; generated (and returned once) when omitted"
    )
    description: fields.Text = ""
    active: bool = True


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: fields.Url | None = None
    event_types: list[fields.ShortText] | None = None
    bureaus: list[fields.Code] | None = None
    description: fields.Text | None = None
    active: bool | None = None


class SubscriptionRead(BaseModel):
    id: str
    url: str
    event_types: list[str]
    bureaus: list[str]
    active: bool
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime | None = None


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="the shared secret — shown only in this response")
    secret_generated: bool


class SubscriptionList(BaseModel):
    items: list[SubscriptionRead]
    total: int


class DeliveryRead(BaseModel):
    id: int
    subscription_id: str
    event_id: str
    event_type: str
    subject: str
    bureau: str | None
    event_time: datetime
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    last_attempt_at: datetime | None
    note: str | None
    created_at: datetime
    queued_at: datetime
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
    total: int
    next: str | None = Field(default=None, description="cursor of the next page (pass as `cursor`); null on the last")


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: fields.AwareInstant = Field(alias="from", description="events whose time is at or after this instant (with offset)")


class ReplayResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    subscription_id: str
    from_: datetime = Field(serialization_alias="from")
    matched: int = Field(description="logged events since `from` that the subscription covers")
    created: int = Field(description="new deliveries (events from before the subscription existed or was active)")
    requeued: int = Field(description="delivered or dead deliveries made pending again")
    already_pending: int
