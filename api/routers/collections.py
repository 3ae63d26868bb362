"""OGC-API-Features-shaped reads of the published layers, scoped by role in the query.

``member_residences`` is personal data: admins and planners get the exact points, every other
role gets the number of members per grid (the grids layer's ``members``), and the points are
never read for them.  Plans, users, history, assignments, secrets and the audit log are not
published here (they have their own endpoints or none).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Request

from api.deps import BBoxDep, CurrentUser, PageDep, StoreDep
from api.errors import NotFoundError
from api.geojson import MEDIA_TYPE, GeoJSONResponse, GeometryCache, feature_texts, page_bytes
from api.schemas import CollectionInfo, Collections, Feature, FeatureCollection, Link
from api.services.users import User
from layers.rows import RowReader
from layers.schemas import SCHEMAS

router = APIRouter(tags=["collections"])

PUBLISHED = ("admin_areas", "units", "grids", "mine_sites", "fire_zones", "checkpoints",
             "member_residences", "roads", "places", "residential_areas", "buildings",
             "barriers", "fire_stations", "offices", "inspections")
EXACT_MEMBERS = frozenset({"admin", "planner"})
_CRS = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
_GEO = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}
_GEO1 = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Feature"}}}}

LayerName = Annotated[str, Path(max_length=64, description="a layer from GET /collections")]
FeatureId = Annotated[str, Path(max_length=200)]


def _source(layer: str, user: User) -> tuple[str, dict[str, Any] | None, list[str] | None]:
    """(layer actually read, where filter, columns kept) for *user* — the scope in the query."""
    if layer not in PUBLISHED:
        msg = f"no collection {layer!r}: GET /collections lists them"
        raise NotFoundError(msg)
    if layer == "member_residences" and user.role not in EXACT_MEMBERS:
        return "grids", None, ["grid_id", "village_id", "code", "members"]
    if layer == "inspections" and user.role == "inspector":
        return layer, {"inspector": user.username}, None
    return layer, None, None


def _geometry_cache(request: Request) -> GeometryCache:
    """The worker's cache of encoded geometries (made on first use, kept on ``app.state``)."""
    cache = getattr(request.app.state, "geometry_cache", None)
    if cache is None:
        cache = request.app.state.geometry_cache = GeometryCache()
    return cache  # type: ignore[no-any-return]


def _link(request: Request, rel: str, **params: Any) -> dict[str, str]:
    url = request.url.include_query_params(**params) if params else request.url
    return {"href": str(url), "rel": rel, "type": MEDIA_TYPE}


@router.get("/collections", response_model=Collections, summary="The published layers")
def collections(request: Request, user: CurrentUser) -> Collections:
    """Every published layer with its item link."""
    base = str(request.base_url).rstrip("/")
    items = []
    for name in PUBLISHED:
        schema = SCHEMAS[name]
        title = f"{schema.title_zh} {name}"
        desc = schema.doc
        if name == "member_residences" and user.role not in EXACT_MEMBERS:
            desc = "Party members counted per grid (exact addresses are not shown to you)."
        items.append(CollectionInfo(id=name, title=title, description=desc, crs=_CRS, links=[
            Link(href=f"{base}/collections/{name}/items", rel="items", type=MEDIA_TYPE)]))
    return Collections(collections=items, links=[Link(href=str(request.url), rel="self",
                                                      type="application/json")])


@router.get("/collections/{layer}/items", response_class=GeoJSONResponse,
            responses={200: _GEO}, summary="Features of a layer (bbox, paging)")
def items(request: Request, layer: LayerName, user: CurrentUser, store: StoreDep,
          bbox: BBoxDep, page: PageDep) -> GeoJSONResponse:
    """A page of features intersecting ``bbox`` as GeoJSON (lon/lat, right-hand rings)."""
    source, where, columns = _source(layer, user)
    rows = cast(RowReader, store).read_rows(source, bbox=bbox, where=where, limit=page.limit,
                                            offset=page.offset, columns=columns)
    links = [_link(request, "self")]
    if page.offset + len(rows.rows) < rows.matched:
        links.append(_link(request, "next", offset=page.offset + len(rows.rows),
                           limit=page.limit))
    if page.offset > 0:
        links.append(_link(request, "prev", offset=max(0, page.offset - page.limit),
                           limit=page.limit))
    return GeoJSONResponse(page_bytes(rows, id_field=SCHEMAS[source].id_field, links=links,
                                      cache=_geometry_cache(request)))


@router.get("/collections/{layer}/items/{feature_id}", response_class=GeoJSONResponse,
            responses={200: _GEO1}, summary="One feature")
def item(layer: LayerName, feature_id: FeatureId, user: CurrentUser,
         store: StoreDep) -> GeoJSONResponse:
    """One feature by id (404 when absent or outside the caller's scope)."""
    source, where, columns = _source(layer, user)
    frame = store.read(source, ids=[feature_id], where=where)
    if frame.empty:
        msg = f"collection {layer!r} has no feature {feature_id!r} that you may read"
        raise NotFoundError(msg)
    if columns is not None:
        frame = frame[[*columns, "geometry"]]
    return GeoJSONResponse(feature_texts(frame, id_field=SCHEMAS[source].id_field)[0])


# Make the GeoJSON models part of the OpenAPI components.
EXTRA_MODELS = (Feature, FeatureCollection)
