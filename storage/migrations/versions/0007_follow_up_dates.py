"""tickets get a follow-up date (/remind), listed in the digest when it comes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
    op.create_index("ix_tickets_follow_up_on", "tickets", ["follow_up_on"])


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_index("ix_tickets_follow_up_on", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("follow_up_on")
