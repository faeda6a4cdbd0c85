import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { payloadJsonSchemas, spliceGenerated } from '../../src/ingest/payload-docs.js';

const root = new URL('../../', import.meta.url);

describe('generated payload reference', () => {
  it('docs/mqtt.md and docs/schemas are current (run: npx tsx src/ingest/gen-payload-docs.ts)', () => {
    const md = readFileSync(new URL('docs/mqtt.md', root), 'utf8');
    expect(spliceGenerated(md)).toBe(md);
    for (const [name, schema] of Object.entries(payloadJsonSchemas())) {
      expect(JSON.parse(readFileSync(new URL(`docs/schemas/${name}`, root), 'utf8'))).toEqual(schema);
    }
  });
});
