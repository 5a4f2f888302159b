"""The knowledge base: articles, guidelines, search and the self-service portal."""
