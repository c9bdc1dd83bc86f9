"""users.disabled: a coordinator can disable an account (issue 13, coordinator tools)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00

A disabled account cannot log in and has no sessions; its answers stay. Existing users are enabled.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('disabled')
