"""LINE residents: a channel per resident, LINE users by sealed id, LINE event ids seen

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("residents") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=16), server_default="telegram", nullable=False)
        )
    op.create_table(
        "line_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_users")),
        sa.UniqueConstraint("user_hash", name=op.f("uq_line_users_user_hash")),
    )
    op.create_table(
        "line_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_events")),
        sa.UniqueConstraint("webhook_event_id", name=op.f("uq_line_events_webhook_event_id")),
    )
    op.create_index(op.f("ix_line_events_received_at"), "line_events", ["received_at"])


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_index(op.f("ix_line_events_received_at"), table_name="line_events")
    op.drop_table("line_events")
    op.drop_table("line_users")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("channel")
