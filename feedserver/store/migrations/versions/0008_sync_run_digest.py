"""sync run digest: what Canvas answered in a sync, as one hash

Revision ID: 0008
Revises: 0007

A SHA-256 over the bodies of every Canvas response a sync read
(`CanvasClient.responses_digest`, salted with sync/unchanged.py's format
number). The next sync that reads the same bytes after a successful run
has nothing to classify, store or render (sync/unchanged.py). Nullable:
runs of other sources and of older releases have none, and a run without
one is never taken for "unchanged".
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sync_runs', sa.Column('canvas_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('canvas_digest')
