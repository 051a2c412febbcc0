"""staff rows made for an admin id are marked, so they end when the id leaves the admin list

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision; rows an admin id created on first use are marked."""
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("from_admin_list", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Rows made before this revision: the audit log recorded each one ("admin_as_staff").
    op.execute(
        "UPDATE staff SET from_admin_list = TRUE WHERE telegram_user_id IN "
        "(SELECT actor_id FROM audit_log WHERE action = 'admin_as_staff')"
    )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("from_admin_list")
