/* The planner's edit mode: select units (or draw a boundary) and a target grid; the page
 * previews the edit (POST <endpoint>/preview: before/after figures of the touched grids), then
 * commits it on confirmation with If-Match: "<village_id>:<version>" (the version the page
 * drew).  A commit answers with the village's grids, which replace that village's grids only.
 * 412 (someone else changed the village) reloads the village and says so; 422 shows the
 * refusal, in the user's language. */
import { call, explain, served } from '../api.js';
import { control, esc } from '../dom.js';
import { toStorage } from '../gcj02.js';
import { settings, t } from '../settings.js';
import { localizeDraw } from '../draw-locale.js';
import { bboxOf, gridForDisplay, setStops } from './colours.js';

function fmt(x, digits) {
  return x === null || x === undefined || !isFinite(x) ? '–' : Number(x).toFixed(digits);
}
function pct(x) {
  return x === null || x === undefined || !isFinite(x) ? '–' : (x < 0 ? '' : '+') + Math.round(x * 100) + '%';
}

const PANEL = () => '<button type="button" class="gp-btn" id="gp-edit-toggle">' + esc(t('edit_mode')) + '</button>' +
  '<div class="gp-edit" id="gp-edit" hidden><p>' + esc(t('edit_select_hint')) + '<br>' + esc(t('edit_draw_hint')) + '</p>' +
  '<select id="gp-edit-target"></select> ' +
  '<button type="button" class="gp-btn" id="gp-edit-move">' + esc(t('edit_move')) + '</button> ' +
  '<button type="button" class="gp-btn" id="gp-edit-cancel">' + esc(t('cancel')) + '</button>' +
  '<div class="gp-edit-preview" id="gp-edit-preview" hidden><div id="gp-edit-figures"></div>' +
  '<button type="button" class="gp-btn gp-btn-primary" id="gp-edit-confirm">' + esc(t('edit_confirm')) + '</button> ' +
  '<button type="button" class="gp-btn" id="gp-edit-discard">' + esc(t('edit_discard')) + '</button></div>' +
  '<p id="gp-edit-status" class="gp-edit-status" role="status" aria-live="polite"></p></div>';

