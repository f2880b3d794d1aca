"""A request's unit of work is committed before its answer leaves the server (``shared.service.DbSession``).

Over a real server (uvicorn, as ``ecocomply serve`` runs), not the in-memory ASGI transport the other tests use:
only a server sends the answer while the handler's dependencies are still to finish. Before the fix, FastAPI
ran the commit after the answer was sent: a client told 201 could read nothing back at once (the load bench's
``unknown_enterprise`` right after its enterprise was registered), and a commit that then failed was a write
the client had been told was done. On both databases.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, select

from services.testing.remote import free_port
from shared.db import make_engine, make_sessionmaker
from shared.problems import install_problem_handlers
from shared.service import DbSession
from shared.testing import postgres as pg_infra

meta = MetaData()
notes = Table("notes", meta, Column("id", Integer, primary_key=True), Column("text", String(50), nullable=False))


@pytest.fixture(params=["sqlite", "postgres"])
async def served(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}"
    else:
        url = await pg_infra.create_database(f"commit_{uuid.uuid4().hex[:10]}")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    sessionmaker = make_sessionmaker(engine)
    refuse = {"commit": False}

    @event.listens_for(sessionmaker.kw["sync_session_class"], "before_commit")
    def _before_commit(_session):  # a commit that fails, as a constraint checked at commit or a lost connection
        if refuse["commit"]:
            raise RuntimeError("the database refused the commit")

    app = FastAPI()
    install_problem_handlers(app)
    app.state.runtime = SimpleNamespace(sessionmaker=sessionmaker)

    @app.post("/notes", status_code=201)
    async def add(body: dict, session: DbSession) -> dict:
        await session.execute(notes.insert().values(text=body["text"]))
        return {"ok": True}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event, for "listening"
        await asyncio.sleep(0.01)

    async def count() -> int:
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(notes))

    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield SimpleNamespace(client=client, count=count, refuse=refuse)
    finally:
        server.should_exit = True
        await task
        await engine.dispose()
        if request.param == "postgres":
            pg_infra.drop_database_later(url)


async def test_a_201_means_the_row_is_already_committed(served):
    for i in range(20):
        r = await served.client.post("/notes", json={"text": f"note {i}"})
        assert r.status_code == 201, r.text
        assert await served.count() == i + 1  # read back by another connection the moment the answer arrives


async def test_a_commit_that_fails_is_not_answered_as_done(served):
    served.refuse["commit"] = True
    r = await served.client.post("/notes", json={"text": "never stored"})
    assert r.status_code == 500, r.text  # not the 201 the client would otherwise have been sent before the commit
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await served.count() == 0
    served.refuse["commit"] = False
    r = await served.client.post("/notes", json={"text": "stored"})
    assert r.status_code == 201 and await served.count() == 1
