"""feed changes: triggers that tell every server process whose feed changed

Revision ID: 0002
Revises: 0001

Every insert, update or delete of a feed token or a rendered feed announces
the student: SQLite appends to `feed_changes`, PostgreSQL sends a NOTIFY on
channel ``feed_changes``. Triggers, not application code, so no write path
can forget: a process that kept a revoked token would serve a feed it must
not (store/feed_changes.py reads both).
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_WATCHED = ("feed_tokens", "rendered_feeds")
#: SQLite keeps this many changes; a process that fell further behind forgets everything instead.
_KEPT = 10_000


def upgrade() -> None:
    op.create_table('feed_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('student_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_changes')),
    sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION announce_feed_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('feed_changes', OLD.student_id::text); END IF;
                IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('feed_changes', NEW.student_id::text); END IF;
                RETURN NULL;
            END $$""")
        for table in _WATCHED:
            op.execute(f"CREATE TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION announce_feed_change()")
        return
    for table in _WATCHED:
        op.execute(f"CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} BEGIN "
                   "INSERT INTO feed_changes (student_id) VALUES (NEW.student_id); END")
        op.execute(f"CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} BEGIN "
                   "INSERT INTO feed_changes (student_id) VALUES (OLD.student_id); "
                   "INSERT INTO feed_changes (student_id) SELECT NEW.student_id WHERE NEW.student_id <> OLD.student_id; "
                   "END")
        op.execute(f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} BEGIN "
                   "INSERT INTO feed_changes (student_id) VALUES (OLD.student_id); END")
    op.execute("CREATE TRIGGER feed_changes_pruned AFTER INSERT ON feed_changes BEGIN "
               f"DELETE FROM feed_changes WHERE id <= NEW.id - {_KEPT}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER {table}_changes ON {table}")
        op.execute("DROP FUNCTION announce_feed_change()")
    else:
        for table in _WATCHED:
            for event in ("inserted", "updated", "deleted"):
                op.execute(f"DROP TRIGGER {table}_{event}")
        op.execute("DROP TRIGGER feed_changes_pruned")
    op.drop_table('feed_changes')
