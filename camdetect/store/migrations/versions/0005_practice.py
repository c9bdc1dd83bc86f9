"""practice_items, practice_answers: onboarding practice tasks with known answers (issue 13)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00

Practice lives in its own two tables: its answers never reach the queue, the consensus or an export.
The built-in practice set is inserted by the app at start-up (camdetect.review.practice), not here.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'practice_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('answer', sa.String(length=8), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=True),
        sa.Column('mount', sa.String(length=40), nullable=True),
        sa.Column('x1', sa.Float(), nullable=False),
        sa.Column('y1', sa.Float(), nullable=False),
        sa.Column('x2', sa.Float(), nullable=False),
        sa.Column('y2', sa.Float(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('image', sa.LargeBinary(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_table(
        'practice_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('answer', sa.String(length=8), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=True),
        sa.Column('mount', sa.String(length=40), nullable=True),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['practice_items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'round', 'item_id', name='uq_practice_answers_user_round_item'),
    )
    op.create_index('ix_practice_answers_user_id', 'practice_answers', ['user_id'])
    op.create_index('ix_practice_answers_item_id', 'practice_answers', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_practice_answers_item_id', table_name='practice_answers')
    op.drop_index('ix_practice_answers_user_id', table_name='practice_answers')
    op.drop_table('practice_answers')
    op.drop_table('practice_items')
