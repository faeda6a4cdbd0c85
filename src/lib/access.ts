/**
 * Who may do what: the scope vocabulary every route declares (`config: { scope: 'read' }`) and
 * the caller an API key stands for. Shared by the HTTP platform (api/), which checks it, and the
 * key store (auth/), which issues it, so neither imports the other. Pure.
 */
export const SCOPES = ['read', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes are ranked: `admin` may do what `operate` may, `operate` what `read` may. */
const RANK: Record<Scope, number> = { read: 1, operate: 2, admin: 3 };

export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.some((s) => RANK[s] >= RANK[needed]);
}

/** The caller behind a verified API key. */
export interface Principal {
  keyId: number;
  name: string;
  scopes: Scope[];
}
