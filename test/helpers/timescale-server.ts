/**
 * What a test server offers, asked independently of src/db/timescale.ts (as a superuser: the
 * setting itself), for test/db/timescale-*.test.ts.
 */
import pg from 'pg';

export interface ServerState {
  available: boolean;
  preloaded: boolean;
}

export async function serverState(url: string | undefined): Promise<ServerState> {
  if (!url) return { available: false, preloaded: false };
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<ServerState>(`
      select exists(select 1 from pg_available_extensions where name = 'timescaledb') as available,
        'timescaledb' = any(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) as preloaded`);
    return rows[0] as ServerState;
  } finally {
    await c.end();
  }
}

