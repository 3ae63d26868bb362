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

  function request(method, path, body) {
    var s = GP.settings, headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    var token = s.token || (window.sessionStorage && sessionStorage.getItem('gridpatrol_token'));
    if (token) headers.Authorization = 'Bearer ' + token;
    var base = s.apiBase.replace(/\/?$/, '/');
    GP.requests.push({ method: method, path: path, body: body });
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

  /* ---- planner: edit mode ---- */
  function served() {
    return !!GP.settings.apiBase && window.location.protocol !== 'file:';
  }
  function gridOptions(layers) {
    var out = [];
    if (layers.grids) layers.grids.eachLayer(function (l) {
      var p = l.feature.properties;
      out.push('<option value="' + p.grid_id + '">' + (p.code || p.grid_id) + '</option>');
    });
    return out.join('');
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
      '<select id="gp-edit-target">' + gridOptions(layers) + '</select> ' +
      '<button type="button" class="gp-btn" id="gp-edit-move">' + T.edit_move + '</button> ' +
      '<button type="button" class="gp-btn" id="gp-edit-cancel">' + T.cancel + '</button>' +
      '<p id="gp-edit-status" role="status"></p></div>');
    var state = { on: false, selected: {}, units: null, draw: null, drawn: null };
    GP.edit = state;
    var panel = box.querySelector('#gp-edit'), status = box.querySelector('#gp-edit-status');
    function unitStyle(f) {
      return state.selected[f.properties.unit_id]
        ? { color: '#d00', weight: 3, fillColor: '#f33', fillOpacity: 0.35 }
        : { color: '#333', weight: 1, fillOpacity: 0.01, fillColor: '#fff' };
    }
    function enable() {
      state.on = true; panel.hidden = false;
      var data = layers.units ? layers.units.toGeoJSON(7) : { type: 'FeatureCollection', features: [] };
      state.units = L.geoJSON(data, {
        style: unitStyle,
        onEachFeature: function (f, l) {
          l.on('click', function () {
            var id = f.properties.unit_id;
            if (state.selected[id]) delete state.selected[id]; else state.selected[id] = f.properties;
            l.setStyle(unitStyle(f));
          });
        }
      }).addTo(map);
      if (L.Control.Draw) {
        state.draw = new L.Control.Draw({ draw: { polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false, polygon: { allowIntersection: false } }, edit: false });
        map.addControl(state.draw);
      }
    }
    function disable() {
      state.on = false; panel.hidden = true; state.selected = {};
      if (state.units) map.removeLayer(state.units);
      if (state.draw) map.removeControl(state.draw);
      if (state.drawn) map.removeLayer(state.drawn);
      state.units = state.draw = state.drawn = null;
    }
    function send(kind, body) {
      status.textContent = '…';
      return request('POST', GP.settings.editEndpoints[kind], body).then(function (r) {
        status.textContent = r.ok ? T.edit_sent : T.edit_failed + ' (' + r.status + ')';
        window.dispatchEvent(new CustomEvent('gridpatrol:edit', { detail: { kind: kind, body: body, status: r.status } }));
        return r.ok ? r.json().catch(function () { return {}; }) : null;
      }).then(function (res) {
        if (res && res.grids && layers.grids) { layers.grids.clearLayers(); layers.grids.addData(displayCollection(res.grids)); }
      }).catch(function (e) { status.textContent = T.edit_failed + ': ' + e; });
    }
    box.querySelector('#gp-edit-toggle').addEventListener('click', function () { state.on ? disable() : enable(); });
    box.querySelector('#gp-edit-cancel').addEventListener('click', disable);
    box.querySelector('#gp-edit-move').addEventListener('click', function () {
      var target = box.querySelector('#gp-edit-target').value, ids = Object.keys(state.selected);
      if (state.drawn) {
        send('redraw', { grid_id: target, geometry: GP.toStorage(state.drawn.toGeoJSON(7).geometry) });
      } else if (ids.length) {
        var first = state.selected[ids[0]];
        send('move', { unit_ids: ids, target_grid_id: target, village_id: first.village_id });
      }
    });
    map.on('draw:created', function (e) {
      if (state.drawn) map.removeLayer(state.drawn);
      state.drawn = e.layer.addTo(map);
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
