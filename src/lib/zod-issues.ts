/**
 * zod issues as `{ path, message }` a caller can act on. A union that no branch accepted reports
 * "Invalid input" with every branch's issues; when all branches but one failed on the value's
 * type alone, the remaining branch is the one the caller meant, and its issues say what is wrong
 * ("energy.kWh: too many integer digits", not "energy.kWh: Invalid input").
 */
import type { z } from 'zod';

export interface PathIssue {
  path: PropertyKey[];
  message: string;
}

/** Did a branch fail only because the value is of another type (at its root)? */
function typeOnly(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_union' && i.errors.every(typeOnly))));
}

export function pathIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): PathIssue[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union') {
      const meant = i.errors.filter((branch) => !typeOnly(branch));
      if (meant.length === 1) return pathIssues(meant[0] as z.core.$ZodIssue[], path);
    }
    return [{ path, message: i.message }];
  });
}
