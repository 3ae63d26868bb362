/* Administration: the sealed day plans — plan a day for a team (a sealed draft), dispatch it.
 * The list shows dates, teams, states and stop counts only: a draft's route stays sealed. */
import { call, explain } from '../api.js';
import { esc } from '../dom.js';
import { settings, t } from '../settings.js';
import { options, say, table } from '../table.js';

function render(box, rows) {
  box.querySelector('.gp-plans-list').innerHTML = table(rows, [
    { key: 'date', label: t('date') },
    { key: 'team', label: t('team'), render: (r) => '<span data-gp-data>' + esc(r.team) + '</span>' },
    { key: 'status', label: t('status'), render: (r) => esc(t('plan_' + r.status)) },
    { key: 'stops', label: t('stops') },
    { key: 'dispatched_at', label: t('dispatched_at'), render: (r) => esc((r.dispatched_at || '').slice(0, 16).replace('T', ' ')) },
    { key: 'plan_id', label: '', render: (r) => r.status === 'dispatched'
      ? '<a class="gp-btn" href="/inspector?plan=' + encodeURIComponent(r.plan_id) + '">' + esc(t('open_map')) + '</a>'
      : '<button type="button" class="gp-btn gp-btn-primary" data-dispatch="' + esc(r.plan_id) + '">' + esc(t('dispatch')) + '</button>' }
  ], t('no_plans'));
}

/** Load and show the plans; wire the create and dispatch buttons. */
export function setupPlans(box) {
  const status = box.querySelector('.gp-status');
  const teams = (settings().teams || []).map((x) => [x, x]);
  box.querySelector('select[name=team]').innerHTML = options(teams);
  function load() {
    return call('GET', 'plans?limit=200').then((res) => {
      if (!res.ok) { say(status, explain(res), 'error'); return; }
      render(box, res.data);
    });
  }
  box.addEventListener('click', (ev) => {
    const id = ev.target.getAttribute && ev.target.getAttribute('data-dispatch');
    if (!id) return;
    ev.target.disabled = true;
    say(status, t('working'), 'busy');
    call('POST', 'plans/' + encodeURIComponent(id) + '/dispatch', {}).then((res) => {
      say(status, res.ok ? t('dispatched_ok') : explain(res), res.ok ? 'ok' : 'error');
      return load();
    });
  });
  box.querySelector('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = ev.target, body = { date: f.date.value, team: f.team.value, hours: Number(f.hours.value) };
    f.querySelector('button').disabled = true;
    say(status, t('planning'), 'busy');
    call('POST', 'plans', body).then((res) => {
      f.querySelector('button').disabled = false;
      say(status, res.ok ? t('planned_ok', { team: body.team, date: body.date }) : explain(res), res.ok ? 'ok' : 'error');
      return load();
    });
  });
  return load();
}
