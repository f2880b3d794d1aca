"""A decided case's events reach the platform's real HTTP receiver, subscribed through the admin API:
signed, in order per case, exactly once by idempotency key although the receiver fails first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.cases.models import webhook_tables
from services.testing.factories import BUREAU, CASES, OTHER_BUREAU, CaseDriver
from tests.cases.helpers import documents_rendered
from tests.platform.conftest import WEBHOOK_SECRET

FAILURES = 3


async def case_events(rt, case_id: str) -> list[str]:
    """Every event the cases service emitted for the case, in emission order."""
    ob = rt.spec.tables.outbox
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(ob.c.event_id, ob.c.envelope).order_by(ob.c.seq))).all()
    return [r.event_id for r in rows if f'"subject":"{case_id}"' in r.envelope.replace(" ", "")]


async def test_decided_case_reaches_a_failing_receiver_once_each_in_order(pstack, receiver):
    d = CaseDriver(pstack, auto_certify=False)
    d.at(2026, 7, 1)
    rt = pstack.runtimes["cases"]
    admin = pstack.auth("admin-1", "admin")
    receiver.fail_next = FAILURES
    r = await d.c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
        "url": receiver.url, "event_types": ["ecocomply.case.*", "ecocomply.credit.*"], "bureaus": [BUREAU],
        "secret": WEBHOOK_SECRET, "description": "江苏省生态环境智慧监管平台"})
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    # A second subscription outside the bureau's scope gets nothing of this case.
    r = await d.c.post(f"{CASES}/webhooks/subscriptions", headers=admin, json={
        "url": receiver.url + "/other", "event_types": ["ecocomply.case.*"], "bureaus": [OTHER_BUREAU],
        "secret": WEBHOOK_SECRET})
    assert r.status_code == 201, r.text
    # Only admins manage subscriptions.
    r = await d.c.post(f"{CASES}/webhooks/subscriptions", headers=d.off, json={
        "url": receiver.url, "event_types": ["ecocomply.case.*"], "secret": WEBHOOK_SECRET})
    assert r.status_code == 403

    await d.register_officers()
    case = await d.penalty_decided()
    cid = case["id"]
    await documents_rendered(pstack)  # the documents' events (issue 24) are written by the worker, after the steps
    emitted = await case_events(rt, cid)
    assert len(emitted) >= 4  # filed, investigation completed, legal review, notice, decided …

    def tick() -> None:  # the back-off runs on the runtime's clock, fixed by the test: let it move on
        rt.clock.set(rt.clock.now() + timedelta(seconds=1))

    async def all_delivered():
        tick()
        await rt.run_job("webhook_delivery")
        got = [e["id"] for e in receiver.stored if e.get("subject") == cid]
        return got if set(emitted) <= set(got) else None

    got = await pstack.wait_for(all_delivered, timeout=90, what="every case event at the receiver")
    assert receiver.rejected == []  # every request carried a valid signature and timestamp
    assert got == emitted  # in order per case, each once
    types = [e["type"] for e in receiver.stored if e.get("subject") == cid]
    assert types[0] == "ecocomply.case.filed.v1" and "ecocomply.case.decided.v1" in types
    failed = [a for a in receiver.arrivals if a.answer == 500]
    assert len(failed) == FAILURES and all(a.key == emitted[0] for a in failed)  # retried, not skipped
    # The failed attempts and the success are recorded on the delivery.
    r = await d.c.get(f"{CASES}/webhooks/deliveries", headers=admin,
                      params={"subscription_id": sub_id, "event_id": emitted[0]})
    first = r.json()["items"][0]
    assert first["status"] == "delivered" and first["attempts"] == FAILURES + 1
    d_t = webhook_tables.deliveries
    async with rt.engine.connect() as conn:
        other = (await conn.execute(select(d_t.c.event_id).where(d_t.c.subscription_id != sub_id,
                                                                d_t.c.subject == cid))).all()
    assert other == []
    # Redelivery on demand sends the same event id again (the receiver de-duplicates by key).
    r = await d.c.post(f"{CASES}/webhooks/deliveries/{first['id']}/redeliver", headers=admin)
    assert r.status_code == 200, r.text

    async def redelivered():
        tick()
        await rt.run_job("webhook_delivery")
        return sum(a.key == emitted[0] and a.answer == 200 for a in receiver.arrivals) == 2

    await pstack.wait_for(redelivered, timeout=30, what="the redelivery")
    assert [e["id"] for e in receiver.stored if e.get("subject") == cid] == emitted
