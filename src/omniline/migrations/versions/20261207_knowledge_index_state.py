"""Knowledge index: a generation per tenant and the count of documents per term

Like the index itself these tables are outside the models (`omniline.knowledge.index`):
article_fts_state holds a random value that changes with every change of a tenant's index, so
that caches of search results and of the vocabulary know when they are out of date;
article_fts_terms counts, per tenant, the published articles each index term occurs in (the
vocabulary of typo correction), kept up to date as articles are indexed. Both are filled from
the index as it is.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:35:00
"""

import uuid
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    tenant = "uuid" if postgres else "varchar(36)"
    op.execute(
        f"CREATE TABLE article_fts_state (tenant_id {tenant} PRIMARY KEY,"
        " generation varchar(32) NOT NULL)"
    )
    op.execute(
        f"CREATE TABLE article_fts_terms (tenant_id {tenant} NOT NULL, term text NOT NULL,"
        " documents integer NOT NULL, PRIMARY KEY (tenant_id, term))"
    )
    if postgres:
        op.execute(
            "INSERT INTO article_fts_terms (tenant_id, term, documents) "
            "SELECT tenant_id, term, count(*) FROM article_fts, "
            "unnest(tsvector_to_array(doc)) AS term GROUP BY tenant_id, term"
        )
    else:
        _count_sqlite_terms()
    tenants = op.get_bind().execute(sa.text("SELECT DISTINCT tenant_id FROM article_fts"))
    values = [{"t": row[0], "g": uuid.uuid4().hex} for row in tenants]
    if values:
        op.get_bind().execute(
            sa.text("INSERT INTO article_fts_state (tenant_id, generation) VALUES (:t, :g)"),
            values,
        )


def _count_sqlite_terms() -> None:
    counts: dict[str, Counter[str]] = {}
    rows = op.get_bind().execute(sa.text("SELECT tenant_id, title, body FROM article_fts"))
    for tenant_id, title, body in rows:
        counts.setdefault(tenant_id, Counter()).update(set(f"{title} {body}".split()))
    values = [
        {"t": tenant_id, "term": term, "n": n}
        for tenant_id, terms in counts.items()
        for term, n in terms.items()
    ]
    if values:
        op.get_bind().execute(
            sa.text(
                "INSERT INTO article_fts_terms (tenant_id, term, documents) VALUES (:t, :term, :n)"
            ),
            values,
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS article_fts_terms")
    op.execute("DROP TABLE IF EXISTS article_fts_state")
