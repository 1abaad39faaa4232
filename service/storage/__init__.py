"""Persistence: resources, full version history and search-index rows (SQLite or PostgreSQL)."""
