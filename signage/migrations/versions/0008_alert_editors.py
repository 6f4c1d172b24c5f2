"""alert editors and proposals: who changed an alert's text, so that none of them may confirm
it; a change of a confirmed alert on air waits as a proposal for a new confirmation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('editor_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('proposal', sa.JSON(), nullable=True))
    # Pending alerts edited before this revision: their editors come from the audit log, so
    # that an editor cannot confirm an alert held at upgrade time.
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT a.id, l.actor_id FROM alerts a JOIN audit_log l"
        " ON l.object_type = 'alert' AND l.object_id = CAST(a.id AS VARCHAR(64))"
        " WHERE a.state = 'pending_confirmation' AND l.action = 'alert.update'"
        " AND l.actor_id IS NOT NULL"
    )).all()
    editors: dict[int, list[int]] = {}
    for alert_id, actor_id in rows:
        editors.setdefault(alert_id, [])
        if actor_id not in editors[alert_id]:
            editors[alert_id].append(actor_id)
    alerts = sa.table('alerts', sa.column('id', sa.Integer), sa.column('editor_ids', sa.JSON))
    for alert_id, ids in editors.items():
        bind.execute(alerts.update().where(alerts.c.id == alert_id).values(editor_ids=ids))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('proposal')
        batch_op.drop_column('editor_ids')
