"""board sessions: at most one open session per board

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 07:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two processes recording the same board's connect at once must not open two sessions.
    op.create_index(
        'uq_board_sessions_open',
        'board_sessions',
        ['board_id'],
        unique=True,
        sqlite_where=sa.text('ended_at IS NULL'),
        postgresql_where=sa.text('ended_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('uq_board_sessions_open', table_name='board_sessions')
