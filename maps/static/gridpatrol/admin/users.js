/* Administration: the users and their roles (team for inspectors, township for planners). */
import { call, explain } from '../api.js';
import { esc } from '../dom.js';
import { settings, t } from '../settings.js';
import { say, table } from '../table.js';

function township(id) {
  const hit = (settings().townships || []).find((x) => String(x[0]) === String(id));
  return hit ? hit[1] : (id || '');
}

/** Load and show the users. */
export function setupUsers(box) {
  const status = box.querySelector('.gp-status');
  return call('GET', 'admin/users').then((res) => {
    if (!res.ok) { say(status, explain(res), 'error'); return; }
    box.querySelector('.gp-users-list').innerHTML = table(res.data, [
      { key: 'username', label: t('username'), render: (r) => '<span data-gp-data>' + esc(r.username) + '</span>' },
      { key: 'role', label: t('role'), render: (r) => esc(t('role_' + r.role)) },
      { key: 'team', label: t('team'), render: (r) => '<span data-gp-data>' + esc(r.team || '') + '</span>' },
      { key: 'township_id', label: t('township'), render: (r) => '<span data-gp-data>' + esc(township(r.township_id)) + '</span>' }
    ], t('no_users'));
  });
}
