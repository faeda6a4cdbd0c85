/**
 * API key format, hashing and scope ranking (src/auth/api-key.ts), against values worked out by
 * hand: the scope table is written out, not taken from the code's RANK; the SHA-256 value is the
 * FIPS 180-2 test vector for "abc".
 */
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, hashesEqual, parseApiKey } from '../../src/auth/api-key.js';
import { grants, SCOPES, type Scope } from '../../src/lib/access.js';

const SECRET_32 = 'abcdefghijklmnopqrstuvwxyz-_0123';

describe('grants: a held scope covers the scopes ranked at or below it', () => {
  // held -> [read, operate, admin]
  const table: [Scope[], [boolean, boolean, boolean]][] = [
    [[], [false, false, false]],
    [['read'], [true, false, false]],
    [['operate'], [true, true, false]],
    [['admin'], [true, true, true]],
    [['read', 'operate'], [true, true, false]],
    [['read', 'admin'], [true, true, true]],
  ];
  for (const [held, expected] of table) {
    it(`[${held.join(', ')}] grants read/operate/admin = ${expected.join('/')}`, () => {
      expect([grants(held, 'read'), grants(held, 'operate'), grants(held, 'admin')]).toEqual(expected);
    });
  }
  it('knows exactly the three scopes, lowest first', () => {
    expect([...SCOPES]).toEqual(['read', 'operate', 'admin']);
  });
});

describe('parseApiKey: mbk_<8 letters or digits>_<32 to 64 of [A-Za-z0-9_-]>', () => {
  it('returns the prefix of a well-formed key', () => {
    expect(parseApiKey(`mbk_Ab3dEf9h_${SECRET_32}`)).toEqual({ prefix: 'Ab3dEf9h' });
    expect(parseApiKey(`mbk_ABCDEFGH_${'z'.repeat(64)}`)).toEqual({ prefix: 'ABCDEFGH' });
  });
  it.each([
    ['a 31-character secret', `mbk_Ab3dEf9h_${SECRET_32.slice(1)}`],
    ['a 65-character secret', `mbk_Ab3dEf9h_${'z'.repeat(65)}`],
    ['a 7-character prefix', `mbk_Ab3dEf9_${SECRET_32}`],
    ['a 9-character prefix', `mbk_Ab3dEf9hX_${SECRET_32}`],
    ['a prefix with a dash', `mbk_Ab3d-f9h_${SECRET_32}`],
    ['another tag', `mbx_Ab3dEf9h_${SECRET_32}`],
    ['text before the key', ` mbk_Ab3dEf9h_${SECRET_32}`],
    ['text after the key', `mbk_Ab3dEf9h_${SECRET_32} `],
    ['a character outside the alphabet in the secret', `mbk_Ab3dEf9h_${SECRET_32.slice(1)}.`],
    ['an empty string', ''],
  ])('refuses %s', (_what, key) => {
    expect(parseApiKey(key)).toBeUndefined();
  });
});

describe('hashing', () => {
  it('hashApiKey is hex SHA-256', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('hashesEqual compares the bytes, and refuses hashes of another length', () => {
    const h = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, `${h.slice(0, -1)}c`)).toBe(false);
    expect(hashesEqual(h, h.slice(0, -2))).toBe(false);
    expect(hashesEqual('abcd', 'abcdef')).toBe(false);
  });
});

describe('generateApiKey', () => {
  it('makes a parseable key with an 8-character alphanumeric prefix, a 32-character secret and its hash', () => {
    for (let i = 0; i < 50; i++) {
      const g = generateApiKey();
      expect(g.prefix).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(g.key.startsWith(`mbk_${g.prefix}_`)).toBe(true);
      expect(g.key.length).toBe(4 + 8 + 1 + 32);
      expect(parseApiKey(g.key)).toEqual({ prefix: g.prefix });
      expect(g.hash).toBe(hashApiKey(g.key));
    }
  });
  it('never makes the same key twice', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });
});
