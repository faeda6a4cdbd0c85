/**
 * The identifiers every reading carries, defined once: a meter's serial and an OBIS channel code
 * (C.D.E value groups of IEC 62056-61). The MQTT payload contract, the meters API and the
 * readings API all validate with these, so a serial accepted at one edge is accepted at all.
 */
import { z } from 'zod';

/** Serials never contain commas or slashes: safe in MQTT topics, URLs and comma-joined notices. */
export const SERIAL_PATTERN = /^[A-Za-z0-9_-]{3,32}$/;
const SERIAL_MESSAGE = '3–32 letters, digits, _ or -';
export const OBIS_PATTERN = /^\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const OBIS_MESSAGE = 'an OBIS code C.D.E such as 1.8.0';

export const serialSchema = z.string().regex(SERIAL_PATTERN, SERIAL_MESSAGE);
/** A serial typed by a person (REST bodies and paths): surrounding blanks are dropped first. */
export const trimmedSerialSchema = z.string().trim().regex(SERIAL_PATTERN, SERIAL_MESSAGE);
export const obisSchema = z.string().regex(OBIS_PATTERN, OBIS_MESSAGE).describe('OBIS code C.D.E');
