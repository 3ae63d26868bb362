/* GridPatrol map pages: settings, GCJ-02 shifts, hover, edit mode, leader filter, live layers.
 * MIT licence, as the project. No network access except to the page's own service (apiBase).
 */
(function () {
  'use strict';
  var GP = (window.GP = window.GP || {});

  /* ---- settings: the JSON block written by Python, overridable by the serving page ---- */
  GP.readSettings = function () {
    var el = document.getElementById('gridpatrol-settings');
    var base = el ? JSON.parse(el.textContent) : {};
    var over = window.GRIDPATROL_SETTINGS || {};
    var out = {};
    Object.keys(base).forEach(function (k) { out[k] = base[k]; });
    Object.keys(over).forEach(function (k) { out[k] = over[k]; });
    return out;
  };

  /* ---- GCJ-02 (same formula as gis/crs.py) ---- */
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }
  function delta(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, sx = Math.sqrt(Math.abs(x));
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx;
    dlat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx;
    dlon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sm = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sm) * PI);
    dlon = (dlon * 180.0) / (A / sm * Math.cos(rad) * PI);
    return [dlon, dlat];
  }
  GP.wgs84ToGcj02 = function (lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var d = delta(lon, lat);
    return [lon + d[0], lat + d[1]];
  };
  GP.gcj02ToWgs84 = function (lon, lat) {
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 30; i++) {
      var f = GP.wgs84ToGcj02(wlon, wlat), elon = f[0] - lon, elat = f[1] - lat;
      wlon -= elon; wlat -= elat;
      if (Math.abs(elon) < 1e-11 && Math.abs(elat) < 1e-11) break;
    }
    return [wlon, wlat];
  };
  function mapCoords(c, fn) {
    if (typeof c[0] === 'number') {
      var r = fn(c[0], c[1]);
      return [Math.round(r[0] * 1e7) / 1e7, Math.round(r[1] * 1e7) / 1e7];
    }
    return c.map(function (x) { return mapCoords(x, fn); });
  }
  function mapGeometry(g, fn) {
    if (!g) return g;
    if (g.type === 'GeometryCollection') {
      return { type: g.type, geometries: g.geometries.map(function (x) { return mapGeometry(x, fn); }) };
    }
    return { type: g.type, coordinates: mapCoords(g.coordinates, fn) };
  }
  /** A GeoJSON geometry drawn on the map, in WGS 84 (what the service stores). */
  GP.toStorage = function (geometry) {
    return GP.settings.offset === 'gcj02' ? mapGeometry(geometry, GP.gcj02ToWgs84) : geometry;
  };
  /** A WGS 84 GeoJSON geometry in the map's system (GCJ-02 on Gaode). */
  GP.toDisplay = function (geometry) {
    return GP.settings.offset === 'gcj02' ? mapGeometry(geometry, GP.wgs84ToGcj02) : geometry;
  };
  function displayCollection(fc) {
    (fc.features || []).forEach(function (f) { f.geometry = GP.toDisplay(f.geometry); });
    return fc;
  }

  /* ---- hover highlight and point renderers used by the layers ---- */
  GP.hover = function (feature, layer) {
    layer.on('mouseover', function () {
      if (!layer.setStyle) return;
      layer._gpOrig = { weight: layer.options.weight, color: layer.options.color };
      layer.setStyle({ weight: 3, color: '#000' });
      if (layer.bringToFront && !layer.getLatLng) layer.bringToFront();
    });
    layer.on('mouseout', function () {
      if (layer.setStyle && layer._gpOrig) layer.setStyle(layer._gpOrig);
    });
  };
  GP.countLabel = function (feature, latlng) {
    var n = feature.properties.members;
    return L.marker(latlng, {
      interactive: false, keyboard: false,
      icon: L.divIcon({ className: 'gp-count', html: String(n), iconSize: [30, 20], iconAnchor: [15, 10] })
    });
  };
  GP.stopMarker = function (feature, latlng) {
    var p = feature.properties;
    var cls = 'gp-stop' + (p.role === 'start' ? ' gp-stop-start' : p.role === 'end' ? ' gp-stop-end' : '');
    return L.marker(latlng, {
      title: p.label, riseOnHover: true, zIndexOffset: p.role === 'stop' ? 1000 : 0,
      icon: L.divIcon({ className: cls, html: '<span>' + p.label + '</span>', iconSize: [36, 36], iconAnchor: [18, 18] })
    });
  };
  GP.stopPopup = function (feature, layer) {
    if (feature.properties._popup) layer.bindPopup(feature.properties._popup, { maxWidth: 320 });
  };

  function request(method, path, body, extraHeaders) {
    var s = GP.settings, headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    var token = s.token || (window.sessionStorage && sessionStorage.getItem('gridpatrol_token'));
    if (token) headers.Authorization = 'Bearer ' + token;
    var base = s.apiBase.replace(/\/?$/, '/');
    GP.requests.push({ method: method, path: path, body: body, headers: extraHeaders || {} });
    return fetch(base + path.replace(/^\//, ''), {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin'
    });
  }
  GP.requests = [];

  function control(map, position, html, cls) {
    var c = L.control({ position: position });
    c.onAdd = function () {
      var d = L.DomUtil.create('div', 'leaflet-bar gp-control ' + (cls || ''));
      d.innerHTML = html;
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    c.addTo(map);
    return c.getContainer();
  }

  /* ---- live layers: fetched from the service by bbox when served ---- */
  function liveLayer(map, layer, collection) {
    var pending = null;
    function load() {
      if (map.getZoom() < 12) { layer.clearLayers(); return; }
      var b = map.getBounds(), sw = [b.getWest(), b.getSouth()], ne = [b.getEast(), b.getNorth()];
      if (GP.settings.offset === 'gcj02') { sw = GP.gcj02ToWgs84(sw[0], sw[1]); ne = GP.gcj02ToWgs84(ne[0], ne[1]); }
      var bbox = [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(6); }).join(',');
      var path = 'collections/' + collection + '/items?limit=10000&bbox=' + bbox;
      var mine = pending = request('GET', path).then(function (r) { return r.json(); }).then(function (fc) {
        if (mine !== pending) return;
        layer.clearLayers();
        layer.addData(displayCollection(fc));
      }).catch(function (e) { console.warn('gridpatrol: could not load ' + collection, e); });
    }
    map.on('moveend', load);
    load();
  }

  /* ---- planner: edit mode ----
   * Select units (or draw a boundary) and a target grid; the page previews the edit
   * (POST <endpoint>/preview: before/after figures of the touched grids), then commits it on
   * confirmation with If-Match: "<village_id>:<version>" (the version the page drew).  A commit
   * answers with the village's grids, which replace that village's grids only.  412 (someone
   * else changed the village) reloads the village and says so; 422 shows the refusal reason.
   */
  function served() {
    return !!GP.settings.apiBase && window.location.protocol !== 'file:';
  }
  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/&/g, '&amp;')
      .replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function hexRgb(h) { return [1, 3, 5].map(function (i) { return parseInt(h.substr(i, 2), 16); }); }
  /** Fill colour of a workload deviation, as maps/style.py: linear between the legend's stops. */
  GP.deviationColour = function (d) {
    var stops = (GP.extra.deviation || {}).stops;
    if (d === null || d === undefined || !isFinite(d) || !stops || stops.length < 2) return '#bdbdbd';
    var v = Math.max(stops[0][0], Math.min(stops[stops.length - 1][0], Number(d)));
    var i = 1;
    while (i < stops.length - 1 && v > stops[i][0]) i++;
    var a = stops[i - 1], b = stops[i], f = (v - a[0]) / ((b[0] - a[0]) || 1);
    var ca = hexRgb(a[1]), cb = hexRgb(b[1]);
    return '#' + ca.map(function (x, k) {
      var c = Math.round(x + (cb[k] - x) * f);
      return (c < 16 ? '0' : '') + c.toString(16);
    }).join('');
  };
  /** A grid feature from the service (WGS 84, stored columns) made ready to draw. */
  function gridForDisplay(f, names) {
    var p = f.properties = f.properties || {};
    if (p.grid_id === undefined) p.grid_id = f.id;
    if (names[p.village_id] !== undefined) p.village = names[p.village_id];
    if (p.fire_area_m2 !== null && p.fire_area_m2 !== undefined) {
      p.fire_area_ha = Math.round(Number(p.fire_area_m2) / 1000) / 10;
    }
    var d = p.deviation === null || p.deviation === undefined ? null : Number(p.deviation);
    p.deviation_pct = d === null || !isFinite(d) ? null
      : (d < 0 ? '-' : '+') + Math.abs(Math.round(d * 100)) + '%';
    if (p.workload !== null && p.workload !== undefined) p.workload = Math.round(Number(p.workload) * 10) / 10;
    p._c = GP.deviationColour(d);
    f.geometry = GP.toDisplay(f.geometry);
    return f;
  }
  /** [minx, miny, maxx, maxy] of a WGS 84 FeatureCollection, 6 decimals (outward). */
  function bboxOf(fc) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    function walk(c) {
      if (typeof c[0] === 'number') {
        b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
        b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
      } else c.forEach(walk);
    }
    (fc.features || []).forEach(function (f) { if (f.geometry) walk(f.geometry.coordinates); });
    if (!isFinite(b[0])) return null;
    return [Math.floor(b[0] * 1e6) / 1e6, Math.floor(b[1] * 1e6) / 1e6,
      Math.ceil(b[2] * 1e6) / 1e6, Math.ceil(b[3] * 1e6) / 1e6];
  }
  function readResponse(r) {
    return r.json().catch(function () { return {}; }).then(function (d) {
      return { ok: r.ok, status: r.status, data: d || {} };
    });
  }
  function reasonOf(data) {
    var d = data.detail, out = typeof d === 'string' ? d : (d ? JSON.stringify(d) : '');
    (data.errors || []).forEach(function (e) {
      var s = typeof e === 'string' ? e : JSON.stringify(e);
      if (out.indexOf(s) < 0) out += (out ? '; ' : '') + s;
    });
    return out;
  }

  function setupEdit(map, layers) {
    var T = GP.settings.labels;
    if (!served()) {
      control(map, 'topright', '<span class="gp-readonly">' + T.edit_readonly + '</span>');
      return;
    }
    var box = control(map, 'topright',
      '<button type="button" class="gp-btn" id="gp-edit-toggle">' + T.edit_mode + '</button>' +
      '<div class="gp-edit" id="gp-edit" hidden><p>' + T.edit_select_hint + '<br>' + T.edit_draw_hint + '</p>' +
      '<select id="gp-edit-target"></select> ' +
      '<button type="button" class="gp-btn" id="gp-edit-move">' + T.edit_move + '</button> ' +
      '<button type="button" class="gp-btn" id="gp-edit-cancel">' + T.cancel + '</button>' +
      '<div class="gp-edit-preview" id="gp-edit-preview" hidden><div id="gp-edit-figures"></div>' +
      '<button type="button" class="gp-btn gp-btn-primary" id="gp-edit-confirm">' + T.edit_confirm + '</button> ' +
      '<button type="button" class="gp-btn" id="gp-edit-discard">' + T.edit_discard + '</button></div>' +
      '<p id="gp-edit-status" class="gp-edit-status" role="status" aria-live="polite"></p></div>');
    var state = { on: false, selected: {}, units: null, draw: null, drawn: null, pending: null, versions: {} };
    GP.edit = state;
    var $ = function (id) { return box.querySelector('#' + id); };
    var panel = $('gp-edit'), status = $('gp-edit-status'), target = $('gp-edit-target');

    function say(text, kind) {
      status.textContent = text;
      status.setAttribute('data-state', kind || '');
    }
    function gridProps(id) {
      var out = null;
      if (layers.grids) layers.grids.eachLayer(function (l) {
        if (String(l.feature.properties.grid_id) === String(id)) out = l.feature.properties;
      });
      return out;
    }
    function gridLabel(id) {
      var p = gridProps(id);
      return p ? String(p.code || p.grid_id) : String(id);
    }
    function fillTargets() {
      var keep = target.value, opts = [];
      if (layers.grids) layers.grids.eachLayer(function (l) { opts.push(l.feature.properties); });
      opts.sort(function (a, b) { return String(a.code || a.grid_id).localeCompare(String(b.code || b.grid_id)); });
      target.innerHTML = opts.map(function (p) {
        var name = p.village ? ' · ' + p.village : '';
        return '<option value="' + esc(p.grid_id) + '">' + esc((p.code || p.grid_id) + name) + '</option>';
      }).join('');
      if (keep && gridProps(keep)) target.value = keep;
    }
    /** The village's partition version the page drew (feature properties, then answers). */
    function versionOf(village) {
      if (state.versions[village] !== undefined) return state.versions[village];
      var v = null;
      if (layers.grids) layers.grids.eachLayer(function (l) {
        var p = l.feature.properties;
        if (String(p.village_id) === village && p.version !== null && p.version !== undefined) v = Number(p.version);
      });
      return v;
    }
    function etagOf(village) { return '"' + village + ':' + versionOf(village) + '"'; }
    GP.villageEtag = etagOf;

    function unitStyle(f) {
      return state.selected[f.properties.unit_id]
        ? { color: '#d00', weight: 3, fillColor: '#f33', fillOpacity: 0.35 }
        : { color: '#333', weight: 1, fillOpacity: 0.01, fillColor: '#fff' };
    }
    function restyleUnits() {
      if (state.units) state.units.eachLayer(function (l) { l.setStyle(unitStyle(l.feature)); });
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
      var data = layers.units ? layers.units.toGeoJSON(7) : { type: 'FeatureCollection', features: [] };
      state.units = L.geoJSON(data, {
        style: unitStyle,
        onEachFeature: function (f, l) {
          l.bindTooltip(function () {
            return esc(f.properties.unit_id) + ' → ' + esc(gridLabel(f.properties.grid_id));
          }, { sticky: true, className: 'gp-unit-tip' });
          l.on('click', function () {
            var id = f.properties.unit_id;
            if (state.selected[id]) delete state.selected[id]; else state.selected[id] = f.properties;
            l.setStyle(unitStyle(f));
            hidePreview();
          });
        }
      }).addTo(map);
      if (L.Control.Draw) {
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

    /** Replace the grids of *village* (only) with *fc* (the service's WGS 84 collection). */
    function replaceVillage(village, fc) {
      var g = layers.grids;
      if (!g) return;
      var names = {}, old = [], seen = {};
      g.eachLayer(function (l) {
        var p = l.feature.properties;
        if (p.village !== undefined && p.village !== null) names[p.village_id] = p.village;
        if (String(p.village_id) === village) old.push(l); else seen[L.stamp(l)] = true;
      });
      old.forEach(function (l) { g.removeLayer(l); });
      (fc.features || []).forEach(function (f) { gridForDisplay(f, names); });
      g.addData(fc);
      g.eachLayer(function (l) { if (!seen[L.stamp(l)] && l.bringToBack) l.bringToBack(); });
      var first = (fc.features || [])[0];
      if (first && first.properties.version !== undefined) state.versions[village] = Number(first.properties.version);
      fillTargets();
    }
    /** Re-read the units of *village* (inside *bbox*, WGS 84) and update their grid_id. */
    function refreshUnits(village, bbox) {
      if (!layers.units || !bbox) return Promise.resolve();
      return request('GET', 'collections/units/items?limit=10000&bbox=' + bbox.join(','))
        .then(readResponse).then(function (res) {
          if (!res.ok) return;
          var gridOf = {};
          (res.data.features || []).forEach(function (f) {
            var p = f.properties || {}, id = p.unit_id !== undefined ? p.unit_id : f.id;
            if (String(p.village_id) === village) gridOf[id] = p.grid_id;
          });
          [layers.units, state.units].forEach(function (grp) {
            if (grp) grp.eachLayer(function (l) {
              var p = l.feature.properties;
              if (gridOf[p.unit_id] !== undefined) p.grid_id = gridOf[p.unit_id];
            });
          });
        });
    }
    function apply(village, fc) {
      var bbox = bboxOf(fc);
      replaceVillage(village, fc);
      return refreshUnits(village, bbox);
    }
    /** Someone else changed *village*: reload its grids and units, tell the planner. */
    function conflict(village) {
      hidePreview(); clearSelection();
      say('…', 'busy');
      return request('GET', 'grids/villages/' + encodeURIComponent(village)).then(readResponse)
        .then(function (res) {
          if (!res.ok) return null;
          state.versions[village] = Number(res.data.version);
          return apply(village, res.data.grids || { features: [] });
        }).then(function () {
          say(T.edit_conflict, 'conflict');
          window.dispatchEvent(new CustomEvent('gridpatrol:conflict', { detail: { village: village } }));
        });
    }
    function failed(res, edit) {
      if (res.status === 412) return conflict(edit.village);
      var why = reasonOf(res.data);
      if (res.status === 422) say(T.edit_refused + (why ? ': ' + why : ''), 'refused');
      else say(T.edit_failed + ' (' + res.status + ')' + (why ? ': ' + why : ''), 'error');
      return null;
    }

    /** The edit the panel describes: {kind, body, village}, or a message saying what is missing. */
    function currentEdit() {
      var grid = target.value, gp = gridProps(grid), ids = Object.keys(state.selected);
      if (!gp) return T.edit_nothing;
      var village = String(gp.village_id);
      if (state.drawn) {
        return { kind: 'redraw', village: village,
          body: { grid_id: grid, geometry: GP.toStorage(state.drawn.toGeoJSON(7).geometry) } };
      }
      if (!ids.length) return T.edit_nothing;
      var other = ids.filter(function (id) { return String(state.selected[id].village_id) !== village; });
      if (other.length) return T.edit_one_village;
      return { kind: 'move', village: village, body: { unit_ids: ids, target_grid_id: grid } };
    }
    function endpoint(kind) { return GP.settings.editEndpoints[kind]; }
    function fmt(x, digits) {
      return x === null || x === undefined || !isFinite(x) ? '–' : Number(x).toFixed(digits);
    }
    function pct(x) {
      return x === null || x === undefined || !isFinite(x) ? '–' : (x < 0 ? '' : '+') + Math.round(x * 100) + '%';
    }
    function showPreview(edit, data) {
      var before = data.before || {}, after = data.after || {}, ids = [];
      (data.touched || []).concat(Object.keys(before), Object.keys(after)).forEach(function (id) {
        if (ids.indexOf(id) < 0) ids.push(id);
      });
      var rows = ids.map(function (id) {
        var b = before[id] || {}, a = after[id] || {};
        return '<tr><th>' + esc(gridLabel(id)) + '</th><td>' + fmt(b.units, 0) + ' → ' + fmt(a.units, 0) +
          '</td><td>' + fmt(b.workload, 1) + ' → ' + fmt(a.workload, 1) + '</td><td>' + pct(b.deviation) +
          ' → ' + pct(a.deviation) + '</td></tr>';
      }).join('');
      $('gp-edit-figures').innerHTML = '<table class="gp-figures"><thead><tr><th>' + T.grid_id + '</th><th>' +
        T.edit_units + '</th><th>' + T.workload + '</th><th>' + T.deviation + '</th></tr></thead><tbody>' +
        rows + '</tbody></table><p class="gp-moved">' + T.edit_moved + ': ' + (data.moved || []).length + '</p>';
      state.pending = edit;
      $('gp-edit-preview').hidden = false;
      say(T.edit_check, 'preview');
    }
    function preview() {
      var edit = currentEdit();
      hidePreview();
      if (typeof edit === 'string') { say(edit, 'error'); return Promise.resolve(); }
      say('…', 'busy');
      return request('POST', endpoint(edit.kind) + '/preview', edit.body).then(readResponse).then(function (res) {
        if (!res.ok) return failed(res, edit);
        if (res.data.etag && res.data.etag !== etagOf(edit.village)) return conflict(edit.village);
        showPreview(edit, res.data);
        return null;
      }).catch(function (e) { say(T.edit_failed + ': ' + e, 'error'); });
    }
    function commit() {
      var edit = state.pending;
      if (!edit) return Promise.resolve();
      $('gp-edit-confirm').disabled = true;
      say('…', 'busy');
      return request('POST', endpoint(edit.kind), edit.body, { 'If-Match': etagOf(edit.village) })
        .then(readResponse).then(function (res) {
          window.dispatchEvent(new CustomEvent('gridpatrol:edit', { detail: { kind: edit.kind, body: edit.body, status: res.status } }));
          if (!res.ok) return failed(res, edit);
          hidePreview(); clearSelection();
          if (res.data.version !== undefined) state.versions[edit.village] = Number(res.data.version);
          var done = res.data.grids ? apply(edit.village, res.data.grids) : Promise.resolve();
          return done.then(function () { say(T.edit_sent, 'ok'); });
        }).catch(function (e) { say(T.edit_failed + ': ' + e, 'error'); })
        .then(function () { $('gp-edit-confirm').disabled = false; });
    }
    $('gp-edit-toggle').addEventListener('click', function () { if (state.on) disable(); else enable(); });
    $('gp-edit-cancel').addEventListener('click', disable);
    $('gp-edit-move').addEventListener('click', preview);
    $('gp-edit-confirm').addEventListener('click', commit);
    $('gp-edit-discard').addEventListener('click', function () { hidePreview(); say(''); });
    target.addEventListener('change', hidePreview);
    map.on('draw:created', function (e) {
      if (state.drawn) map.removeLayer(state.drawn);
      state.drawn = e.layer.addTo(map);
      hidePreview();
    });
  }

  /* ---- leader: filter by 包联 assignment ---- */
  function setupLeaderFilter(map, layers, leaders) {
    if (!leaders || !leaders.length) return;
    var T = GP.settings.labels;
    var opts = '<option value="">' + T.all_leaders + '</option>' + leaders.map(function (n) {
      var e = String(n).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
      return '<option value="' + e + '">' + e + '</option>';
    }).join('');
    var box = control(map, 'topright', '<label>' + T.filter_leader + ' <select id="gp-leader">' + opts + '</select></label>');
    box.querySelector('#gp-leader').addEventListener('change', function (ev) { GP.filterLeader(ev.target.value); });
    GP.filterLeader = function (name) {
      ['grids', 'mines', 'fire_zones', 'members'].forEach(function (role) {
        var layer = layers[role];
        if (!layer) return;
        if (!layer._gpAll) layer._gpAll = layer.getLayers();
        layer._gpAll.forEach(function (l) {
          var who = (l.feature && l.feature.properties.leaders) || [];
          var show = !name || who.indexOf(name) >= 0;
          if (show && !layer.hasLayer(l)) layer.addLayer(l);
          if (!show && layer.hasLayer(l)) layer.removeLayer(l);
        });
      });
    };
  }

  GP.init = function (map, layers, extra) {
    GP.settings = GP.readSettings();
    GP.map = map; GP.layers = layers; GP.extra = extra || {};
    window.gridpatrolMap = map;
    (GP.settings.liveLayers || []).forEach(function (name) {
      if (layers[name] && served()) liveLayer(map, layers[name], name);
    });
    if (GP.settings.kind === 'planner') setupEdit(map, layers);
    if (GP.settings.kind === 'leader') setupLeaderFilter(map, layers, GP.extra.leaders);
    if (GP.extra.panel) {
      document.body.classList.add('gp-with-panel');
      map.invalidateSize();
    }
    if (GP.extra.fit) {
      var group = L.featureGroup(['route', 'stops'].filter(function (k) { return layers[k]; })
        .map(function (k) { return layers[k]; }));
      try { map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 16 }); } catch (e) { /* empty */ }
    }
    var print = document.getElementById('gp-print');
    if (print) print.addEventListener('click', function () { window.print(); });
    GP.ready = true;
    document.documentElement.setAttribute('data-gridpatrol-ready', '1');
  };
})();
