/**
 * /docs: a self-contained page (no CDN, works in a cluster without egress) that renders
 * /openapi.json as a list of operations, each with a form to try it with the page's credentials.
 */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>movie-reco API</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
details{border:1px solid #ccc;border-radius:6px;margin:.5em 0;padding:.4em .8em}
summary{cursor:pointer}.m{display:inline-block;width:4.5em;font-weight:bold;text-transform:uppercase}
.get{color:#1565c0}.post{color:#2e7d32}pre{background:#f5f5f5;padding:.6em;overflow:auto;max-height:24em}
label{display:block;margin:.3em 0}input,textarea{font:inherit}textarea{width:100%;height:6em}
</style></head><body>
<h1>movie-reco inference API</h1>
<p id="about"></p>
<label>Authorization header (optional):
<input id="auth" size="60" placeholder="Bearer TOKEN or Basic base64(user:password)"></label>
<div id="ops">Loading /openapi.json…</div>
<script>
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
fetch('openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('about').textContent = doc.info.description;
  const ops = document.getElementById('ops'); ops.textContent = '';
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const inputs = {};
    const form = el('form');
    for (const p of op.parameters || []) {
      inputs[p.name] = el('input', { name: p.name, placeholder: p.schema.default ?? '' });
      form.append(el('label', {}, p.name + ' (' + p.in + (p.required ? ', required' : '') + '): ', inputs[p.name]));
    }
    let body;
    if (op.requestBody) { body = el('textarea', { value: '{}' }); form.append(el('label', {}, 'JSON body', body)); }
    const out = el('pre');
    form.append(el('button', { type: 'submit' }, 'Try it'), out);
    form.onsubmit = async (event) => {
      event.preventDefault();
      let url = path; const q = new URLSearchParams();
      for (const p of op.parameters || []) {
        const v = inputs[p.name].value;
        if (!v) continue;
        if (p.in === 'path') url = url.replace('{' + p.name + '}', encodeURIComponent(v));
        else q.set(p.name, v);
      }
      const headers = {}; const auth = document.getElementById('auth').value; if (auth) headers.authorization = auth;
      if (body) headers['content-type'] = 'application/json';
      const started = performance.now();
      const res = await fetch(url.slice(1) + (q.size ? '?' + q : ''), {
        method: method.toUpperCase(),
        headers,
        body: body ? body.value : undefined,
      });
      const text = await res.text();
      let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      const ms = Math.round(performance.now() - started);
      out.textContent = res.status + ' ' + res.statusText + ' (' + ms + ' ms)\\n' + shown;
    };
    const summary = el('summary', {}, el('span', { className: 'm ' + method }, method), path + ' — ' + op.summary);
    ops.append(el('details', {}, summary, el('p', {}, op.description || ''), form));
  }
});
</script></body></html>`;
