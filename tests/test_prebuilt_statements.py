"""The shared pipeline's hot paths run prebuilt statements from the compiled cache (issue 28): the outbox
enqueue, the relay's claim and mark, the case load and lock — after a first run, no statement of theirs is
compiled again, whatever the batch size, on both setups. (The inbox check and insert, the credit consumer and
the webhook recorder: tests/credit/test_credit_batch.py, tests/test_webhooks.py.)"""

from __future__ import annotations

import uuid

import pytest

from services.cases.case.service import load_visible
from shared.auth import Principal
from shared.problems import Problem
from shared.testing.statements import compiled_anew, statements

OFFICER = Principal(sub="officer-a", roles=["officer"])


async def test_enqueue_relay_and_case_load_are_compiled_once(stack, decisions):
    rt = stack.runtimes["cases"]
    await rt.relay.stop()  # drained here, in this task

    async def round_of(n: int) -> list:
        with statements(rt.engine) as seen:
            for _ in range(n):
                await decisions.emit()
            assert await rt.relay.drain() == n
            async with rt.sessionmaker() as s, s.begin():
                for lock in (False, True):
                    with pytest.raises(Problem):
                        await load_visible(s, OFFICER, str(uuid.uuid4()), lock=lock)
        return seen

    for n in (1, 3):  # warm: a statement run with several rows is compiled apart from with one
        await round_of(n)
    again = await round_of(1) + await round_of(7)
    assert any(s.startswith("INSERT INTO outbox") for s, _ in again)
    assert any(s.startswith("UPDATE outbox") for s, _ in again)
    assert compiled_anew(again) == []
