/* The leader map's filter by 包联 leader. */
import { control, esc } from './dom.js';
import { t } from './settings.js';

/** A select of the leaders over the map; returns filter(name) ('' = all) or null. */
export function setupLeaderFilter(map, layers, leaders) {
  if (!leaders || !leaders.length) return null;
  const opts = '<option value="">' + esc(t('all_leaders')) + '</option>' +
    leaders.map((n) => '<option value="' + esc(n) + '">' + esc(n) + '</option>').join('');
  const box = control(map, 'topright', '<label>' + esc(t('filter_leader')) +
    ' <select id="gp-leader">' + opts + '</select></label>');
  function filter(name) {
    ['grids', 'mines', 'fire_zones', 'members'].forEach((role) => {
      const layer = layers[role];
      if (!layer) return;
      if (!layer._gpAll) layer._gpAll = layer.getLayers();
      layer._gpAll.forEach((l) => {
        const who = (l.feature && l.feature.properties.leaders) || [];
        const show = !name || who.indexOf(name) >= 0;
        if (show && !layer.hasLayer(l)) layer.addLayer(l);
        if (!show && layer.hasLayer(l)) layer.removeLayer(l);
      });
    });
  }
  box.querySelector('#gp-leader').addEventListener('change', (ev) => filter(ev.target.value));
  return filter;
}
