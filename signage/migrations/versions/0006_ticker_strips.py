"""ticker strips

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Scrolling renditions made before this revision have no strip; they are re-rendered on
    # their next use (the row has scrolls = true and ticker = null).
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticker', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.drop_column('ticker')
