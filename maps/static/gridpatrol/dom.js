/* Small DOM helpers: escaping and Leaflet controls made of HTML. */

/** *s* escaped for HTML text and attribute values. */
export function esc(s) {
  return String(s === null || s === undefined ? '' : s).replace(/&/g, '&amp;')
    .replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A Leaflet control at *position* holding *html*; returns its container element. */
export function control(map, position, html, cls) {
  const c = L.control({ position: position });
  c.onAdd = function () {
    const d = L.DomUtil.create('div', 'leaflet-bar gp-control ' + (cls || ''));
    d.innerHTML = html;
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  c.addTo(map);
  return c.getContainer();
}
