"""Knowledge index on PostgreSQL: each term's articles with the term's score in each

article_fts_postings holds, per tenant and index term, every published article the term
occurs in with that term's ts_rank in the article (what the search sums) and the article's
audience. Searches for one term read its best articles straight from an index in score order;
searches for a few terms merge the terms' lists by article. Filled from the index as it is.
SQLite needs none: FTS5 ranks from its own index.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE article_fts_postings (tenant_id uuid NOT NULL, term text NOT NULL,"
        " article_id uuid NOT NULL, audience varchar(16) NOT NULL, weight real NOT NULL,"
        " PRIMARY KEY (tenant_id, term, article_id) INCLUDE (weight, audience))"
    )
    # each lexeme as a tsquery of that one term, quoted as tsquery input is (\ and ' doubled)
    op.execute(
        "INSERT INTO article_fts_postings (tenant_id, term, article_id, audience, weight) "
        "SELECT f.tenant_id, u.lexeme, f.article_id, f.audience, ts_rank(f.doc, ("
        r"'''' || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || ''''"
        ")::tsquery) FROM article_fts AS f, unnest(f.doc) AS u"
    )
    op.execute(
        "CREATE INDEX article_fts_postings_best ON article_fts_postings "
        "(tenant_id, term, weight DESC, article_id) INCLUDE (audience)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS article_fts_postings")
