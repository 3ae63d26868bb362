/* WGS 84 <-> GCJ-02 (the Gaode offset), the same formula as gis/crs.py, and the two helpers
 * that move GeoJSON between what the service stores (WGS 84) and what the map draws. */
import { settings } from './settings.js';

const A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

function outOfChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function delta(lon, lat) {
  const x = lon - 105.0, y = lat - 35.0, sx = Math.sqrt(Math.abs(x));
  let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx;
  dlat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
  dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx;
  dlon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
  dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  const rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
  const sm = Math.sqrt(magic);
  dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sm) * PI);
  dlon = (dlon * 180.0) / (A / sm * Math.cos(rad) * PI);
  return [dlon, dlat];
}

/** [lon, lat] WGS 84 -> GCJ-02 (unchanged outside China). */
export function wgs84ToGcj02(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  const d = delta(lon, lat);
  return [lon + d[0], lat + d[1]];
}

/** [lon, lat] GCJ-02 -> WGS 84 (iterative inverse, to 1e-11 degrees). */
export function gcj02ToWgs84(lon, lat) {
  let wlon = lon, wlat = lat;
  for (let i = 0; i < 30; i++) {
    const f = wgs84ToGcj02(wlon, wlat), elon = f[0] - lon, elat = f[1] - lat;
    wlon -= elon; wlat -= elat;
    if (Math.abs(elon) < 1e-11 && Math.abs(elat) < 1e-11) break;
  }
  return [wlon, wlat];
}

function mapCoords(c, fn) {
  if (typeof c[0] === 'number') {
    const r = fn(c[0], c[1]);
    return [Math.round(r[0] * 1e7) / 1e7, Math.round(r[1] * 1e7) / 1e7];
  }
  return c.map((x) => mapCoords(x, fn));
}

function mapGeometry(g, fn) {
  if (!g) return g;
  if (g.type === 'GeometryCollection') {
    return { type: g.type, geometries: g.geometries.map((x) => mapGeometry(x, fn)) };
  }
  return { type: g.type, coordinates: mapCoords(g.coordinates, fn) };
}

/** Whether the map is drawn in GCJ-02 (the Gaode basemap). */
export function shifted() {
  return settings().offset === 'gcj02';
}

/** A GeoJSON geometry drawn on the map, in WGS 84 (what the service stores). */
export function toStorage(geometry) {
  return shifted() ? mapGeometry(geometry, gcj02ToWgs84) : geometry;
}

/** A WGS 84 GeoJSON geometry in the map's system (GCJ-02 on Gaode). */
export function toDisplay(geometry) {
  return shifted() ? mapGeometry(geometry, wgs84ToGcj02) : geometry;
}

/** Every feature of a WGS 84 FeatureCollection moved into the map's system (in place). */
export function displayCollection(fc) {
  (fc.features || []).forEach((f) => { f.geometry = toDisplay(f.geometry); });
  return fc;
}
