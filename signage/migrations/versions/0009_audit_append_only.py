"""audit log append-only in the database; index renditions by file hash

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:40:00

The ORM already refuses to change audit entries; these triggers make the database refuse too,
for any client (psql, a script, a bug that bypasses the ORM). One UPDATE stays allowed: the
foreign keys' ON DELETE SET NULL, which clears actor_id or area_id when a user or area is
deleted (the actor's name is kept in `actor`). Everything else, DELETE and TRUNCATE included,
fails with "the audit log is append-only".

renditions.sha256 gets an index: /media looks files up by hash to decide who may read them.
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id AND NEW.ip = OLD.ip
       AND NEW.details::text = OLD.details::text
       AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
       AND (NEW.area_id IS NOT DISTINCT FROM OLD.area_id OR NEW.area_id IS NULL)
    THEN
        RETURN NEW;  -- ON DELETE SET NULL of a deleted user or area
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$
"""

_SQLITE_SAME = """
NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action
AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id AND NEW.ip IS OLD.ip
AND NEW.details IS OLD.details
AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
AND (NEW.area_id IS OLD.area_id OR NEW.area_id IS NULL)
"""


def upgrade() -> None:
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renditions_sha256'), ['sha256'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute(
            'CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log '
            'FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()'
        )
        op.execute(
            'CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log '
            'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()'
        )
    else:
        op.execute(
            'CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log '
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
        op.execute(
            f'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log '
            f'WHEN NOT ({_SQLITE_SAME}) '
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log')
        op.execute('DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log')
        op.execute('DROP FUNCTION IF EXISTS audit_log_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_delete')
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renditions_sha256'))
