/**
 * RFC 7807 problem+json: the schema every route declares for its error responses, and the
 * builders. Features import this (not api/); the mapping of errors to problems is in
 * src/api/problem.ts, the one place domain errors get an HTTP status.
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';

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
