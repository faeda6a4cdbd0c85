/**
 * meterbill's version, from its package.json: found by walking up from this file, which sits at
 * src/lib/ in the sources and at dist/src/lib/ in the build.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached) return cached;
  for (let up = 2; up <= 4; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'meterbill' && pkg.version) return (cached = pkg.version);
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
}
