"""volunteer registry: registered volunteers (sealed profile, consent renewed yearly) and matches

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
# Chained after 0009 when the branches are merged.
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "resident_id",
            sa.Integer(),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("district_key", sa.String(32), nullable=True),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consent_renewed_on", sa.Date(), nullable=False),
        sa.Column("renewal_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_volunteers_resident_id", "volunteers", ["resident_id"])
    op.create_index("ix_volunteers_ticket_id", "volunteers", ["ticket_id"])
    op.create_index("ix_volunteers_status", "volunteers", ["status"])
    op.create_table(
        "volunteer_matches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "volunteer_id",
            sa.Integer(),
            sa.ForeignKey("volunteers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("ticket_id", "volunteer_id", name="uq_volunteer_matches_ticket_id"),
    )
    op.create_index("ix_volunteer_matches_ticket_id", "volunteer_matches", ["ticket_id"])
    op.create_index("ix_volunteer_matches_volunteer_id", "volunteer_matches", ["volunteer_id"])


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_index("ix_volunteer_matches_volunteer_id", table_name="volunteer_matches")
    op.drop_index("ix_volunteer_matches_ticket_id", table_name="volunteer_matches")
    op.drop_table("volunteer_matches")
    op.drop_index("ix_volunteers_status", table_name="volunteers")
    op.drop_index("ix_volunteers_ticket_id", table_name="volunteers")
    op.drop_index("ix_volunteers_resident_id", table_name="volunteers")
    op.drop_table("volunteers")
