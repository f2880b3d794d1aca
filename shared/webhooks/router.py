"""HTTP adapter of the webhook admin API (role ``admin``): subscriptions, deliveries, redelivery, replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import fields, pagination
from shared.auth import Principal, require_roles
from shared.service import DbSession, RuntimeDep
from shared.webhooks import admin
from shared.webhooks.schemas import (
    DeliveryList,
    DeliveryRead,
    DeliveryStatus,
    ReplayRequest,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionPatch,
    SubscriptionRead,
)
from shared.webhooks.tables import WebhookTables

Admin = Annotated[Principal, require_roles("admin")]


def _allowed(rt) -> str:
    """The networks an admin may point a subscription into although they are not public (a setting)."""
    return rt.settings.webhook_allowed_networks


def webhook_router(tables: WebhookTables, *, prefix: str = "/webhooks", tag: str = "webhooks") -> APIRouter:
    """Admin routes over ``tables``; mount with ``ServiceSpec(routers=[..., webhook_router(tables)])``
    (served under ``/<service>/v1/webhooks/...``)."""
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.post("/subscriptions", status_code=201, response_model=SubscriptionCreated)
    async def create_subscription(body: SubscriptionCreate, user: Admin, session: DbSession, rt: RuntimeDep):
        """Subscribe a receiver. The secret (given, ≥ 16 characters, or generated) is returned only here;
        it is stored encrypted (ECOCOMPLY_SECRETS_KEY)."""
        return await admin.create_subscription(session, tables, user, body, rt.secret_box, now=rt.clock.now(),
                                               allowed=_allowed(rt))

    @router.get("/subscriptions", response_model=SubscriptionList)
    async def list_subscriptions(user: Admin, session: DbSession):
        """Every subscription, without secrets."""
        return await admin.list_subscriptions(session, tables)

    @router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
    async def update_subscription(
        subscription_id: str, body: SubscriptionPatch, user: Admin, session: DbSession, rt: RuntimeDep
    ):
        """Turn a subscription on or off, or change its URL, types, bureaus or description. While it is
        off its pending deliveries wait and no new ones are recorded (replay fills the gap)."""
        return await admin.update_subscription(session, tables, subscription_id, body, now=rt.clock.now(),
                                               allowed=_allowed(rt))

    @router.post("/subscriptions/{subscription_id}/replay", response_model=ReplayResult)
    async def replay(subscription_id: str, body: ReplayRequest, user: Admin, session: DbSession, rt: RuntimeDep):
        """Deliver again every logged event since ``from`` that the subscription covers."""
        return await admin.replay(session, tables, user, subscription_id, body.from_, now=rt.clock.now())

    @router.get("/deliveries", response_model=DeliveryList)
    async def list_deliveries(
        user: Admin,
        session: DbSession,
        status: DeliveryStatus | None = None,
        subscription_id: str | None = None,
        event_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=pagination.MAX_OFFSET)] = 0,
        cursor: Annotated[str | None, Query(max_length=500, description=pagination.CURSOR_DESCRIPTION)] = None,
    ):
        """Deliveries in send order (event time), filtered; ``status=dead`` lists the dead letters."""
        return await admin.list_deliveries(session, tables, status=status, subscription_id=subscription_id,
                                           event_id=event_id, limit=limit, offset=offset, cursor=cursor)

    @router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryRead)
    async def redeliver(delivery_id: fields.Int64, user: Admin, session: DbSession, rt: RuntimeDep):
        """A dead or delivered delivery is sent again (attempts reset; its history kept in ``note``)."""
        return await admin.redeliver(session, tables, user, delivery_id, now=rt.clock.now())

    return router
