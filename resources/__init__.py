"""Packaged resources (top-level ``resources/`` folder, installed as ``zaitaku_map.resources``)."""
