"""which local days the play rollup has read, and whether their raw records were deleted;
play_days by area then day (a province's report reads only its areas' rows); monthly totals

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 07:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'play_rollups',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('rolled_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_table(
        'play_months',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('plays', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month', 'board_id', 'category'),
    )
    op.create_index(op.f('ix_play_months_month'), 'play_months', ['month'])
    op.create_index(op.f('ix_play_months_board_id'), 'play_months', ['board_id'])
    op.create_index(
        'ix_play_months_area_month',
        'play_months',
        ['area_id', 'month'],
        postgresql_include=['category', 'plays', 'seconds', 'board_id'],
    )
    op.create_index(
        'ix_play_days_area_day',
        'play_days',
        ['area_id', 'day'],
        postgresql_include=['category', 'plays', 'seconds', 'board_id', 'item_id'],
    )


def downgrade() -> None:
    op.drop_index('ix_play_days_area_day', table_name='play_days')
    op.drop_table('play_months')
    op.drop_table('play_rollups')
