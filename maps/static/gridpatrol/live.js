/* Layers fetched from the service by bbox as the map moves (units at zoom >= 12). */
import { request } from './api.js';
import { displayCollection, gcj02ToWgs84, shifted } from './gcj02.js';

/** Keep *layer* filled with the features of *collection* in view. */
export function liveLayer(map, layer, collection) {
  let pending = null;
  function load() {
    if (map.getZoom() < 12) { layer.clearLayers(); return; }
    const b = map.getBounds();
    let sw = [b.getWest(), b.getSouth()], ne = [b.getEast(), b.getNorth()];
    if (shifted()) { sw = gcj02ToWgs84(sw[0], sw[1]); ne = gcj02ToWgs84(ne[0], ne[1]); }
    const bbox = [sw[0], sw[1], ne[0], ne[1]].map((v) => v.toFixed(6)).join(',');
    const path = 'collections/' + collection + '/items?limit=10000&bbox=' + bbox;
    const mine = pending = request('GET', path).then((r) => r.json()).then((fc) => {
      if (mine !== pending) return;
      layer.clearLayers();
      layer.addData(displayCollection(fc));
    }).catch(() => { /* the next move retries */ });
  }
  map.on('moveend', load);
  load();
}
