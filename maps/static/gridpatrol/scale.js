/* A metric scale bar (metres and kilometres only), labelled in the page's language. */
import { t } from './settings.js';

/** Add the scale bar to *map* (bottom left); returns the control. */
export function metricScale(map) {
  const scale = L.control.scale({ metric: true, imperial: false, position: 'bottomleft', maxWidth: 120 });
  scale._updateMetric = function (maxMeters) {
    const meters = this._getRoundNum(maxMeters);
    const label = meters < 1000 ? t('scale_m', { n: meters }) : t('scale_km', { n: meters / 1000 });
    this._updateScale(this._mScale, label, meters / maxMeters);
  };
  return scale.addTo(map);
}
