"""typed case records: every stored case.records validated against CaseRecords and normalised

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

``Case.records`` is read and written as ``services.cases.case.records.CaseRecords`` (one typed model per
step). The stored JSON keeps its keys; this revision reads every row with the model and stores its
normalised form (the keys a step's model defaults, e.g. a requested hearing's ``held_on: null``, a
follow-up's ``setting: null``). A row the model cannot read stops the migration before anything is
written, naming the case and the field (``case <id>: records.notice.on: …``): fix the row, migrate again.
The downgrade changes nothing (the normalised rows are what the earlier code read).
"""
from typing import Sequence, Union

from alembic import op
from pydantic import ValidationError
import sqlalchemy as sa

from services.cases.case.records import CaseRecords


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

cases = sa.table('cases', sa.column('id', sa.String), sa.column('records', sa.JSON))
SHOWN = 20  # unreadable rows named in the message at most


def _problems(case_id: str, e: ValidationError) -> list[str]:
    return [f"case {case_id}: records.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]


def upgrade() -> None:
    conn = op.get_bind()
    changed: list[tuple[str, dict]] = []
    unreadable: list[str] = []
    for row in conn.execute(sa.select(cases.c.id, cases.c.records).order_by(cases.c.id)):
        try:
            stored = CaseRecords.model_validate(row.records or {}).stored()
        except ValidationError as e:
            unreadable += _problems(row.id, e)
            continue
        if stored != row.records:
            changed.append((row.id, stored))
    if unreadable:
        more = f"\n… and {len(unreadable) - SHOWN} more" if len(unreadable) > SHOWN else ""
        raise RuntimeError("case records the typed model cannot read (nothing was changed; fix these rows and "
                           "migrate again):\n" + "\n".join(unreadable[:SHOWN]) + more)
    for case_id, stored in changed:
        conn.execute(cases.update().where(cases.c.id == case_id).values(records=stored))


def downgrade() -> None:
    pass
