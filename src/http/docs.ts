// GET /docs: the OpenAPI document as a readable page, rendered on the server from the same
// document as /openapi.json (itself generated from the service's zod schemas, src/http/openapi.ts). No script, no CDN, one local stylesheet (the CSP allows only
// 'self'), so it works on an air-gapped border network.
import express from 'express';
import { pageHeaders } from './headers.js';

const CSS = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}
code,pre{font:13px/1.4 ui-monospace,monospace;background:#f4f4f4}pre{padding:.6rem;overflow:auto;max-height:24rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700}.post{color:#0a5}.get{color:#06c}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
`;

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Doc = Record<string, unknown> & {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> };
};

function resolveRef(doc: Doc, schema: unknown): unknown {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  if (!ref) return schema;
  return doc.components.schemas[ref.replace('#/components/schemas/', '')];
}

export function renderDocs(doc: Doc): string {
  const parts: string[] = [];
  parts.push(`<h1>${esc(doc.info.title)} <small>v${esc(doc.info.version)}</small></h1>`);
  if (doc.info.description) parts.push(`<p>${esc(doc.info.description)}</p>`);
  parts.push('<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>');
  parts.push('<ul>');
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) parts.push(`<li><a href="#${esc(`${method}-${path}`)}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a></li>`);
  }
  parts.push('</ul>');
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      parts.push(`<h2 id="${esc(`${method}-${path}`)}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>`);
      parts.push(`<p>${esc(op['summary'] ?? '')}</p>`);
      const security = op['security'] as Record<string, unknown>[] | undefined;
      if (security) {
        const names = security.map((s) => Object.keys(s)[0] ?? 'none (open mode)');
        parts.push(`<p>Credentials: ${names.map((n) => `<code>${esc(n)}</code>`).join(' or ')}</p>`);
      }
      const body = op['requestBody'] as { content?: Record<string, { schema?: unknown }> } | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {})) {
        parts.push(`<p>Request body <code>${esc(type)}</code>:</p><pre>${esc(JSON.stringify(resolveRef(doc, media.schema), null, 2))}</pre>`);
      }
      const responses = (op['responses'] ?? {}) as Record<string, { description?: string; content?: Record<string, unknown> }>;
      parts.push('<table><tr><th>status</th><th>meaning</th><th>body</th></tr>');
      for (const [status, r] of Object.entries(responses)) {
        const types = Object.keys(r.content ?? {}).map((t) => `<code>${esc(t)}</code>`).join(' ');
        parts.push(`<tr><td>${esc(status)}</td><td>${esc(r.description ?? '')}</td><td>${types}</td></tr>`);
      }
      parts.push('</table>');
    }
  }
  parts.push('<h2 id="schemas">Schemas</h2>');
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    parts.push(`<h3 id="schema-${esc(name)}">${esc(name)}</h3><pre>${esc(JSON.stringify(schema, null, 2))}</pre>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} — API</title><link rel="stylesheet" href="/docs.css"></head><body>${parts.join('\n')}</body></html>`;
}

export function docsRouter(document: Record<string, unknown>): express.Router {
  const router = express.Router();
  const html = renderDocs(document as Doc);
  const json = JSON.stringify(document);
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', pageHeaders, (_req, res) => {
    res.type('text/html').send(html);
  });
  router.get('/docs.css', (_req, res) => {
    res.type('text/css').send(CSS);
  });
  return router;
}
