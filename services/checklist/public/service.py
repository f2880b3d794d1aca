"""The reads behind the public pages that no other group answers (the published benchmarks)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.checklist.models import DiscretionBureauSetting


async def bureau_settings(session: AsyncSession) -> list[DiscretionBureauSetting]:
    """Every bureau's choice of rule set, by bureau."""
    return list(await session.scalars(select(DiscretionBureauSetting).order_by(DiscretionBureauSetting.bureau)))
