/* Workload colours (the same scale as maps/style.py) and grid features made ready to draw. */
import { toDisplay } from '../gcj02.js';

let stops = null;

/** Set the deviation scale's [value, colour] stops (handed over by Python). */
export function setStops(s) { stops = s; }

function hexRgb(h) { return [1, 3, 5].map((i) => parseInt(h.substr(i, 2), 16)); }

/** Fill colour of a workload deviation: linear between the legend's stops. */
export function deviationColour(d) {
  if (d === null || d === undefined || !isFinite(d) || !stops || stops.length < 2) return '#bdbdbd';
  const v = Math.max(stops[0][0], Math.min(stops[stops.length - 1][0], Number(d)));
  let i = 1;
  while (i < stops.length - 1 && v > stops[i][0]) i++;
  const a = stops[i - 1], b = stops[i], f = (v - a[0]) / ((b[0] - a[0]) || 1);
  const ca = hexRgb(a[1]), cb = hexRgb(b[1]);
  return '#' + ca.map((x, k) => {
    const c = Math.round(x + (cb[k] - x) * f);
    return (c < 16 ? '0' : '') + c.toString(16);
  }).join('');
}

/** "+12%" of a deviation (null for none). */
export function percent(d) {
  return d === null || d === undefined || !isFinite(d) ? null : (d < 0 ? '-' : '+') + Math.abs(Math.round(d * 100)) + '%';
}

/** A grid feature from the service (WGS 84, stored columns) made ready to draw (in place). */
export function gridForDisplay(f, names) {
  const p = f.properties = f.properties || {};
  if (p.grid_id === undefined) p.grid_id = f.id;
  if (names[p.village_id] !== undefined) p.village = names[p.village_id];
  if (p.fire_area_m2 !== null && p.fire_area_m2 !== undefined) p.fire_area_ha = Math.round(Number(p.fire_area_m2) / 1000) / 10;
  const d = p.deviation === null || p.deviation === undefined ? null : Number(p.deviation);
  p.deviation_pct = percent(d);
  if (p.workload !== null && p.workload !== undefined) p.workload = Math.round(Number(p.workload) * 10) / 10;
  p._c = deviationColour(d);
  f.geometry = toDisplay(f.geometry);
  return f;
}

/** [minx, miny, maxx, maxy] of a WGS 84 FeatureCollection, 6 decimals (outward). */
export function bboxOf(fc) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  function walk(c) {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  }
  (fc.features || []).forEach((f) => { if (f.geometry) walk(f.geometry.coordinates); });
  if (!isFinite(b[0])) return null;
  return [Math.floor(b[0] * 1e6) / 1e6, Math.floor(b[1] * 1e6) / 1e6, Math.ceil(b[2] * 1e6) / 1e6, Math.ceil(b[3] * 1e6) / 1e6];
}
