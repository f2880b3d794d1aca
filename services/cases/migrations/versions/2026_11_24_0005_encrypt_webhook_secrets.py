"""encrypt webhook subscription secrets at rest

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Every stored secret becomes a Fernet token under the first key of ECOCOMPLY_SECRETS_KEY (or the
embedded mode's generated key): ``shared.secrets``. The runtime hands its key to the migration
(``context.config.attributes["secret_box"]``); the ``alembic`` command line reads the variable. With
clear secrets stored and no key, the migration refuses and changes nothing.
"""
import os
from typing import Sequence, Union

from alembic import context, op
import sqlalchemy as sa

from shared.secrets import ENV_NAME, SecretBox, parse_keys


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

subscriptions = sa.table('webhook_subscriptions', sa.column('id', sa.String), sa.column('secret', sa.String))


def _box() -> SecretBox | None:
    box = context.config.attributes.get('secret_box')
    if box is None and os.environ.get(ENV_NAME):
        box = SecretBox(parse_keys(os.environ[ENV_NAME]))
    return box


def _rewrite(change) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(subscriptions.c.id, subscriptions.c.secret)).all()
    if not rows:
        return
    box = _box()
    if box is None:
        raise RuntimeError(f'{len(rows)} webhook subscription secret(s) to convert and no key: set {ENV_NAME}')
    for row in rows:
        conn.execute(subscriptions.update().where(subscriptions.c.id == row.id)
                     .values(secret=change(box, row.secret)))


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=200), type_=sa.String(length=500),
                              existing_nullable=False)
    _rewrite(lambda box, clear: box.encrypt(clear))


def downgrade() -> None:
    _rewrite(lambda box, stored: box.decrypt(stored))
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=500), type_=sa.String(length=200),
                              existing_nullable=False)
