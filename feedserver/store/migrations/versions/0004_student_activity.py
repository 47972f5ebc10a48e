"""student activity: when a student was last active, and when an inactive one is due for deletion

Revision ID: 0004
Revises: 0003

Both columns are nullable, so code of the previous release keeps working on
this schema (rolling upgrades). Students who exist already count as active
from the upgrade on: polls before it were never recorded, so nobody is
warned for inactivity that was never measured.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from feedserver.store.models import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_active_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('deletion_due_at', UTCDateTime(), nullable=True))
    students = sa.table('students', sa.column('last_active_at', UTCDateTime()))
    op.execute(students.update().values(last_active_at=datetime.now(UTC)))


def downgrade() -> None:
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_column('deletion_due_at')
        batch_op.drop_column('last_active_at')
