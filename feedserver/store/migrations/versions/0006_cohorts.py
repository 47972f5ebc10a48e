"""cohorts: which contributing students count in which course's aggregate view

Revision ID: 0006
Revises: 0005

One row per contributing student and course (`cohort_members`): pending
until k of them are waiting, then sealed into a numbered cohort of exactly
`block_size` students that never takes anyone else (docs/privacy.md). Rows
cascade from `students` and `institutions`. A new table: nothing to rebuild.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cohort_members',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('institution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('canvas_course_id', sa.String(length=64), nullable=False),
        sa.Column('student_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('block', sa.Integer(), nullable=True),
        sa.Column('block_size', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'],
                                name=op.f('fk_cohort_members_institution_id_institutions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'],
                                name=op.f('fk_cohort_members_student_id_students'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_members')),
        sa.UniqueConstraint('institution_id', 'canvas_course_id', 'student_id',
                            name=op.f('uq_cohort_members_institution_id')),
    )
    op.create_index(op.f('ix_cohort_members_student_id'), 'cohort_members', ['student_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cohort_members_student_id'), table_name='cohort_members')
    op.drop_table('cohort_members')
