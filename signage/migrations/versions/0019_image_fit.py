"""pictures: how each fills every display profile (contain, cover, crop), and the legibility
figures of each picture rendition

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # {} = letterboxed everywhere, what every revision written before this one shows.
    with op.batch_alter_table('content_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fit', sa.JSON(), server_default='{}', nullable=False))
    # Renditions made before this revision have none; pictures get theirs when re-rendered.
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legibility', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.drop_column('legibility')
    with op.batch_alter_table('content_revisions', schema=None) as batch_op:
        batch_op.drop_column('fit')
