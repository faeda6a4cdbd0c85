/**
 * Builds the payload reference from the zod schemas and the channel catalogue (pure: returns
 * strings; gen-payload-docs.ts writes them). A test checks the committed files are current.
 */
import { z } from 'zod';
import { CHANNELS } from '../readings/channels.js';
import { eventCatalogue } from '../readings/event-catalogue.js';
import { gatewayBatchSchema, meterPayloadSchema } from './payload-schema.js';

export const GENERATED_BEGIN = '<!-- BEGIN GENERATED: payload reference (npx tsx src/ingest/gen-payload-docs.ts) -->';
export const GENERATED_END = '<!-- END GENERATED: payload reference -->';

export function payloadJsonSchemas(): Record<string, unknown> {
  // Unknown fields are accepted and ignored (counted: unknown-fields.ts), so the published
  // schemas allow them although the zod schemas are strict (strict is how they are found).
  const opts = {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx: { jsonSchema: { additionalProperties?: unknown } }) => {
      if (ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
    },
  } as const;
  return {
    'meter-payload.v1.schema.json': {
      $id: 'https://meterbill.example/schemas/meter-payload.v1.schema.json',
      ...z.toJSONSchema(meterPayloadSchema, opts),
    },
    'gateway-batch.v1.schema.json': {
      $id: 'https://meterbill.example/schemas/gateway-batch.v1.schema.json',
      ...z.toJSONSchema(gatewayBatchSchema, opts),
    },
  };
}

export function channelTableMarkdown(): string {
  const rows = Object.entries(CHANNELS)
    .sort(([a], [b]) => compareObis(a, b))
    .map(([code, c]) => `| \`${code}\` | ${c.kind} | ${c.unit} | ${c.description} |`);
  return ['| OBIS | kind | unit | description |', '|---|---|---|---|', ...rows].join('\n');
}

export function eventTableMarkdown(): string {
  const rows = eventCatalogue().map((e) => `| ${e.code} | ${e.description} | ${e.kind} | ${e.category.replace('_', '-')} | ${e.pairCode ?? '—'} |`);
  return ['| code | event | kind | category | pair |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The generated section of docs/mqtt.md (between the markers). */
export function generatedSection(): string {
  return [
    GENERATED_BEGIN,
    '',
    '### Channel catalogue',
    '',
    'Readings whose channel is not listed are dead-lettered (`unknown_channel`); a channel used in the',
    'wrong place (e.g. an instantaneous code in `registers.values`) is dead-lettered as `wrong_channel_kind`.',
    '',
    channelTableMarkdown(),
    '',
    '### Event codes (IS 15959)',
    '',
    eventTableMarkdown(),
    '',
    '### JSON Schemas',
    '',
    'Generated from the zod schemas in `src/ingest/payload-schema.ts`:',
    '[`docs/schemas/meter-payload.v1.schema.json`](schemas/meter-payload.v1.schema.json),',
    '[`docs/schemas/gateway-batch.v1.schema.json`](schemas/gateway-batch.v1.schema.json).',
    '',
    GENERATED_END,
  ].join('\n');
}

/** Replaces the generated section of a markdown document (appends it when the markers are absent). */
export function spliceGenerated(markdown: string): string {
  const start = markdown.indexOf(GENERATED_BEGIN);
  const end = markdown.indexOf(GENERATED_END);
  if (start < 0 || end < start) return `${markdown.trimEnd()}\n\n${generatedSection()}\n`;
  return markdown.slice(0, start) + generatedSection() + markdown.slice(end + GENERATED_END.length);
}

function compareObis(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
