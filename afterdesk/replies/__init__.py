"""Reply templates in the buyer's language, macros and the knowledge base (docs/replies.md)."""
