"""alert reports: each delivery's first send and whether the board was online then; the
deliveries of deleted boards kept

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 07:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # sent_at moves with every resend and with the cancel; the report measures send-to-display
    # from the first send, kept here (deliveries written before this revision: the alert's
    # activation time, when it went on air).
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('online_at_send', sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE alert_deliveries SET first_sent_at = "
        "(SELECT alerts.activated_at FROM alerts WHERE alerts.id = alert_deliveries.alert_id)"
    )
    op.create_index('ix_alerts_sent', 'alerts', ['sent'])
    # Deliveries of a deleted board, copied before the board's rows cascade away.
    op.create_table(
        'alert_deliveries_retired',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('board_code', sa.String(length=64), nullable=False),
        sa.Column('board_name', sa.String(length=200), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('first_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('online_at_send', sa.Boolean(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('displayed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_retired_alert_id_alerts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_alert_deliveries_retired_area_id_areas'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries_retired')),
    )
    op.create_index(op.f('ix_alert_deliveries_retired_alert_id'), 'alert_deliveries_retired', ['alert_id'])
    op.create_index(op.f('ix_alert_deliveries_retired_area_id'), 'alert_deliveries_retired', ['area_id'])


def downgrade() -> None:
    op.drop_table('alert_deliveries_retired')
    op.drop_index('ix_alerts_sent', table_name='alerts')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_column('online_at_send')
        batch_op.drop_column('first_sent_at')
