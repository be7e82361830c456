"""Extra tables added by domain modules while schema version 1 is unreleased.

Append ``CREATE TABLE`` / ``CREATE INDEX`` statements; keep each with a comment naming its owner.
"""

from __future__ import annotations

DDL: list[str] = []
