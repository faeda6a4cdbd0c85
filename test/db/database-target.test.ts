import { describe, expect, it } from 'vitest';
import { describeDatabase } from '../../src/db/database-target.js';

describe('describeDatabase', () => {
  it.each([
    [undefined, './data', 'embedded PostgreSQL (PGlite) in data/pg'],
    ['postgres://billing:s3cr3t@db.example.in:6432/meterbill?sslmode=require&password=x', './data', 'PostgreSQL server billing@db.example.in:6432, database meterbill'],
    ['postgresql://db.example.in/mb', './data', 'PostgreSQL server db.example.in, database mb'],
    ['postgres://u%40x:p@h/na%20me', './data', 'PostgreSQL server u@x@h, database na me'],
  ])('%s → %s', (databaseUrl, dataDir, expected) => {
    expect(describeDatabase({ databaseUrl, dataDir })).toBe(expected);
  });
});
