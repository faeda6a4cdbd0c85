import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** The process logger. Modules take a child: `log.child({ module: 'ingest' })`. */
export function createLogger(level: LevelWithSilent, pretty = false): Logger {
  return pino({
    level,
    base: { service: 'meterbill' },
    // Never log secrets that may pass through request logs.
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}
