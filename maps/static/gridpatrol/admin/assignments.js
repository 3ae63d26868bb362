/* Administration: leaders' standing duties — 包联 townships and 挂牌 coal mines. */
import { call, explain } from '../api.js';
import { esc } from '../dom.js';
import { settings, t } from '../settings.js';
import { options, say, table } from '../table.js';

function targets(kind) {
  return (kind === 'mine' ? settings().mines : settings().townships) || [];
}

function nameOf(kind, id) {
  const hit = targets(kind).find((x) => String(x[0]) === String(id));
  return hit ? hit[1] : id;
}

/** Load and show the assignments; wire add and remove. */
export function setupAssignments(box) {
  const status = box.querySelector('.gp-status'), form = box.querySelector('form');
  form.leader.innerHTML = options((settings().leaders || []).map((x) => [x, x]));
  function fillTargets() { form.target_id.innerHTML = options(targets(form.kind.value)); }
  form.kind.addEventListener('change', fillTargets);
  fillTargets();
  function load() {
    return call('GET', 'leaders/assignments').then((res) => {
      if (!res.ok) { say(status, explain(res), 'error'); return; }
      box.querySelector('.gp-assign-list').innerHTML = table(res.data, [
        { key: 'leader', label: t('leader_name'), render: (r) => '<span data-gp-data>' + esc(r.leader) + '</span>' },
        { key: 'kind', label: t('kind'), render: (r) => esc(t('assign_' + r.kind)) },
        { key: 'target_id', label: t('target'), render: (r) => '<span data-gp-data>' + esc(nameOf(r.kind, r.target_id)) + '</span>' },
        { key: 'assignment_id', label: '', render: (r) => '<button type="button" class="gp-btn" data-remove="' +
          esc(r.assignment_id) + '">' + esc(t('remove')) + '</button>' }
      ], t('no_assignments'));
    });
  }
  box.addEventListener('click', (ev) => {
    const id = ev.target.getAttribute && ev.target.getAttribute('data-remove');
    if (!id) return;
    call('DELETE', 'leaders/assignments/' + encodeURIComponent(id)).then((res) => {
      say(status, res.ok ? t('removed_ok') : explain(res), res.ok ? 'ok' : 'error');
      return load();
    });
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { leader: form.leader.value, kind: form.kind.value, target_id: form.target_id.value };
    call('POST', 'leaders/assignments', body).then((res) => {
      say(status, res.ok ? t('assigned_ok') : explain(res), res.ok ? 'ok' : 'error');
      return load();
    });
  });
  return load();
}
