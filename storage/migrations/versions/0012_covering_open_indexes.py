"""the digest's counts read only the open-ticket indexes: the partial indexes by assignee, by
priority and by intake day carry every column those counts look at (status, intake day,
paused days, priority, service), so a million tickets need no row read for them

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The open statuses as the partial indexes have always spelled them.
OPEN = "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
COLUMNS_NOW = {
    "ix_tickets_open_assignee_id": [
        "assignee_id",
        "created_at",
        "status",
        "created_bday",
        "paused_bdays",
        "priority",
        "service",
    ],
    "ix_tickets_open_created_bday": [
        "created_bday",
        "priority",
        "service",
        "paused_bdays",
        "status",
        "assignee_id",
    ],
    "ix_tickets_open_priority": ["priority", "created_at", "status"],
}
COLUMNS_BEFORE = {
    "ix_tickets_open_assignee_id": ["assignee_id", "created_at"],
    "ix_tickets_open_created_bday": ["created_bday", "priority", "service"],
    "ix_tickets_open_priority": ["priority", "created_at"],
}


def _rebuild(columns: dict[str, list[str]]) -> None:
    """Drops the two partial indexes and creates them with these columns."""
    for name, indexed in columns.items():
        op.drop_index(name, table_name="tickets")
        op.create_index(
            name,
            "tickets",
            indexed,
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def upgrade() -> None:
    """Applies this revision."""
    _rebuild(COLUMNS_NOW)


def downgrade() -> None:
    """Reverts this revision."""
    _rebuild(COLUMNS_BEFORE)
