"""calendar items, all-day assignment dates, source problems

Revision ID: 0005
Revises: 0004

- `calendar_items`: calendar events, to-do items, planner notes and checkpoints
  next to assignments (issue 17);
- `assignments.all_day_date`: the local date of work Canvas says is due all day;
- `students.source_problem` / `source_problem_since`: why the student's source
  (Canvas API or Canvas's feed) last failed, and since when.

Calendar-feed students forget Canvas's ETag and Last-Modified, so their next
sync reads the whole feed again instead of a 304: that adds the events and
the all-day dates the old parser dropped.
"""

import sqlalchemy as sa
from alembic import op

import feedserver.store.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_items',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('student_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('canvas_id', sa.String(length=100), nullable=False),
        sa.Column('context_code', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('html_url', sa.String(length=1000), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=False),
        sa.Column('start_at', feedserver.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('end_at', feedserver.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('all_day_date', sa.Date(), nullable=True),
        sa.Column('canvas_assignment_id', sa.String(length=64), nullable=True),
        sa.Column('points_possible', sa.Float(), nullable=True),
        sa.Column('submission_state', sa.String(length=20), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_at', feedserver.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_modified', feedserver.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_calendar_items_course_id_courses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_calendar_items_student_id_students'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_items')),
        sa.UniqueConstraint('student_id', 'kind', 'canvas_id', name=op.f('uq_calendar_items_student_id')),
    )
    op.create_index(op.f('ix_calendar_items_course_id'), 'calendar_items', ['course_id'], unique=False)
    op.create_index(op.f('ix_calendar_items_student_id'), 'calendar_items', ['student_id'], unique=False)
    # Plain ADD COLUMN on both engines: no table rebuild.
    op.add_column('assignments', sa.Column('all_day_date', sa.Date(), nullable=True))
    op.add_column('students', sa.Column('source_problem', sa.String(length=30), nullable=True))
    op.add_column('students', sa.Column('source_problem_since', feedserver.store.models.UTCDateTime(timezone=True),
                                        nullable=True))
    op.execute("UPDATE students SET canvas_feed_etag = NULL, canvas_feed_last_modified = NULL "
               "WHERE source = 'canvas_feed'")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop `students`, and with it,
    # by cascade, everything the students own.
    op.drop_column('students', 'source_problem_since')
    op.drop_column('students', 'source_problem')
    op.drop_column('assignments', 'all_day_date')
    op.drop_index(op.f('ix_calendar_items_student_id'), table_name='calendar_items')
    op.drop_index(op.f('ix_calendar_items_course_id'), table_name='calendar_items')
    op.drop_table('calendar_items')
