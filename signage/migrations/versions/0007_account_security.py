"""account security: who created a user, sign-in throttles

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The creating admin may manage a user who holds no role yet; nobody else but
    # installation-wide admins may (issue 10, item 2).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_users_created_by_id_users'),
            'users',
            ['created_by_id'],
            ['id'],
            ondelete='SET NULL',
        )
    # Failed sign-ins per typed username and per client address (growing delays, no lock).
    op.create_table(
        'login_throttles',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles')),
    )


def downgrade() -> None:
    op.drop_table('login_throttles')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
