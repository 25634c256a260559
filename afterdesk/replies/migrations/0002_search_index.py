"""The knowledge base's full-text index, per database (afterdesk/replies/search.py): an FTS5
table with the trigram tokenizer on SQLite, a GIN index on the 'simple' tsvector of
`search_text` on PostgreSQL (the very expression the search compiles to)."""

from django.db import migrations

FTS = "replies_article_fts"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, tokenize='trigram')"
        )
        schema_editor.execute(
            f"INSERT INTO {FTS} (rowid, search_text) SELECT id, search_text FROM replies_article"
        )
    elif vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex
        from django.contrib.postgres.search import SearchVector

        article = apps.get_model("replies", "Article")
        index = GinIndex(SearchVector("search_text", config="simple"), name="article_search_gin")
        schema_editor.add_index(article, index)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_search_gin")


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
