"""The browser tests' one way in: the stack's composition root served by uvicorn on a free loopback port,
and Debian's Chromium driven by Playwright against it — the portal's, the workspace's and the dashboard's
tests all start it the same way."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's package (deploy/system-deps.sh installs it)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def served_chromium(stack) -> AsyncIterator[tuple[Browser, str]]:
    """Serve ``stack``'s composition root on 127.0.0.1 and launch headless Chromium; yields the browser and the
    base URL, and closes both (the browser first, then the server) whatever the test does."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(stack.comp.root, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", proxy_headers=False))  # as ecocomply serve
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
            await asyncio.sleep(0.02)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser, f"http://127.0.0.1:{port}"
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await serving
