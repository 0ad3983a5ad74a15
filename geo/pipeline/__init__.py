"""The ingestion side: read a source list, place each record, compare, decide what to publish."""
