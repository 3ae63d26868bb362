/* Administration: what was imported into the store, when, by whom, from which file. */
import { call, explain } from '../api.js';
import { esc } from '../dom.js';
import { t } from '../settings.js';
import { say, table } from '../table.js';

function counts(r) {
  return Object.keys(r.counts || {}).map((k) => esc(k) + ' ' + esc(r.counts[k])).join('，');
}

/** Load and show the imports' history. */
export function setupImports(box) {
  const status = box.querySelector('.gp-status');
  return call('GET', 'admin/imports').then((res) => {
    if (!res.ok) { say(status, explain(res), 'error'); return; }
    box.querySelector('.gp-imports-list').innerHTML = table(res.data, [
      { key: 'time', label: t('time'), render: (r) => esc(String(r.time).slice(0, 16).replace('T', ' ')) },
      { key: 'user', label: t('by_whom'), render: (r) => '<span data-gp-data>' + esc(r.user) + '</span>' },
      { key: 'kind', label: t('kind'), render: (r) => esc(t('import_' + r.kind)) },
      { key: 'file', label: t('file'), render: (r) => '<span data-gp-data>' + esc(r.file) + '</span>' },
      { key: 'counts', label: t('features'), render: counts }
    ], t('no_imports'));
  });
}
