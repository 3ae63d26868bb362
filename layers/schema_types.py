"""The types a layer schema is made of: :class:`Field` and :class:`LayerSchema`.

Kept apart from the tables of layers (:mod:`layers.schemas`, :mod:`layers.field_schemas`) so
that both can build on them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

STORAGE_EPSG = 4326
#: CRSs accepted as the storage CRS without transformation (CGCS2000 = WGS 84 within 1 m).
EQUIVALENT_EPSG = frozenset({4326, 4490})

FieldType = Literal["str", "int", "float", "bool", "datetime", "json", "bytes"]
GeometryType = Literal["Point", "LineString", "MultiPolygon", "None"]


@dataclass(frozen=True)
class Field:
    """One attribute column.

    Parameters
    ----------
    name
        Column name.
    type
        Storage type; ``json`` is stored as text holding a JSON document, ``bytes`` as a
        BLOB (GeoPackage) or ``bytea`` (PostGIS).
    required
        Whether a value must be present on every feature (no nulls).
    doc
        One line for the README and error messages.
    """

    name: str
    type: FieldType
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class LayerSchema:
    """A layer's contract: geometry type, the id field and its attribute fields."""

    name: str
    geometry_type: GeometryType
    id_field: str
    fields: tuple[Field, ...]
    doc: str = ""
    title_zh: str = ""
    #: Personal data: exact geometries only for authorised roles.
    personal: bool = False

    @property
    def is_spatial(self) -> bool:
        """Whether the layer has a geometry column."""
        return self.geometry_type != "None"

    @property
    def field_names(self) -> tuple[str, ...]:
        """Attribute column names, id first."""
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the fields that must be non-null."""
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        """Return the field called *name* (KeyError if absent)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _f(name: str, type_: FieldType, required: bool = False, doc: str = "") -> Field:
    return Field(name, type_, required, doc)
