"""regions keep their history (status, successor, validity, region_changes); users get a masked,
encrypted phone and the roster import that wrote them last

Revision ID: 3e936deb4feb
Revises: 1f4f6491ab64
Create Date: 2026-12-02 18:11:02.460981

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e936deb4feb'
down_revision = '1f4f6491ab64'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('region_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('old_name', sa.String(length=64), nullable=True),
    sa.Column('new_name', sa.String(length=64), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_region_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_changes_region_id_regions')),
    sa.ForeignKeyConstraint(['successor_id'], ['regions.id'], name=op.f('fk_region_changes_successor_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_changes'))
    )
    with op.batch_alter_table('region_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_changes_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_changes_region_id'), ['region_id'], unique=False)

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_regions_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_regions_successor_id_regions'), 'regions', ['successor_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_enc', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('phone_mask', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_batch_id'), ['batch_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_batch_id'))
        batch_op.drop_column('batch_id')
        batch_op.drop_column('phone_mask')
        batch_op.drop_column('phone_enc')

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_regions_successor_id_regions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_regions_batch_id'))
        batch_op.drop_column('batch_id')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('status')

    with op.batch_alter_table('region_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_changes_region_id'))
        batch_op.drop_index(batch_op.f('ix_region_changes_batch_id'))

    op.drop_table('region_changes')

