"""The baseline of ``bench.serve``: the bare FastAPI endpoint doing one INSERT (``bench.baselines.bare_app``),
served by uvicorn over real HTTP exactly as ``ecocomply serve`` is (uvloop, httptools, one process).
``python -m bench.bare_server --port P --db PATH``."""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from bench.baselines import bare_app
from services.cli import _uvicorn_options
from shared.db import make_engine


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", required=True)
    args = p.parse_args()
    engine = make_engine(f"sqlite+aiosqlite:///{args.db}")
    app, meta = bare_app(engine)

    async def create() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(meta.create_all)
        await engine.dispose()

    asyncio.run(create())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, **_uvicorn_options())


if __name__ == "__main__":
    main()
