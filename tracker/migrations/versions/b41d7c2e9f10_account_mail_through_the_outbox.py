"""account mail through the outbox: invitation and password-reset messages

Revision ID: b41d7c2e9f10
Revises: 8a3e1fac019d
Create Date: 2026-12-02 03:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b41d7c2e9f10'
down_revision = '8a3e1fac019d'
branch_labels = None
depends_on = None

BEFORE = ("'digest', 'overdue_notice', 'weekly_summary', 'observation', 'follow_digest'")
AFTER = BEFORE + ", 'invitation', 'password_reset'"


def _kinds(values: str) -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_message_message_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_message_message_kind'),
                                         f"kind IN ({values})")


def upgrade():
    _kinds(AFTER)


def downgrade():
    # Account mail queued since is dropped with the kinds: its links expire within 7 days.
    op.execute("DELETE FROM outbox_message WHERE kind IN ('invitation', 'password_reset')")
    _kinds(BEFORE)
