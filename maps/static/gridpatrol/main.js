/* The entry of the page script: builds window.GP, which folium's inline scripts call while the
 * page is parsed (GP.hover, GP.stopMarker …) and at its end (GP.init(map, layers, extra)). */
import { readSettings, settings, t } from './settings.js';
import { wgs84ToGcj02, gcj02ToWgs84, toStorage, toDisplay } from './gcj02.js';
import { hover, countLabel, stopMarker, stopPopup } from './markers.js';
import { request, requests, served } from './api.js';
import { liveLayer } from './live.js';
import { setupLeaderFilter } from './leader.js';
import { drawBasemap, loadBasemapData } from './basemap.js';
import { setupBasemapChoice } from './online.js';
import { metricScale } from './scale.js';
import { localizeControls } from './controls-locale.js';
import { setupEdit } from './planner/edit.js';
import { deviationColour } from './planner/colours.js';

const GP = (window.GP = window.GP || {});
Object.assign(GP, {
  readSettings, t, wgs84ToGcj02, gcj02ToWgs84, toStorage, toDisplay,
  hover, countLabel, stopMarker, stopPopup, request, requests, deviationColour
});

function fitRoute(map, layers) {
  const group = L.featureGroup(['route', 'stops'].filter((k) => layers[k]).map((k) => layers[k]));
  try { map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 16 }); } catch (e) { /* no route */ }
}

function startBasemap(map, s) {
  const ready = loadBasemapData(s.basemapUrl).then((data) => {
    if (!data) return null;
    GP.basemap = drawBasemap(map, data, { lang: s.lang, shift: s.offset === 'gcj02', attribution: t('osm_attribution') });
    return GP.basemap;
  }).then((b) => {
    GP.basemapReady = true;
    document.documentElement.setAttribute('data-gridpatrol-basemap', b ? '1' : 'none');
    return b;
  });
  setupBasemapChoice(map, s, ready);
  return ready;
}

/** Called by the page once its map and layers exist. */
GP.init = function (map, layers, extra) {
  const s = GP.settings = readSettings();
  GP.map = map; GP.layers = layers; GP.extra = extra || {};
  window.gridpatrolMap = map;
  metricScale(map);
  localizeControls(map);
  GP.basemapLoaded = startBasemap(map, s);
  (s.liveLayers || []).forEach((name) => { if (layers[name] && served()) liveLayer(map, layers[name], name); });
  if (s.kind === 'planner') {
    GP.edit = setupEdit(map, layers, GP.extra);
    if (GP.edit) GP.villageEtag = GP.edit.etagOf;
  }
  if (s.kind === 'leader') GP.filterLeader = setupLeaderFilter(map, layers, GP.extra.leaders);
  if (GP.extra.panel) { document.body.classList.add('gp-with-panel'); map.invalidateSize(); }
  if (GP.extra.fit) fitRoute(map, layers);
  const print = document.getElementById('gp-print');
  if (print) print.addEventListener('click', () => window.print());
  GP.ready = true;
  document.documentElement.setAttribute('data-gridpatrol-ready', '1');
  settle(map);
};

/* GP.settled: the map is loaded and no zoom or pan animation (fitBounds) is running. */
function settle(map) {
  function done() {
    if (map._animatingZoom || map._panAnim && map._panAnim._inProgress) { map.once('moveend zoomend', done); return; }
    GP.settled = true;
    document.documentElement.setAttribute('data-gridpatrol-settled', '1');
  }
  map.whenReady(() => requestAnimationFrame(() => setTimeout(done, 0)));  /* after Leaflet's own frame */
}
GP.settingsNow = settings;
GP.label = t;
