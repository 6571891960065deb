import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../logging/logger.js';

/** Bolt and its Web API client log through our JSON logger, tagged as theirs. */
export function boltLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    scrubSecrets(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  return {
    debug: (...parts) => child.debug(text(parts)),
    info: (...parts) => child.info(text(parts)),
    warn: (...parts) => child.warn(text(parts)),
    error: (...parts) => child.error(text(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Bolt and the Web API client log plain strings (at debug level whole request results),
 * which key-based redaction cannot see: tokens and Socket Mode connection tickets are
 * masked in the text itself.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/\bx(ox[a-z]|app)-[A-Za-z0-9-]+/g, (token) => `${token.slice(0, 5)}***`)
    .replace(/([?&]ticket=)[^&\s"']+/g, '$1***');
}
