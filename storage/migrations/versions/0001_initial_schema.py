"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)

    op.create_table(
        "digest_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_digest_runs")),
    )
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False
        )

    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("screen", sa.String(length=32), nullable=False),
        sa.Column("pending_service", sa.String(length=32), nullable=True),
        sa.Column("pending_message", sa.Text(), nullable=True),
        sa.Column("drafts_started", sa.Integer(), nullable=False),
        sa.Column("consent_version", sa.String(length=32), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_residents_telegram_user_id")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("closed_tickets", sa.Integer(), nullable=False),
        sa.Column("volunteer_registrations", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_runs_ran_at"), ["ran_at"], unique=False)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_staff_telegram_user_id")),
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=32), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_drafts_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_drafts_resident_id")),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("district_key", sa.String(length=32), nullable=True),
        sa.Column("contact_method", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("referred_to", sa.String(length=40), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("resident_unreachable", sa.Boolean(), nullable=False),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("first_action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_bday", sa.Integer(), nullable=False),
        sa.Column("first_action_bday", sa.Integer(), nullable=True),
        sa.Column("resolved_bday", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["staff.id"],
            name=op.f("fk_tickets_assignee_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["staff.id"],
            name=op.f("fk_tickets_entered_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_tickets_resident_id_residents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("reference", name=op.f("uq_tickets_reference")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_district_key"), ["district_key"], unique=False)
        batch_op.create_index(
            "ix_tickets_open_assignee_id",
            ["assignee_id", "created_at"],
            unique=False,
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.create_index(
            "ix_tickets_open_created_at",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.create_index(
            "ix_tickets_open_created_bday",
            ["created_bday", "priority", "service"],
            unique=False,
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.create_index(
            "ix_tickets_open_priority",
            ["priority", "created_at"],
            unique=False,
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.create_index(batch_op.f("ix_tickets_phone_hash"), ["phone_hash"], unique=False)
        batch_op.create_index(
            "ix_tickets_resident_id_status", ["resident_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_service"), ["service"], unique=False)
        batch_op.create_index(
            "ix_tickets_status_created_at", ["status", "created_at"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_outbox_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_chat_id_status_id", ["chat_id", "status", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_chat_id_telegram_message_id",
            ["chat_id", "telegram_message_id"],
            unique=False,
        )
        batch_op.create_index("ix_outbox_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_ticket_id"))
        batch_op.drop_index("ix_outbox_status_id")
        batch_op.drop_index("ix_outbox_chat_id_telegram_message_id")
        batch_op.drop_index("ix_outbox_chat_id_status_id")

    op.drop_table("outbox")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_created_at")
        batch_op.drop_index(batch_op.f("ix_tickets_service"))
        batch_op.drop_index("ix_tickets_resident_id_status")
        batch_op.drop_index(batch_op.f("ix_tickets_phone_hash"))
        batch_op.drop_index(
            "ix_tickets_open_priority",
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.drop_index(
            "ix_tickets_open_created_bday",
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.drop_index(
            "ix_tickets_open_created_at",
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.drop_index(
            "ix_tickets_open_assignee_id",
            sqlite_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
            postgresql_where=sa.text(
                "status IN ('new', 'assigned', 'in_progress', 'waiting', 'referred')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_tickets_district_key"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_assignee_id"))

    op.drop_table("tickets")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_updated_at"))

    op.drop_table("drafts")
    op.drop_table("staff")
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_runs_ran_at"))

    op.drop_table("retention_runs")
    op.drop_table("residents")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_processed_at"))

    op.drop_table("processed_updates")
    op.drop_table("digest_runs")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))

    op.drop_table("audit_log")
