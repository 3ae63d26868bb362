/* Tables and small forms built from data, with every text escaped. */
import { esc } from './dom.js';

/** A <table> of *rows* with *columns* [{key, label, render?(row) -> HTML}] (empty: *none*). */
export function table(rows, columns, none, cls) {
  if (!rows.length) return '<p class="gp-none">' + esc(none) + '</p>';
  const head = columns.map((c) => '<th scope="col">' + esc(c.label) + '</th>').join('');
  const body = rows.map((r) => '<tr>' + columns.map((c) =>
    '<td>' + (c.render ? c.render(r) : esc(r[c.key])) + '</td>').join('') + '</tr>').join('');
  return '<div class="gp-table-wrap"><table class="gp-table ' + (cls || '') + '"><thead><tr>' +
    head + '</tr></thead><tbody>' + body + '</tbody></table></div>';
}

/** <option>s of [value, label] pairs (*selected* marked). */
export function options(pairs, selected) {
  return pairs.map((p) => '<option value="' + esc(p[0]) + '"' + (String(p[0]) === String(selected) ? ' selected' : '') +
    '>' + esc(p[1]) + '</option>').join('');
}

/** A status line element's text and state (ok, error, busy). */
export function say(el, text, state) {
  el.textContent = text;
  el.setAttribute('data-state', state || '');
}
