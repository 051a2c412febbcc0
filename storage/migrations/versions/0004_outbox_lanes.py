"""outbox lanes: crisis alerts, then cards and answers, then relays and card edits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lane", sa.SmallInteger(), server_default="1", nullable=False))
    op.drop_index("ix_outbox_chat_id_status_id", table_name="outbox")
    op.create_index(
        "ix_outbox_chat_id_status_lane_id", "outbox", ["chat_id", "status", "lane", "id"]
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_index("ix_outbox_chat_id_status_lane_id", table_name="outbox")
    op.create_index("ix_outbox_chat_id_status_id", "outbox", ["chat_id", "status", "id"])
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lane")
