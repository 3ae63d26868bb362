/* The offline basemap (maps/vector_basemap.py): the store's own roads, water, forests,
 * built-up areas, rail and place names, drawn on a canvas under every overlay; no tiles, no
 * network.  Three levels of detail switch with the zoom.  Data comes embedded in the page
 * (<script id="gp-basemap-data" type="application/json">) or from settings.basemapUrl, a
 * content-hashed URL the browser caches for good.  The field app can import this module to draw
 * the basemap of its day package. */
import { wgs84ToGcj02 } from './gcj02.js';

const POLYGONS = ['built', 'forest', 'water'];
const WATER = ['ditch', 'stream', 'river', 'rail'];
const ROADS = ['track', 'minor', 'tertiary', 'major', 'motorway'];
const FILL = { built: '#e4dcd2', forest: '#cfe3c1', water: '#a9d2e3' };
/* [colour, casing colour, widths per level] */
const LINE = {
  ditch: ['#a9d2e3', null, [0, 0, 0.8]], stream: ['#94c6de', null, [0, 1, 1.2]],
  river: ['#7db6d8', null, [1.6, 2.4, 3.2]], rail: ['#8c8c8c', null, [1, 1.4, 1.8]],
  track: ['#ffffff', '#cbc3b6', [0, 0, 1.6]], minor: ['#ffffff', '#c6bcae', [0, 1.6, 3]],
  tertiary: ['#fffdf0', '#c7b78f', [1, 2.4, 4]], major: ['#fbe0a0', '#cf9f52', [1.6, 3, 5]],
  motorway: ['#f5b48a', '#c2703f', [2.2, 3.6, 6]]
};

/** [[lat, lng], …] of a delta-encoded part ([x0, y0, dx1, dy1, …] from origin, ×scale). */
export function decodePart(part, origin, scale, shift) {
  const out = new Array(part.length / 2);
  let x = origin[0], y = origin[1];
  for (let i = 0; i < part.length; i += 2) {
    x += part[i]; y += part[i + 1];
    let lon = x / scale, lat = y / scale;
    if (shift) { const g = wgs84ToGcj02(lon, lat); lon = g[0]; lat = g[1]; }
    out[i / 2] = [lat, lon];
  }
  return out;
}

function levelLayers(level, index, renderer, shift) {
  const group = [], o = level.origin, s = level.scale;
  POLYGONS.forEach((cls) => {
    const polys = (level.polygons || {})[cls];
    if (!polys) return;
    const latlngs = polys.map((rings) => rings.map((r) => decodePart(r, o, s, shift)));
    group.push(L.polygon(latlngs, { renderer: renderer, interactive: false, stroke: cls === 'water',
      color: '#8fc3db', weight: 0.6, fillColor: FILL[cls], fillOpacity: 1, smoothFactor: 1.5 }));
  });
  const lines = {};
  WATER.concat(ROADS).forEach((cls) => {
    const parts = (level.lines || {})[cls];
    if (parts) lines[cls] = parts.map((p) => decodePart(p, o, s, shift));
  });
  function add(cls, colour, width, dash) {
    if (!lines[cls] || width <= 0) return;
    group.push(L.polyline(lines[cls], { renderer: renderer, interactive: false, color: colour,
      weight: width, opacity: 1, lineCap: 'round', lineJoin: 'round', dashArray: dash || null, smoothFactor: 1.2 }));
  }
  WATER.forEach((cls) => add(cls, LINE[cls][0], LINE[cls][2][index], cls === 'rail' ? '5 4' : null));
  ROADS.forEach((cls) => { if (LINE[cls][1]) add(cls, LINE[cls][1], LINE[cls][2][index] + 1.6); });
  ROADS.forEach((cls) => add(cls, LINE[cls][0], LINE[cls][2][index]));
  return L.layerGroup(group);
}

function labelText(row, lang) {
  return lang === 'en' ? (row[2] || row[3]) : (row[3] || row[2]);
}

/* Place names: ranked, placed greedily so that none overlaps another. */
function placeLabels(map, state) {
  const lvl = state.level, lang = state.lang;
  state.labels.clearLayers();
  const taken = [];
  state.data.labels.forEach((row) => {
    if (row[5] > lvl) return;
    const text = labelText(row, lang);
    if (!text) return;
    const latlng = state.shift ? wgs84ToGcj02(row[0], row[1]).reverse() : [row[1], row[0]];
    const p = map.latLngToLayerPoint(latlng);
    const size = row[4] === 0 ? 15 : row[4] === 1 ? 13 : 12;
    const wide = /[\u3000-\u9fff]/.test(text) ? 1.05 : 0.6;
    const w = text.length * size * wide + 6, h = size + 6;
    const box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
    if (taken.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) return;
    taken.push(box);
    L.marker(latlng, { pane: 'gp-basemap-labels', interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'gp-place gp-place-' + row[4], html: '', iconSize: [w, h] })
    }).addTo(state.labels).getElement().textContent = text;
  });
}

function levelFor(data, zoom) {
  for (let i = 0; i < data.levels.length; i++) {
    const z = data.levels[i].zoom;
    if (zoom >= z[0] && zoom <= z[1]) return i;
  }
  return data.levels.length - 1;
}

/** Draw *data* (the decoded JSON) under *map*; returns {layer, level(), setVisible(on)}. */
export function drawBasemap(map, data, options) {
  const opts = options || {};
  if (!map.getPane('gp-basemap')) {
    map.createPane('gp-basemap').style.zIndex = 150;
    const lp = map.createPane('gp-basemap-labels');
    lp.style.zIndex = 450; lp.style.pointerEvents = 'none';
  }
  const renderer = L.canvas({ pane: 'gp-basemap', padding: 0.3 });
  const state = { data: data, level: -1, lang: opts.lang || 'zh', shift: !!opts.shift,
    cache: {}, current: null, labels: L.layerGroup().addTo(map), visible: true };
  function update() {
    if (!state.visible || !data.levels || !data.levels.length) return;
    const lvl = levelFor(data, map.getZoom());
    if (lvl !== state.level) {
      if (state.current) map.removeLayer(state.current);
      state.current = state.cache[lvl] || (state.cache[lvl] = levelLayers(data.levels[lvl], lvl, renderer, state.shift));
      state.current.addTo(map);
      state.level = lvl;
    }
    placeLabels(map, state);
  }
  map.on('zoomend', update);
  if (map.attributionControl) map.attributionControl.addAttribution(opts.attribution || '© OpenStreetMap');
  update();
  return {
    level: () => state.level,
    setVisible: (on) => {
      state.visible = on;
      if (!on) { if (state.current) map.removeLayer(state.current); state.current = null; state.level = -1; state.labels.clearLayers(); }
      else update();
    }
  };
}

/** The basemap data of the page: embedded, else fetched from *url*; resolves to null if none. */
export function loadBasemapData(url) {
  const el = document.getElementById('gp-basemap-data');
  if (el) return Promise.resolve(JSON.parse(el.textContent));
  if (!url) return Promise.resolve(null);
  return fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
}
