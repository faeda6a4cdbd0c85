/**
 * Gateway MQTT passwords: generation and hashing. Pure apart from the randomness and the KDF.
 *
 * The hash is PBKDF2-SHA512 with a 12-byte random salt in Mosquitto's `$7$` format
 * (`$7$<iterations>$<salt base64>$<hash base64>`, what `mosquitto_passwd` writes), so one stored
 * hash serves the embedded broker, a Mosquitto `password_file` and Mosquitto's dynamic-security
 * plugin, and an operator never has to hold the plain password to configure the broker.
 * The work factor is modest on purpose: the passwords are 256-bit random strings (a leaked hash
 * cannot be brute-forced whatever the count), and every MQTT connect pays it on the broker.
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const HASH_ITERATIONS = 1000;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
const HASH_RE = /^\$7\$(\d{1,7})\$([A-Za-z0-9+/=]{4,64})\$([A-Za-z0-9+/=]{86,88})$/;
/** `mbg_` + 43 base64url characters (32 random bytes): recognisable in a leak or a log. */
const PASSWORD_RE = /^mbg_[A-Za-z0-9_-]{43}$/;

export function generateMqttPassword(): string {
  return `mbg_${randomBytes(32).toString('base64url')}`;
}

/** True when the string has the shape of a password we issue (checked before any hashing). */
export function looksLikeMqttPassword(s: string): boolean {
  return PASSWORD_RE.test(s);
}

export async function hashMqttPassword(password: string, iterations = HASH_ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2Async(password, salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface ParsedHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

export function parseMqttHash(stored: string): ParsedHash | undefined {
  const m = HASH_RE.exec(stored);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  if (iterations < 1 || iterations > 1_000_000) return undefined;
  return { iterations, salt: Buffer.from(m[2] as string, 'base64'), hash: Buffer.from(m[3] as string, 'base64') };
}

export async function verifyMqttPassword(password: string, stored: string): Promise<boolean> {
  const p = parseMqttHash(stored);
  if (!p || p.hash.length !== HASH_BYTES) return false;
  const got = await pbkdf2Async(password, p.salt, p.iterations, HASH_BYTES, 'sha512');
  return timingSafeEqual(got, p.hash);
}
