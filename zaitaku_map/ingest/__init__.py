"""Ingest: bring the official downloads into a project, and say in Japanese what happened.

- :mod:`zaitaku_map.ingest.report` renders every import and geocoding report in Japanese, the same
  lines for the CLI and the GUI (internal keys and Python values are never shown).

The package sits above coverage and below options (it uses the importers, geodata, geocode,
network and demand packages; the CLI and GUI use it).
"""
