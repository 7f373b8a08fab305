"""accounts and the audit log's hash chain; the access log moves into the chain

``users``: accounts with their role, area, argon2 hash and lock-out. ``audit_log`` + ``audit_head``: the keyed hash
chain (jiuzhu.audit.chain) that records every access to personal data, every change and every sign-in. The old
``access_log`` rows are moved into the chain, oldest first (each gets the area of its household when the subject
is one), and the table is dropped: the chain is the access log from now on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:40:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Actions of the chain that were never access-log rows (what a downgrade leaves out of access_log).
NOT_ACCESS = ('create', 'change', 'sign_in', 'sign_in_failed', 'sign_in_refused', 'locked_out', 'sign_out', 'user_add', 'user_lock',
              'user_unlock', 'password_set', 'outreach')


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('last_sign_in', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failed_attempts >= 0', name=op.f('ck_users_failed_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_area_code'), ['area_code'], unique=False)

    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_area_code_seq', ['area_code', 'seq'], unique=False)
        batch_op.create_index('ix_audit_log_actor_seq', ['actor', 'seq'], unique=False)
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    _move_access_log()
    op.drop_table('access_log')


def _move_access_log() -> None:
    """The old access log's rows, oldest first, become the chain's first rows (the key is read only if any)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.at, a.actor, a.action, a.subject, a.unmasked, h.area_code FROM access_log a "
        "LEFT JOIN households h ON h.household_no = a.subject ORDER BY a.id")).all()
    if not rows:
        return  # the head is created by the first append
    from jiuzhu import keys
    from jiuzhu.audit import chain

    key = keys.secret("audit")
    prev = chain.GENESIS
    values = []
    for seq, row in enumerate(rows, start=1):
        at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(str(row.at))
        fields = dict(seq=seq, at=at, actor=row.actor, action=row.action, subject=row.subject,
                      area_code=row.area_code, unmasked=bool(row.unmasked), reason=None, detail=None, prev_hash=prev)
        prev = chain.row_hash(key, **fields)
        values.append({**fields, "at": at.replace(tzinfo=at.tzinfo or dt.timezone.utc), "hash": prev})
    log = sa.table('audit_log', *(sa.column(c) for c in (
        'seq', 'at', 'actor', 'action', 'subject', 'area_code', 'unmasked', 'reason', 'detail', 'prev_hash', 'hash')))
    op.bulk_insert(log, values)
    head = sa.table('audit_head', sa.column('id'), sa.column('seq'), sa.column('hash'), sa.column('mac'))
    op.bulk_insert(head, [dict(id=1, seq=len(rows), hash=prev, mac=chain.head_mac(key, len(rows), prev))])


def downgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    op.get_bind().execute(sa.text(
        "INSERT INTO access_log (at, actor, action, subject, unmasked) SELECT at, actor, action, "
        "substr(subject, 1, 200), unmasked FROM audit_log WHERE action NOT IN :actions ORDER BY seq"
    ).bindparams(sa.bindparam("actions", expanding=True)), {"actions": list(NOT_ACCESS)})
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_index('ix_audit_log_actor_seq')
        batch_op.drop_index('ix_audit_log_area_code_seq')
    op.drop_table('audit_log')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_area_code'))
    op.drop_table('users')
