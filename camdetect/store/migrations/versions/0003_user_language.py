"""users.language: the review app's language a volunteer chose (issue 13, languages)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00

NULL means "not chosen": the app then follows the browser (Accept-Language) or the language cookie.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
