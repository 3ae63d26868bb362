"""Importers: OpenStreetMap extracts, the GEM coal-mine tracker, and generic GIS files."""
