/**
 * One mapping from errors to RFC 7807 problem+json. Domain errors carry no HTTP; this is where
 * they get their status. 5xx details are logged, never returned.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { redactUrl } from './redact.js';
import { ConflictError, DomainError, NotFoundError, TimeoutError, UnavailableError, ValidationError } from '../lib/errors.js';
import { problem, type Problem } from '../lib/problem.js';

function domainStatus(err: DomainError): number {
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof ValidationError) return 422;
  if (err instanceof UnavailableError) return 503;
  if (err instanceof TimeoutError) return 504;
  return 400;
}

export function toProblem(err: FastifyError | Error, req: FastifyRequest): Problem {
  const instance = redactUrl(req.url);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = err.validation.map((v) => ({
      path: [err.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    return problem(400, 'invalid_request', 'the request does not match the schema', { instance, errors });
  }
  if (err instanceof DomainError) {
    const extra = err.details === undefined ? {} : { details: err.details };
    return problem(domainStatus(err), err.code, err.message, { instance, ...extra });
  }
  const status = (err as FastifyError).statusCode;
  if (!isResponseSerializationError(err) && status && status >= 400 && status < 500) {
    const code = (err as FastifyError).code?.toLowerCase() ?? 'bad_request';
    return problem(status, code, err.message, { instance });
  }
  return problem(500, 'internal', 'an internal error occurred; it has been logged', { instance });
}
