/* Leaflet's and its plugins' own texts in the page's language: the zoom buttons, the layer
 * list, the search box (Leaflet.draw has draw-locale.js). */
import { t } from './settings.js';

function label(el, text) {
  if (!el) return;
  el.setAttribute('title', text);
  el.setAttribute('aria-label', text);
}

/** Retitle the map's controls (call once the controls exist). */
export function localizeControls(map) {
  const box = map.getContainer();
  label(box.querySelector('.leaflet-control-zoom-in'), t('zoom_in'));
  label(box.querySelector('.leaflet-control-zoom-out'), t('zoom_out'));
  label(box.querySelector('.leaflet-control-layers-toggle'), t('layers'));
  box.querySelectorAll('.leaflet-control-search').forEach((el) => {
    label(el.querySelector('.search-button'), t('search'));
    label(el.querySelector('.search-cancel'), t('cancel'));
    const tip = el.querySelector('.search-tooltip');
    if (tip) tip.setAttribute('data-empty', t('not_found'));
  });
}