/** Set up the edit mode on the planner map; returns its state object (tests read it). */
export function setupEdit(map, layers, extra) {
  setStops((extra.deviation || {}).stops);
  if (!served()) {
    control(map, 'topright', '<span class="gp-readonly">' + esc(t('edit_readonly')) + '</span>');
    return null;
  }
  const box = control(map, 'topright', PANEL());
  const state = { on: false, selected: {}, units: null, draw: null, drawn: null, pending: null, versions: {} };
  const $ = (id) => box.querySelector('#' + id);
  const panel = $('gp-edit'), status = $('gp-edit-status'), target = $('gp-edit-target');

  function say(text, kind) {
    status.textContent = text;
    status.setAttribute('data-state', kind || '');
  }
  function gridProps(id) {
    let out = null;
    if (layers.grids) layers.grids.eachLayer((l) => { if (String(l.feature.properties.grid_id) === String(id)) out = l.feature.properties; });
    return out;
  }
  function gridLabel(id) {
    const p = gridProps(id);
    return p ? String(p.code || p.grid_id) : String(id);
  }
  function fillTargets() {
    const keep = target.value, opts = [];
    if (layers.grids) layers.grids.eachLayer((l) => opts.push(l.feature.properties));
    opts.sort((a, b) => String(a.code || a.grid_id).localeCompare(String(b.code || b.grid_id)));
    target.innerHTML = opts.map((p) => '<option value="' + esc(p.grid_id) + '">' +
      esc((p.code || p.grid_id) + (p.village ? ' · ' + p.village : '')) + '</option>').join('');
    if (keep && gridProps(keep)) target.value = keep;
  }
  function versionOf(village) {
    if (state.versions[village] !== undefined) return state.versions[village];
    let v = null;
    if (layers.grids) layers.grids.eachLayer((l) => {
      const p = l.feature.properties;
      if (String(p.village_id) === village && p.version !== null && p.version !== undefined) v = Number(p.version);
    });
    return v;
  }
  function etagOf(village) { return '"' + village + ':' + versionOf(village) + '"'; }
  state.etagOf = etagOf;

  function unitStyle(f) {
    return state.selected[f.properties.unit_id]
      ? { color: '#d00', weight: 3, fillColor: '#f33', fillOpacity: 0.35 }
      : { color: '#333', weight: 1, fillOpacity: 0.01, fillColor: '#fff' };
  }
  function restyleUnits() {
    if (state.units) state.units.eachLayer((l) => l.setStyle(unitStyle(l.feature)));
  }
  function clearSelection() {
    state.selected = {};
    restyleUnits();
    if (state.drawn) { map.removeLayer(state.drawn); state.drawn = null; }
  }
  function hidePreview() {
    state.pending = null;
    $('gp-edit-preview').hidden = true;
    $('gp-edit-figures').innerHTML = '';
  }
  function enable() {
    state.on = true; panel.hidden = false;
    fillTargets();
    const data = layers.units ? layers.units.toGeoJSON(7) : { type: 'FeatureCollection', features: [] };
    state.units = L.geoJSON(data, {
      style: unitStyle,
      onEachFeature: (f, l) => {
        l.bindTooltip(() => esc(f.properties.unit_id) + ' → ' + esc(gridLabel(f.properties.grid_id)), { sticky: true, className: 'gp-unit-tip' });
        l.on('click', () => {
          const id = f.properties.unit_id;
          if (state.selected[id]) delete state.selected[id]; else state.selected[id] = f.properties;
          l.setStyle(unitStyle(f));
          hidePreview();
        });
      }
    }).addTo(map);
    if (L.Control.Draw) {
      localizeDraw();
      state.draw = new L.Control.Draw({ draw: { polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false, polygon: { allowIntersection: false } }, edit: false });
      map.addControl(state.draw);
    }
  }
  function disable() {
    clearSelection(); hidePreview();
    state.on = false; panel.hidden = true;
    if (state.units) map.removeLayer(state.units);
    if (state.draw) map.removeControl(state.draw);
    state.units = state.draw = null;
    say('');
  }
  function replaceVillage(village, fc) {
    const g = layers.grids;
    if (!g) return;
    const names = {}, old = [], seen = {};
    g.eachLayer((l) => {
      const p = l.feature.properties;
      if (p.village !== undefined && p.village !== null) names[p.village_id] = p.village;
      if (String(p.village_id) === village) old.push(l); else seen[L.stamp(l)] = true;
    });
    old.forEach((l) => g.removeLayer(l));
    (fc.features || []).forEach((f) => gridForDisplay(f, names));
    g.addData(fc);
    g.eachLayer((l) => { if (!seen[L.stamp(l)] && l.bringToBack) l.bringToBack(); });
    const first = (fc.features || [])[0];
    if (first && first.properties.version !== undefined) state.versions[village] = Number(first.properties.version);
    fillTargets();
  }
  function refreshUnits(village, bbox) {
    if (!layers.units || !bbox) return Promise.resolve();
    return call('GET', 'collections/units/items?limit=10000&bbox=' + bbox.join(',')).then((res) => {
      if (!res.ok) return;
      const gridOf = {};
      (res.data.features || []).forEach((f) => {
        const p = f.properties || {}, id = p.unit_id !== undefined ? p.unit_id : f.id;
        if (String(p.village_id) === village) gridOf[id] = p.grid_id;
      });
      [layers.units, state.units].forEach((grp) => {
        if (grp) grp.eachLayer((l) => {
          const p = l.feature.properties;
          if (gridOf[p.unit_id] !== undefined) p.grid_id = gridOf[p.unit_id];
        });
      });
    });
  }
  function apply(village, fc) {
    const bbox = bboxOf(fc);
    replaceVillage(village, fc);
    return refreshUnits(village, bbox);
  }
  function conflict(village) {
    hidePreview(); clearSelection();
    say('…', 'busy');
    return call('GET', 'grids/villages/' + encodeURIComponent(village)).then((res) => {
      if (!res.ok) return null;
      state.versions[village] = Number(res.data.version);
      return apply(village, res.data.grids || { features: [] });
    }).then(() => {
      say(t('edit_conflict'), 'conflict');
      window.dispatchEvent(new CustomEvent('gridpatrol:conflict', { detail: { village: village } }));
    });
  }
  function failed(res, edit) {
    if (res.status === 412) return conflict(edit.village);
    say(explain(res, 'grid'), res.status === 422 ? 'refused' : 'error');
    return null;
  }
  function currentEdit() {
    const grid = target.value, gp = gridProps(grid), ids = Object.keys(state.selected);
    if (!gp) return t('edit_nothing');
    const village = String(gp.village_id);
    if (state.drawn) {
      return { kind: 'redraw', village: village, body: { grid_id: grid, geometry: toStorage(state.drawn.toGeoJSON(7).geometry) } };
    }
    if (!ids.length) return t('edit_nothing');
    if (ids.some((id) => String(state.selected[id].village_id) !== village)) return t('edit_one_village');
    return { kind: 'move', village: village, body: { unit_ids: ids, target_grid_id: grid } };
  }
  function endpoint(kind) { return settings().editEndpoints[kind]; }
  function showPreview(edit, data) {
    const before = data.before || {}, after = data.after || {}, ids = [];
    (data.touched || []).concat(Object.keys(before), Object.keys(after)).forEach((id) => { if (ids.indexOf(id) < 0) ids.push(id); });
    const rows = ids.map((id) => {
      const b = before[id] || {}, a = after[id] || {};
      return '<tr><th>' + esc(gridLabel(id)) + '</th><td>' + fmt(b.units, 0) + ' → ' + fmt(a.units, 0) +
        '</td><td>' + fmt(b.workload, 1) + ' → ' + fmt(a.workload, 1) + '</td><td>' + pct(b.deviation) +
        ' → ' + pct(a.deviation) + '</td></tr>';
    }).join('');
    $('gp-edit-figures').innerHTML = '<table class="gp-figures"><thead><tr><th>' + esc(t('grid_id')) + '</th><th>' +
      esc(t('edit_units')) + '</th><th>' + esc(t('workload')) + '</th><th>' + esc(t('deviation')) + '</th></tr></thead><tbody>' +
      rows + '</tbody></table><p class="gp-moved">' + esc(t('edit_moved')) + ': ' + (data.moved || []).length + '</p>';
    state.pending = edit;
    $('gp-edit-preview').hidden = false;
    say(t('edit_check'), 'preview');
  }
  function preview() {
    const edit = currentEdit();
    hidePreview();
    if (typeof edit === 'string') { say(edit, 'error'); return Promise.resolve(); }
    say('…', 'busy');
    return call('POST', endpoint(edit.kind) + '/preview', edit.body).then((res) => {
      if (!res.ok) return failed(res, edit);
      if (res.data.etag && res.data.etag !== etagOf(edit.village)) return conflict(edit.village);
      showPreview(edit, res.data);
      return null;
    });
  }
  function commit() {
    const edit = state.pending;
    if (!edit) return Promise.resolve();
    $('gp-edit-confirm').disabled = true;
    say('…', 'busy');
    return call('POST', endpoint(edit.kind), edit.body, { 'If-Match': etagOf(edit.village) }).then((res) => {
      window.dispatchEvent(new CustomEvent('gridpatrol:edit', { detail: { kind: edit.kind, body: edit.body, status: res.status } }));
      if (!res.ok) return failed(res, edit);
      hidePreview(); clearSelection();
      if (res.data.version !== undefined) state.versions[edit.village] = Number(res.data.version);
      const done = res.data.grids ? apply(edit.village, res.data.grids) : Promise.resolve();
      return done.then(() => say(t('edit_sent'), 'ok'));
    }).then(() => { $('gp-edit-confirm').disabled = false; });
  }
  $('gp-edit-toggle').addEventListener('click', () => { if (state.on) disable(); else enable(); });
  $('gp-edit-cancel').addEventListener('click', disable);
  $('gp-edit-move').addEventListener('click', preview);
  $('gp-edit-confirm').addEventListener('click', commit);
  $('gp-edit-discard').addEventListener('click', () => { hidePreview(); say(''); });
  target.addEventListener('change', hidePreview);
  map.on('draw:created', (e) => {
    if (state.drawn) map.removeLayer(state.drawn);
    state.drawn = e.layer.addTo(map);
    hidePreview();
  });
  return state;
}
