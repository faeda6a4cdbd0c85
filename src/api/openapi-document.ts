/**
 * The OpenAPI document: @fastify/swagger with fastify-type-provider-zod's transforms, then tidied.
 *
 * Why a tidy pass: fastify-type-provider-zod (v7) derives an input and an output copy of every
 * schema registered with `.meta({ id })` and names them `X` and `XInput` (src/registry.ts there:
 * `getSchemaId`), whether or not a route uses both. A response-only schema then also appears as
 * `XInput`, a body-only one as `X` no route points at, and both are listed even when identical.
 * Zod also inlines the 300-character ISO date-time regex at every use. The pass below keeps one
 * component per shape under its plain name and makes the date formats shared components.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type Json = Record<string, unknown>;
type Doc = Json & { paths?: Json; components?: Json & { schemas?: Record<string, Json> } };

const REF = '#/components/schemas/';
const INPUT = 'Input';

/** Shared string formats: zod's patterns for them, replaced by a reference wherever they occur. */
const SHARED_FORMATS: Record<string, Json> = {
  Timestamp: {
    ...formatSchema(z.iso.datetime({ offset: true })),
    description: 'ISO 8601 / RFC 3339 timestamp with an offset, e.g. 2025-01-31T18:30:00Z or 2025-02-01T00:00:00+05:30',
  },
  LocalDate: { ...formatSchema(z.iso.date()), description: 'calendar date YYYY-MM-DD' },
};

function formatSchema(s: z.ZodType): Json {
  const { type, format, pattern } = z.toJSONSchema(s, { target: 'openapi-3.0' }) as Json;
  return { type, format, pattern };
}

export function openApiOptions(version: string) {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'meterbill API',
        version,
        description:
          'Metering and billing for electricity distribution utilities. Authenticate with an API key as ' +
          '`Authorization: Bearer <key>` (or `X-API-Key`). Scopes are ranked read < operate < admin; each ' +
          "operation's description names the scope it needs. `/healthz` and `/readyz` are public. " +
          'Errors are RFC 7807 problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http' as const, scheme: 'bearer' },
          apiKey: { type: 'apiKey' as const, in: 'header' as const, name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }] as Array<Record<string, string[]>>,
    },
    transform: jsonSchemaTransform,
    transformObject: ((doc: Parameters<typeof jsonSchemaTransformObject>[0]) =>
      tidyDocument(jsonSchemaTransformObject(doc) as Doc)) as FastifyDynamicSwaggerOptions['transformObject'],
  };
}

/** One component per shape, plain names, shared date formats (pure: returns a new document). */
export function tidyDocument(input: Doc): Doc {
  const doc = structuredClone(input);
  doc.components ??= {};
  const shared = shareFormats(doc);
  const schemas = (doc.components.schemas ??= {});
  const renames = mergeInputTwins(doc, schemas);
  const rewritten = rewriteRefs(doc, renames) as Doc;
  (rewritten.components as Json).schemas = { ...(rewritten.components?.schemas ?? {}), ...shared };
  return rewritten;
}

/** Replaces inline copies of the shared formats by references; returns the components used. */
function shareFormats(doc: Doc): Record<string, Json> {
  const used: Record<string, Json> = {};
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const o = node as Json;
    const name = Object.keys(SHARED_FORMATS).find((n) => SHARED_FORMATS[n]?.format === o.format && SHARED_FORMATS[n]?.pattern === o.pattern);
    if (name) {
      used[name] = SHARED_FORMATS[name] as Json;
      const { type: _t, format: _f, pattern: _p, ...rest } = o;
      const ref = { $ref: `${REF}${name}` };
      // OpenAPI 3.0 ignores siblings of $ref: a description (or nullable) keeps it under allOf.
      return Object.keys(rest).length === 0 ? ref : { ...visitAll(rest), allOf: [ref] };
    }
    return visitAll(o);
  };
  const visitAll = (o: Json): Json => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, visit(v)]));
  doc.paths = visit(doc.paths) as Json;
  if (doc.components?.schemas) doc.components.schemas = visit(doc.components.schemas) as Record<string, Json>;
  return used;
}

/**
 * For each `X` / `XInput` pair: one component named `X` when the two are equal (refs compared
 * as if already merged) or when routes use only one of them; both kept, `XInput` being the
 * request shape, only when routes use both and they differ. Returns the references to rename.
 */
function mergeInputTwins(doc: Doc, schemas: Record<string, Json>): Map<string, string> {
  const pairs = Object.keys(schemas).filter((n) => n.endsWith(INPUT) && schemas[n.slice(0, -INPUT.length)]);
  const used = reachable(doc, schemas);
  // Equal twins, decided to a fixed point: two schemas that differ only in refs to twins are equal
  // exactly when those twins are.
  let equal = new Set(pairs);
  for (let changed = true; changed; ) {
    changed = false;
    const renames = new Map([...equal].map((n) => [n, n.slice(0, -INPUT.length)]));
    for (const n of [...equal]) {
      if (!isDeepStrictEqual(rewriteRefs(schemas[n], renames), rewriteRefs(schemas[n.slice(0, -INPUT.length)], renames))) {
        equal.delete(n);
        changed = true;
      }
    }
    equal = new Set(equal);
  }
  const renames = new Map<string, string>();
  for (const n of pairs) {
    const base = n.slice(0, -INPUT.length);
    const [inputUsed, outputUsed] = [used.has(n), used.has(base)];
    if (inputUsed && outputUsed && !equal.has(n)) continue;
    // A pair no route uses (the MQTT payload contract) is documented as the shape one sends: input.
    if (!outputUsed) schemas[base] = schemas[n] as Json;
    delete schemas[n];
    renames.set(n, base);
  }
  return renames;
}

/** Components reachable from the paths through $ref. */
function reachable(doc: Doc, schemas: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith(REF)) {
      const name = ref.slice(REF.length);
      if (!seen.has(name)) {
        seen.add(name);
        walk(schemas[name]);
      }
    }
    Object.values(node).forEach(walk);
  };
  walk(doc.paths);
  return seen;
}

function rewriteRefs(node: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((v) => rewriteRefs(v, renames));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) return [k, `${REF}${renames.get(v.slice(REF.length)) ?? v.slice(REF.length)}`];
      return [k, rewriteRefs(v, renames)];
    }),
  );
}
