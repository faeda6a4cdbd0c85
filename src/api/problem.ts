/**
 * One mapping from errors to RFC 7807 problem+json. Domain errors carry no HTTP; this is where
 * they get their status. 5xx details are logged, never returned.
 */
import { z } from 'zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { redactUrl } from './redact.js';
import { ConflictError, DomainError, NotFoundError, TimeoutError, UnavailableError, ValidationError } from '../lib/errors.js';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 7807 problem details' });
export type Problem = z.infer<typeof problemSchema>;

/** Responses every protected route may give; spread into a route's `response`. */
export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  429: problemSchema,
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(status: number, code: string, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `urn:meterbill:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

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
