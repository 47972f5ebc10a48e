"""feed ownership: which Canvas feed is provably each student's, and the link-changed notice

Revision ID: 0003
Revises: 0002

`students.canvas_feed_id` names the Canvas calendar feed a student provably
owns (the stand-in id of the pasted URL, or of their profile's
`calendar.ics`), unique per school, so a pasted feed URL and a Canvas sign-in
find the same one row. Feed students get theirs from their stand-in user id;
OAuth students get theirs at their next sign-in. `feed_link_changed_at`
marks a student whose feed URLs were replaced when two rows became one.
Plain ADD COLUMN and a unique index: no table rebuild on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('students', sa.Column('canvas_feed_id', sa.String(length=64), nullable=True))
    op.add_column('students', sa.Column('feed_link_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE students SET canvas_feed_id = canvas_user_id WHERE source = 'canvas_feed'")
    op.create_index('uq_students_canvas_feed_id', 'students', ['canvas_feed_id', 'institution_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_students_canvas_feed_id', table_name='students')
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop `students`, and with it,
    # by cascade, everything the students own.
    op.drop_column('students', 'feed_link_changed_at')
    op.drop_column('students', 'canvas_feed_id')
