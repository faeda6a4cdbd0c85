/** API key format and hashing: pure, no I/O. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_RE = /^mbk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32,64})$/;

export interface GeneratedKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedKey {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const secret = randomBytes(24).toString('base64url');
  const key = `mbk_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function parseApiKey(key: string): { prefix: string } | undefined {
  const m = KEY_RE.exec(key);
  return m ? { prefix: m[1] as string } : undefined;
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
