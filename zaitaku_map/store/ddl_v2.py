"""Tables added in schema version 2: projections and demand, scenarios, 協力医療機関, meeting records.

A version-1 project gets them through the migration 1 → 2 (after its backup, in one transaction); a new
project has them from the start.  Append ``CREATE TABLE`` / ``CREATE INDEX`` statements to :data:`DDL`,
each with a comment naming its owner; a table with a geometry column also goes into
:data:`FEATURE_LAYERS` (so QGIS sees it), a plain table QGIS should list into :data:`ATTRIBUTE_TABLES`.
"""

from __future__ import annotations

DDL: list[str] = []
FEATURE_LAYERS: list[tuple[str, str, str]] = []
ATTRIBUTE_TABLES: list[tuple[str, str]] = []
