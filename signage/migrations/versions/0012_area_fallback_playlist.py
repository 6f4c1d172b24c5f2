"""never blank: an area's fallback playlist; proof of play says why an item aired

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-26 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # What an area's boards play in gaps and past their manifest's horizon (inherited down the
    # tree); a deleted playlist simply stops being the fallback.
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fallback_playlist_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_areas_fallback_playlist_id'), ['fallback_playlist_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_areas_fallback_playlist_id_playlists'), 'playlists', ['fallback_playlist_id'], ['id'], ondelete='SET NULL')
    # fallback_playlist / last_programme for plays no schedule asked for; NULL = scheduled.
    with op.batch_alter_table('play_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('play_records', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_areas_fallback_playlist_id_playlists'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_areas_fallback_playlist_id'))
        batch_op.drop_column('fallback_playlist_id')
