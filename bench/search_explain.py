"""Where a PostgreSQL search's time goes (the profile behind a search MISS of ``bench.checklist``): load
``N`` items into a fresh database as ``bench.checklist`` does, time the product query (``list_guidance_items``)
for each of its 1–4 character queries with the duration of every statement it runs, then
``EXPLAIN (ANALYZE, BUFFERS)`` the slowest statement of the three slowest queries. The database is dropped.

    .venv/bin/python -m bench.search_explain [N]      (default 100000: ~4 minutes of load on 2 cores)
"""

from __future__ import annotations

import asyncio
import sys
import time

from sqlalchemy import event, text

from bench.checklist import QUERIES, _load
from services.checklist.app import spec
from services.checklist.guidance import service
from shared.db import make_engine, make_sessionmaker
from shared.migrations import upgrade
from shared.testing import postgres as pg_infra


async def main(n: int) -> None:
    url = await pg_infra.create_database(f"explain_search_{int(time.time())}")
    engine = make_engine(url)
    stmts: list[tuple[float, str, object]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        stmts.append((time.perf_counter() - conn.info["t0"], statement, parameters))

    try:
        await upgrade(engine, spec.migrations_dir)
        sm = make_sessionmaker(engine)
        t0 = time.perf_counter()
        await _load(sm, n)
        async with engine.connect() as c:
            c = await c.execution_options(isolation_level="AUTOCOMMIT")
            await c.execute(text("VACUUM ANALYZE"))
        print(f"loaded {n} in {time.perf_counter() - t0:.0f} s", flush=True)
        worst: list = []
        async with sm() as s:
            for q in QUERIES[3] + QUERIES[4] + QUERIES[1] + QUERIES[2]:
                times = []
                for _ in range(5):
                    stmts.clear()
                    t = time.perf_counter()
                    items, total, exact = await service.list_guidance_items(s, q=q, size=20)
                    times.append(time.perf_counter() - t)
                times.sort()
                slowest = max(stmts, key=lambda x: x[0])
                print(f"{q}: p50 {times[2]*1000:7.2f} max {times[-1]*1000:7.2f} ms, total {total} exact {exact}, "
                      f"{len(stmts)} statements, slowest {slowest[0]*1000:.2f} ms: {' '.join(slowest[1].split())[:160]}",
                      flush=True)
                worst.append((times[2], q, slowest))
        worst.sort(reverse=True)
        async with engine.connect() as c:
            for _, q, (_, sql, params) in worst[:3]:
                print(f"\n=== EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of {q!r}")
                rows = (await c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)).all()
                print("\n".join(r[0] for r in rows))
    finally:
        await engine.dispose()
        await pg_infra.drop_database(url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
