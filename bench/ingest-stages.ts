/**
 * Stage timings of the ingest path on one gateway workload, in-process, without a broker:
 * parse, parse + validate, the UNNEST insert, COPY through a staging table, plain COPY.
 * `npx tsx bench/ingest-stages.ts` (N=readings, default 300000). Diagnostics for bench/FINDINGS.md.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { buildWorkload, copyLines } from '../bench/harness/workload.js';
import { createFreshDatabase } from '../bench/harness/fresh-database.js';
import { parseMessage } from '../src/ingest/message-parse.js';
import { createMessageProcessor } from '../src/ingest/ingest-processor.js';
import { createMeterCache } from '../src/ingest/meter-cache.js';
import { loadMeterStates, insertReadings } from '../src/ingest/ingest-repository.js';
import type { WriteUnit } from '../src/ingest/batch-writer.js';
const N = Number(process.env.N ?? 300000);
const w = buildWorkload({ mode: 'gateway', readings: N, prefix: 'st/v1' });
const db = await createFreshDatabase('stages', w.specs);
try {
  let t = performance.now();
  let meters = 0;
  for (const m of w.messages) meters += parseMessage(m.topic, m.payload, { prefix: 'st/v1', maxPayloadBytes: 1 << 22 }).meters.length;
  const parseS = (performance.now() - t) / 1000;
  console.log(`parse (JSON + zod): ${w.readings} readings (${meters} meter payloads) in ${parseS.toFixed(2)} s = ${Math.round(w.readings / parseS)} readings/s`);
  const cache = createMeterCache({ load: (s) => loadMeterStates(db.handle.db, s), maxSize: 100000, staleMs: 30000, now: () => Date.now() });
  const proc = createMessageProcessor({ prefix: 'st/v1', maxPayloadBytes: 1 << 22, cache, maxFutureSkewMs: 300000, now: () => Date.now() });
  await proc(w.messages[0]!.topic, w.messages[0]!.payload); // warm the cache
  t = performance.now();
  const units: WriteUnit[] = [];
  for (const m of w.messages) units.push(await proc(m.topic, m.payload));
  const procS = (performance.now() - t) / 1000;
  const rows = units.flatMap((u) => u.readings);
  console.log(`parse + validate: ${rows.length} rows in ${procS.toFixed(2)} s = ${Math.round(rows.length / procS)} rows/s; dead letters ${units.reduce((a, u) => a + u.deadLetters.length, 0)}`);
  for (const size of [10000]) {
    t = performance.now();
    for (let i = 0; i < rows.length; i += size) await db.handle.db.transaction().execute((trx) => insertReadings(trx, rows.slice(i, i + size)));
    const insS = (performance.now() - t) / 1000;
    console.log(`unnest insert, ${size}-row transactions, one connection: ${Math.round(rows.length / insS)} rows/s`);
  }
  await db.handle.pool!.query('truncate readings');
  {
    const c2 = new pg.Client({ connectionString: db.url }); await c2.connect();
    await c2.query('create temp table stage (meter_id bigint, channel text, ts timestamptz, value numeric, occurred_at timestamptz)');
    const lines = [...copyLines(w.payloads, db.meterIds)];
    t = performance.now();
    for (let i = 0; i < lines.length; i += 10000) {
      await c2.query('begin');
      await pipeline(Readable.from([lines.slice(i, i + 10000).join('')]), c2.query(copyFrom('copy stage from stdin')));
      await c2.query('insert into readings (meter_id, channel, ts, value, occurred_at) select * from stage on conflict do nothing');
      await c2.query('truncate stage');
      await c2.query('commit');
    }
    const st = (performance.now() - t) / 1000;
    console.log(`COPY into temp stage + insert…select on conflict do nothing, 10000-row transactions: ${Math.round(lines.length / st)} rows/s`);
    await c2.end();
    await db.handle.pool!.query('truncate readings');
  }
  const c = new pg.Client({ connectionString: db.url }); await c.connect();
  const text = [...copyLines(w.payloads, db.meterIds)].join('');
  t = performance.now();
  await pipeline(Readable.from([text]), c.query(copyFrom('copy readings (meter_id, channel, ts, value, occurred_at) from stdin')));
  const copyS = (performance.now() - t) / 1000;
  console.log(`COPY: ${Math.round(w.readings / copyS)} rows/s`);
  await c.end();
} finally { await db.drop(); }
process.exit(0);
