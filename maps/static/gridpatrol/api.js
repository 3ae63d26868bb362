/* Requests to the page's own service (apiBase), authenticated by the HttpOnly login cookie,
 * and error answers turned into one sentence in the user's language that says what to do.
 * No token is ever read or written by the page. */
import { settings, t } from './settings.js';

/** Every request the page made (tests read it). */
export const requests = [];

/** Whether the page is served by the service (else it is a file: read-only). */
export function served() {
  return !!settings().apiBase && window.location.protocol !== 'file:';
}

/** fetch() a path under apiBase with a JSON body; resolves to the Response. */
export function request(method, path, body, extraHeaders) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined && body !== null) headers['Content-Type'] = 'application/json';
  Object.assign(headers, extraHeaders || {});
  const base = String(settings().apiBase || '/').replace(/\/?$/, '/');
  requests.push({ method: method, path: path, body: body, headers: extraHeaders || {} });
  return fetch(base + path.replace(/^\//, ''), {
    method: method, headers: headers, credentials: 'same-origin',
    body: body !== undefined && body !== null ? JSON.stringify(body) : undefined
  });
}

/** {ok, status, data} of a Response (data {} when the body is not JSON). */
export function readResponse(r) {
  return r.json().catch(() => ({})).then((d) => ({ ok: r.ok, status: r.status, data: d || {} }));
}

/** request() then readResponse(); a network failure resolves to status 0. */
export function call(method, path, body, extraHeaders) {
  return request(method, path, body, extraHeaders).then(readResponse)
    .catch(() => ({ ok: false, status: 0, data: {} }));
}

function reasonsOf(data) {
  const out = [];
  if (typeof data.detail === 'string') out.push(data.detail);
  (data.errors || []).forEach((e) => { if (typeof e === 'string') out.push(e); });
  return out;
}

/** The known refusal reasons in *data*, each as a sentence in the page's language. */
export function explainReasons(data) {
  const patterns = settings().errorPatterns || [];
  const seen = {}, out = [];
  reasonsOf(data).forEach((text) => {
    text.split(/;\s*/).forEach((part) => {
      for (let i = 0; i < patterns.length; i++) {
        const m = new RegExp(patterns[i][0]).exec(part);
        if (!m) continue;
        const vars = {};
        (patterns[i][2] || []).forEach((name, k) => { vars[name] = m[k + 1]; });
        const s = t(patterns[i][1], vars);
        if (!seen[s]) { seen[s] = true; out.push(s); }
        break;
      }
    });
  });
  return out;
}

/** One sentence for an error answer: what happened and what to do, in the page's language. */
export function explain(res, what) {
  const known = explainReasons(res.data || {});
  if (res.status === 0) return t('err_network');
  if (res.status === 401) return t('err_401');
  if (res.status === 403) return t('err_403');
  if (res.status === 404) return known.length ? known.join(t('list_sep')) : t('err_404_' + (what || 'any'));
  if (res.status === 409 || res.status === 412) return t('err_412');
  if (res.status === 413) return t('err_413');
  if (res.status === 422) return t('edit_refused') + (known.length ? t('colon') + known.join(t('list_sep')) : t('colon') + t('err_422'));
  if (res.status === 429) return t('err_429');
  if (res.status >= 500) return t('err_5xx');
  return known.length ? known.join(t('list_sep')) : t('err_other', { status: res.status });
}
