/**
 * A fresh clone has only this repository: no test, benchmark, script or source file may reach a
 * path outside it (the developers' sibling `shared` folder in particular). Fails on the first offender.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['src', 'test', 'bench', 'bin', 'migrations', '.ci', 'package.json', 'vitest.config.ts', 'vitest.reliability.config.ts'];
// A relative path that climbs to the repository's parent and names a sibling folder.
const OUTSIDE = /(['"`(\s])(\.\.\/){2,}(shared|\.library)\b|\/work\/shared\b/;

function* files(p: string): Generator<string> {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isFile()) {
    yield p;
    return;
  }
  for (const name of readdirSync(p)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    yield* files(path.join(p, name));
  }
}

describe('the repository is self-contained', () => {
  it('no file refers to a folder outside the repository', () => {
    const offenders: string[] = [];
    for (const top of SCANNED) {
      for (const f of files(path.join(ROOT, top))) {
        if (f === import.meta.filename) continue;
        const text = readFileSync(f, 'utf8');
        if (OUTSIDE.test(text)) offenders.push(path.relative(ROOT, f));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the detector recognises the pattern the SAM test once used', () => {
    // assembled, so this file itself never holds a path to the sibling folder
    const sibling = ['..', '..', '..', 'shared'].join('/');
    expect(OUTSIDE.test(`new URL('${sibling}/vectors/sam/', import.meta.url)`)).toBe(true);
    expect(OUTSIDE.test("new URL('../fixtures/sam/', import.meta.url)")).toBe(false);
  });
});
