/**
 * The generated OpenAPI document as an integrator meets it (issue 9 §4): one component per shape
 * under its plain name, date formats shared, no padlock on public routes, the scope stated once,
 * /metrics documented, page sizes as the README states them and as the server enforces them.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tidyDocument } from '../../src/api/openapi-document.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

type Op = { description?: string; security?: unknown[]; parameters?: Array<{ name: string; in: string; description?: string }>; responses?: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> }; security?: unknown[] };

let t: TestApp;
let doc: Doc;
let raw: string;
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.app.inject({ url: '/openapi.json' });
  raw = res.body;
  doc = res.json() as Doc;
}, 60_000);
afterAll(async () => t?.close());

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

describe('the OpenAPI document', () => {
  it('stays small: the ISO date-time pattern appears once, as the shared Timestamp component', () => {
    // Was 119 KB with 40 inline copies of zod's 300-character date regexes (88 KB after, before the
    // billing routes arrived: 111 KB). The bound grows with the routes; the copies must not return.
    expect(raw.length).toBeLessThan(130_000);
    const dateTimeRegex = String(doc.components.schemas.Timestamp && (doc.components.schemas.Timestamp as { pattern: string }).pattern);
    expect(dateTimeRegex.length).toBeGreaterThan(100);
    expect(raw.split(JSON.stringify(dateTimeRegex)).length - 1).toBe(1);
    const dateRegex = (doc.components.schemas.LocalDate as { pattern: string }).pattern;
    expect(raw.split(JSON.stringify(dateRegex)).length - 1).toBe(1);
    // a property keeps its own description next to the shared format
    const installedAt = (doc.components.schemas.MeterInstallation as { properties: Record<string, unknown> }).properties.installedAt;
    expect(installedAt).toEqual({ description: 'ISO 8601 timestamp with offset', allOf: [{ $ref: '#/components/schemas/Timestamp' }] });
  });

  it('lists each schema once, under its plain name (no XInput twins)', () => {
    const names = Object.keys(doc.components.schemas);
    expect(names.filter((n) => n.endsWith('Input'))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['Consumer', 'ConsumerCreate', 'ConsumerUpdate', 'Meter', 'Problem', 'GatewayBatch']));
    const bodies = Object.values(doc.components.schemas);
    const dupes = names.filter((n, i) => bodies.some((b, j) => j < i && isDeepStrictEqual(b, bodies[i])));
    expect(dupes).toEqual([]);
    // every reference resolves
    for (const [, name] of raw.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(names).toContain(name);
    // the request body points at the create shape, the response at the resource
    const post = doc.paths['/consumers']?.post as unknown as { requestBody: unknown; responses: Record<string, unknown> };
    expect(JSON.stringify(post.requestBody)).toContain('"#/components/schemas/ConsumerCreate"');
    expect(JSON.stringify(post.responses['201'])).toContain('"#/components/schemas/Consumer"');
  });

  it('shows no security requirement on public routes and one on every other', () => {
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    for (const path of ['/healthz', '/readyz']) expect(doc.paths[path]?.get?.security).toEqual([]);
    for (const { path, method, op } of operations()) {
      if (path === '/healthz' || path === '/readyz') continue;
      expect(op.security, `${method} ${path}`).toBeUndefined(); // inherits the document-wide requirement
    }
  });

  it('states the required scope once per operation', () => {
    for (const { path, method, op } of operations()) {
      if (path === '/healthz' || path === '/readyz') continue;
      const mentions = (op.description ?? '').match(/Requires an API key with scope `\w+`\./g) ?? [];
      expect(mentions, `${method} ${path}`).toHaveLength(1);
    }
    expect(doc.paths['/consumers']?.get?.description).toBe('Requires an API key with scope `read`.');
    expect(doc.paths['/consumers']?.post?.description).toBe('Requires an API key with scope `operate`.');
  });

  it('documents /metrics (read scope, Prometheus text)', () => {
    const op = doc.paths['/metrics']?.get;
    expect(op?.description).toContain('scope `read`');
    expect(JSON.stringify(op?.responses?.['200'])).toContain('text/plain');
  });

  it('gives the page sizes the README states, and the server enforces them', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const limited = operations().filter(({ op }) => op.parameters?.some((p) => p.name === 'limit' && p.in === 'query'));
    expect(limited.map((o) => o.path).sort()).toEqual(['/billing/runs', '/bills', '/consumers', '/gateway-credentials', '/ingest/dead-letters', '/meters', '/meters/{serial}/events', '/meters/{serial}/readings']);
    for (const { path, op } of limited) {
      const d = op.parameters?.find((p) => p.name === 'limit')?.description ?? '';
      const m = /1–([\d,]+) \(default ([\d,]+)\)/.exec(d);
      expect(m, `${path}: ${d}`).not.toBeNull();
      const [, max, def] = m as RegExpExecArray;
      const line = readme.split('\n').find((l) => l.includes(`\`GET ${path}\``) && l.includes('`limit`'));
      expect(line, `README line for ${path}`).toBeDefined();
      expect(line).toContain(`\`limit\` 1–${max} (default ${def})`);
      const n = Number((max as string).replace(/,/g, ''));
      const url = path.replace('{serial}', 'NOSUCHMETER');
      const over = await t.app.inject({ url: `${url}?limit=${n + 1}`, headers: t.as('admin') });
      expect(over.statusCode, `${path} limit=${n + 1}`).toBe(400);
      const atMax = await t.app.inject({ url: `${url}?limit=${n}`, headers: t.as('admin') });
      expect([200, 404], `${path} limit=${n}`).toContain(atMax.statusCode); // 404: no such meter, past validation
    }
  });
});

describe('tidyDocument', () => {
  const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
  it('keeps both twins, XInput being the request shape, when routes use both and they differ', () => {
    const out = tidyDocument({
      paths: { '/a': { post: { requestBody: ref('AInput'), responses: { 200: ref('A') } } } },
      components: { schemas: { A: { type: 'object', required: ['x'] }, AInput: { type: 'object' }, B: { type: 'string' }, BInput: { type: 'string' } } },
    });
    expect(Object.keys(out.components?.schemas ?? {}).sort()).toEqual(['A', 'AInput', 'B']);
  });

  it('merges twins that differ only by references to merged twins, and renames the references', () => {
    const out = tidyDocument({
      paths: { '/a': { post: { requestBody: ref('OuterInput'), responses: { 200: ref('Outer') } } } },
      components: {
        schemas: { Outer: { items: ref('Inner') }, OuterInput: { items: ref('InnerInput') }, Inner: { type: 'string' }, InnerInput: { type: 'string' } },
      },
    });
    expect(out.components?.schemas).toEqual({ Outer: { items: ref('Inner') }, Inner: { type: 'string' } });
    expect(out.paths).toEqual({ '/a': { post: { requestBody: ref('Outer'), responses: { 200: ref('Outer') } } } });
  });
});
