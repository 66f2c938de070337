"""The store's connection and engine types, for the domain's signatures: ``booking`` names
them from here and never imports SQLAlchemy itself (the import-linter contract)."""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine

__all__ = ["Connection", "Engine"]
