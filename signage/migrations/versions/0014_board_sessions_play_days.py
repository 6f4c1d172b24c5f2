"""board connection sessions (uptime) and daily play rollups (reports)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 07:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'board_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_board_sessions_board_started', 'board_sessions', ['board_id', 'started_at'])
    op.create_index(op.f('ix_board_sessions_ended_at'), 'board_sessions', ['ended_at'])
    op.create_table(
        'play_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('plays', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'board_id', 'item_id'),
    )
    op.create_index('ix_play_days_day_area', 'play_days', ['day', 'area_id'])
    op.create_index(op.f('ix_play_days_board_id'), 'play_days', ['board_id'])
    op.create_index(op.f('ix_play_days_item_id'), 'play_days', ['item_id'])


def downgrade() -> None:
    op.drop_table('play_days')
    op.drop_table('board_sessions')
