"""board status: when the board's last socket closed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 22:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A board is offline a short grace time after its last socket closed, not 120 s later.
    with op.batch_alter_table('board_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disconnected_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('board_status', schema=None) as batch_op:
        batch_op.drop_column('disconnected_at')
