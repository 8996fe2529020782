"""Persistence behind the domain's ports: SQLModel tables, repositories and a unit of work."""
