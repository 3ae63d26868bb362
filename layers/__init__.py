"""Storage: layer schemas, the store protocol and its GeoPackage and PostGIS backends."""
