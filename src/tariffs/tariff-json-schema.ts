/**
 * `npm run tariffs:schema`: writes tariffs/tariff.schema.json from the zod schema (the only
 * source of truth) so editors validate and complete tariff files.
 */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { tariffFileSchema } from './tariff-schema.js';

export function tariffJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(tariffFileSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://meterbill.local/tariff.schema.json',
    title: 'meterbill tariff file',
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/src\//, '/src/'))) {
  const out = process.argv[2] ?? 'tariffs/tariff.schema.json';
  writeFileSync(out, `${JSON.stringify(tariffJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${out}`);
}
