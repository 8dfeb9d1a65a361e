"""The database schema: every table (tables.py) and its Alembic migrations."""
