/* The basemap choice: the offline basemap (always there, the default) and, only when the user
 * turns them on, a county's own raster tiles (MBTiles served by the service), the online
 * Tianditu (天地图, CGCS2000: no shift; the user's key) or Gaode (高德, GCJ-02: the page is
 * re-drawn shifted, so that everything lands where the tiles put it). */
import { control, esc } from './dom.js';
import { served } from './api.js';
import { t } from './settings.js';

const TIANDITU = 'https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0' +
  '&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}';
const STORE_KEY = 'gridpatrol_tianditu_key';

function stored(key) {
  try { return window.localStorage.getItem(key) || ''; } catch (e) { return ''; }
}

function remember(key, value) {
  try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
}

function tianditu(key, lang) {
  const notes = lang === 'en' ? 'eva' : 'cva';
  const opts = { subdomains: '01234567', maxZoom: 19, maxNativeZoom: 18, attribution: '© 天地图' };
  return L.layerGroup([
    L.tileLayer(TIANDITU.replace(/\{layer\}/g, 'vec').replace('{tk}', encodeURIComponent(key)), opts),
    L.tileLayer(TIANDITU.replace(/\{layer\}/g, notes).replace('{tk}', encodeURIComponent(key)), opts)
  ]);
}

function choices(s) {
  const out = [['offline', t('basemap_offline')]];
  if (s.rasterUrl) out.push(['raster', t('basemap_raster')]);
  out.push(['tianditu', t('basemap_tianditu')]);
  if (served() || s.basemap === 'gaode') out.push(['gaode', t('basemap_gaode')]);
  return out;
}

function reloadWith(basemap) {
  const url = new URL(window.location.href);
  if (basemap === 'none') url.searchParams.delete('basemap'); else url.searchParams.set('basemap', basemap);
  window.location.assign(url.toString());
}

/** The basemap control (collapsed: one button) and what each choice does. */
export function setupBasemapChoice(map, s, ready) {
  const now = s.basemap === 'gaode' ? 'gaode' : 'offline';
  const items = choices(s).map((c) => '<label class="gp-choice"><input type="radio" name="gp-basemap" value="' +
    c[0] + '"' + (c[0] === now ? ' checked' : '') + '> ' + esc(c[1]) + '</label>').join('');
  const box = control(map, 'topright',
    '<button type="button" class="gp-btn gp-basemap-toggle" aria-expanded="false" title="' + esc(t('basemap')) + '">' +
    esc(t('basemap')) + '</button><div class="gp-basemap-list" hidden>' + items +
    '<div class="gp-tk" hidden><label>' + esc(t('tianditu_key')) + ' <input type="text" class="gp-tk-input" autocomplete="off" value="' +
    esc(s.tiandituKey || stored(STORE_KEY)) + '"></label><button type="button" class="gp-btn gp-tk-ok">' + esc(t('ok')) + '</button></div>' +
    '<p class="gp-basemap-note">' + esc(t('basemap_online_note')) + '</p></div>', 'gp-basemap-control');
  const list = box.querySelector('.gp-basemap-list'), toggle = box.querySelector('.gp-basemap-toggle');
  toggle.addEventListener('click', () => {
    list.hidden = !list.hidden;
    toggle.setAttribute('aria-expanded', String(!list.hidden));
  });
  let online = null;
  function use(choice) {
    if (online) { map.removeLayer(online); online = null; }
    box.querySelector('.gp-tk').hidden = choice !== 'tianditu';
    if (choice === 'gaode' && s.basemap !== 'gaode') return reloadWith('gaode');
    if (choice !== 'gaode' && s.basemap === 'gaode') return reloadWith('none');
    if (choice === 'raster') online = L.tileLayer(s.rasterUrl, { maxZoom: 19, maxNativeZoom: s.rasterMaxZoom || 18 });
    if (choice === 'tianditu') {
      const key = box.querySelector('.gp-tk-input').value.trim();
      if (!key) return null;
      remember(STORE_KEY, key);
      online = tianditu(key, s.lang);
    }
    if (online) online.addTo(map);
    return null;
  }
  box.querySelectorAll('input[name=gp-basemap]').forEach((el) => el.addEventListener('change', () => use(el.value)));
  box.querySelector('.gp-tk-ok').addEventListener('click', () => use('tianditu'));
  return ready;
}
