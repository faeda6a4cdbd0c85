/**
 * One quote request as a job a worker thread can run: the body text in (JSON parse and schema
 * validation are CPU work too, up to the body limit, so they run off the event loop with the
 * engine), a bill, the schema's complaints, or a domain error out, as plain data a thread can post.
 */
import { DomainError, NotFoundError, ValidationError } from '../lib/errors.js';
import { pathIssues } from '../lib/zod-issues.js';
import type { BillOut, TariffService } from './tariff-service.js';
import { quoteInputSchema } from './quote-schema.js';

export interface QuoteJob {
  code: string;
  /** the request body as received (JSON text) */
  body: string;
}

export type QuoteOutcome =
  | { kind: 'bill'; bill: BillOut }
  /** the body does not match the schema: 400, with every field named ("body.energy.kWh") */
  | { kind: 'invalid'; errors: { path: string; message: string }[] }
  | { kind: 'error'; error: { name: string; code: string; message: string; details?: unknown } };

export function runQuoteJob(svc: Pick<TariffService, 'quoteParsed'>, job: QuoteJob): QuoteOutcome {
  let json: unknown;
  try {
    json = JSON.parse(job.body);
  } catch (e) {
    return { kind: 'invalid', errors: [{ path: 'body', message: `not JSON: ${(e as Error).message}` }] };
  }
  const parsed = quoteInputSchema.safeParse(json);
  if (!parsed.success) {
    const errors = pathIssues(parsed.error.issues).map((i) => ({ path: ['body', ...i.path].map(String).join('.'), message: i.message }));
    return { kind: 'invalid', errors };
  }
  try {
    return { kind: 'bill', bill: svc.quoteParsed(job.code, parsed.data) };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { kind: 'error', error: { name: e.name, code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } };
  }
}

/** The domain error a worker reported, as the same class (the API maps it to its status). */
export function domainErrorOf(e: { name: string; code: string; message: string; details?: unknown }): DomainError {
  if (e.name === 'NotFoundError') return new NotFoundError(e.message, e.details);
  if (e.name === 'ValidationError') return new ValidationError(e.message, e.details);
  return new DomainError(e.message, e.code, e.details);
}
