import { configSchema, type Config } from './config-schema.js';

/** Bad configuration: carries every problem so start-up can list them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses configuration from an environment object (process.env in production, a literal in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    return `${key}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])] ?? null)})`;
  });
  throw new ConfigError(problems);
}
