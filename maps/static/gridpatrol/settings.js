/* The page's settings: the JSON block Python writes (<script id="gridpatrol-settings">),
 * overridable by window.GRIDPATROL_SETTINGS, and the label table of the page's language
 * (maps/i18n.py, the one table the Python pages use too). */

let current = null;

/** Read (once) and return the settings. */
export function readSettings() {
  const el = document.getElementById('gridpatrol-settings');
  const base = el ? JSON.parse(el.textContent) : {};
  const over = window.GRIDPATROL_SETTINGS || {};
  current = Object.assign({}, base, over);
  return current;
}

/** The settings read by readSettings (read them now if nobody has). */
export function settings() {
  return current || readSettings();
}

/** The label *key* in the page's language ('{name}' placeholders filled from *vars*). */
export function t(key, vars) {
  const labels = settings().labels || {};
  let text = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : key;
  Object.keys(vars || {}).forEach((k) => { text = text.split('{' + k + '}').join(String(vars[k])); });
  return text;
}
