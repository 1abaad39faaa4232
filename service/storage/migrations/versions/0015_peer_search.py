"""A search criterion's index rows of one resource found by (type, id, parameter).

Every criterion is a correlated EXISTS on search_index per candidate resource. With only
(res_type, res_id) and (res_type, param, …) to choose from, SQLite took (res_type, param) and
read every row of that parameter for each candidate: a reference search (`general-practitioner=`
with `_include`) over 200 patients cost 9 ms and grew with the square of the patients. Three
equal columns make SQLite probe the resource's own rows; the new index replaces
ix_search_resource, whose queries use its first two columns.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_search_resource_param", "search_index", ["res_type", "res_id", "param"])
    op.drop_index("ix_search_resource", "search_index")


def downgrade() -> None:
    op.create_index("ix_search_resource", "search_index", ["res_type", "res_id"])
    op.drop_index("ix_search_resource_param", "search_index")
