"""The lesson knowledge base: lesson files, ingest into Chroma, hybrid retrieval, retrieval eval."""
