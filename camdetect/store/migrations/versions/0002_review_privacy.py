"""review privacy: keyed secrets table; forget raw failed-log-in keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 19:10:00

Before 0002 ``login_failures.key`` held the typed username and the client address in plain text.
Those rows only matter for 15 minutes, so the upgrade deletes them; from now on the app writes
keyed hashes (camdetect.review.auth.throttle_key) and deletes rows once they expire.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_secrets',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.execute(sa.text("DELETE FROM login_failures"))


def downgrade() -> None:
    op.drop_table('review_secrets')
