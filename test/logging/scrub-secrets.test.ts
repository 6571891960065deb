import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { boltLogger, scrubSecrets } from '../../src/slack/bolt-logger.js';

describe('secrets in logs', () => {
  it('are masked in the text Bolt and the Web API client log', () => {
    expect(scrubSecrets('token xoxb-123-456-abcDEF and xapp-1-A0-99-zz')).toBe('token xoxb-*** and xapp-***');
    expect(scrubSecrets('{"url":"wss://wss-primary.slack.com/link/?ticket=abc-123&app_id=A1"}')).toBe(
      '{"url":"wss://wss-primary.slack.com/link/?ticket=***&app_id=A1"}',
    );
  });

  it('are redacted by key in our own structured lines', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('debug', sink);
    logger.info({ imap: { host: 'imap.example.com', password: 'hunter2' }, slack: { botToken: 'xoxb-1' } }, 'config');
    boltLogger(logger).debug('http request result', { url: 'wss://x/?ticket=zzz' }, 'xoxb-999');
    const output = lines.join('');
    expect(output).toContain('imap.example.com');
    expect(output).not.toMatch(/hunter2|xoxb-1"|ticket=zzz|xoxb-999/);
  });
});
