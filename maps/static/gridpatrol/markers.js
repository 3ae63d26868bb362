/* Feature callbacks folium's layers name (GP.hover, GP.countLabel, GP.stopMarker,
 * GP.stopPopup): they run while the page is parsed, so they live in the bundle's first pass. */
import { esc } from './dom.js';

/** Highlight a polygon or line under the pointer. */
export function hover(feature, layer) {
  layer.on('mouseover', () => {
    if (!layer.setStyle) return;
    layer._gpOrig = { weight: layer.options.weight, color: layer.options.color };
    layer.setStyle({ weight: 3, color: '#000' });
    if (layer.bringToFront && !layer.getLatLng) layer.bringToFront();
  });
  layer.on('mouseout', () => {
    if (layer.setStyle && layer._gpOrig) layer.setStyle(layer._gpOrig);
  });
}

/** A party-member count drawn as a small label (never a residence point). */
export function countLabel(feature, latlng) {
  const n = feature.properties.members;
  return L.marker(latlng, {
    interactive: false, keyboard: false,
    icon: L.divIcon({ className: 'gp-count', html: esc(n), iconSize: [30, 20], iconAnchor: [15, 10] })
  });
}

/** A numbered stop of a route (start and end styled apart). */
export function stopMarker(feature, latlng) {
  const p = feature.properties;
  const cls = 'gp-stop' + (p.role === 'start' ? ' gp-stop-start' : p.role === 'end' ? ' gp-stop-end' : '');
  return L.marker(latlng, {
    title: p.label, riseOnHover: true, zIndexOffset: p.role === 'stop' ? 1000 : 0,
    icon: L.divIcon({ className: cls, html: '<span>' + esc(p.label) + '</span>', iconSize: [44, 44], iconAnchor: [22, 22] })
  });
}

/** The stop's popup (HTML built and escaped in Python). */
export function stopPopup(feature, layer) {
  if (feature.properties._popup) {
    layer.bindPopup(feature.properties._popup, { maxWidth: 320, autoPanPaddingTopLeft: [60, 70], autoPanPaddingBottomRight: [60, 40] });
  }
}
