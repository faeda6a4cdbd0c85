/**
 * Regenerates the payload reference: docs/schemas/*.json and the generated section of
 * docs/mqtt.md. Run `npx tsx src/ingest/gen-payload-docs.ts` after changing payload-schema.ts
 * or src/readings/channels.ts (test/ingest/payload-docs.test.ts fails while they are stale).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { payloadJsonSchemas, spliceGenerated } from './payload-docs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docs = path.join(root, 'docs');
mkdirSync(path.join(docs, 'schemas'), { recursive: true });
for (const [name, schema] of Object.entries(payloadJsonSchemas())) {
  writeFileSync(path.join(docs, 'schemas', name), `${JSON.stringify(schema, null, 2)}\n`);
}
const mqttDoc = path.join(docs, 'mqtt.md');
const current = existsSync(mqttDoc) ? readFileSync(mqttDoc, 'utf8') : '# MQTT ingestion\n';
writeFileSync(mqttDoc, spliceGenerated(current));
console.log('payload reference written to docs/mqtt.md and docs/schemas/');
