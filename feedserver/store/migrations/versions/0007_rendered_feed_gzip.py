"""rendered feed gzip: each rendered feed's gzip bytes, made once when it is rendered

Revision ID: 0007
Revises: 0006

Calendar apps ask for gzip, so a process that has not cached a feed yet (a
first poll after a restart) would otherwise compress it on the spot, which
costs more than the rest of the poll. Nullable: feeds rendered before the
upgrade get theirs at their next render, and are compressed on a poll until
then. A plain ADD COLUMN on both engines: SQLite's batch mode would rebuild
the table and drop its change triggers (0002).
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rendered_feeds', sa.Column('body_gzip', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rendered_feeds', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('body_gzip')
