/**
 * One JSON line per event on stdout (pino). Anything that looks like a secret is redacted
 * wherever it appears in a logged object, so a config or error object logged whole does
 * not leak a token or password.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'password',
  'pass',
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'authorization',
  'secret',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'privateKey',
  'assertion',
];

/** Told of every line logged (level number, its `code`): how /metrics counts events. */
export type LogObserver = (level: number, code: string | undefined) => void;

export function createLogger(level = 'info', destination?: NodeJS.WritableStream, observe?: LogObserver): Logger {
  return pino(
    {
      level,
      ...(observe
        ? {
            hooks: {
              logMethod(args, method, levelNumber) {
                const first = args[0] as unknown;
                observe(
                  levelNumber,
                  first && typeof first === 'object'
                    ? ((first as { code?: unknown }).code as string | undefined)
                    : undefined,
                );
                return method.apply(this, args);
              },
            },
          }
        : {}),
      base: { app: 'mailroom' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream | undefined,
  );
}
