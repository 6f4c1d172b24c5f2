"""display profiles: the height of the banner strip for alerts that do not take over

Revision ID: 0013_banners
Revises: 0010
Create Date: 2026-11-26 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('display_profiles', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('banner_fraction', sa.Float(), nullable=False, server_default='0.25')
        )
    # LCD screens are large: a thinner strip still reads well and hides less of the programme.
    profiles = sa.table('display_profiles', sa.column('key', sa.String), sa.column('banner_fraction', sa.Float))
    op.execute(profiles.update().where(profiles.c.key == 'lcd-1920x1080').values(banner_fraction=0.15))
    op.execute(profiles.update().where(profiles.c.key == 'lcd-1080x1920').values(banner_fraction=0.1))


def downgrade() -> None:
    with op.batch_alter_table('display_profiles', schema=None) as batch_op:
        batch_op.drop_column('banner_fraction')
