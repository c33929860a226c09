"""Persistence: SQLAlchemy tables, transactions, and the events table every stream reads from."""
