"""the staff desk's day: targets pause while waiting on the resident, households, canned replies,
staff signatures and how each staff member wants to be told

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("paused_bdays", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("waiting_since_bday", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
    op.create_index("ix_tickets_household_id", "tickets", ["household_id"])
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("signature", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("notify_privately", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("title", name=op.f("uq_canned_replies_title")),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("canned_replies")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("notify_privately")
        batch.drop_column("signature")
    op.drop_index("ix_tickets_household_id", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("household_id")
        batch.drop_column("waiting_since_bday")
        batch.drop_column("paused_bdays")
