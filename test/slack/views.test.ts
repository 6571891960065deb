import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from '../../src/slack/views/escape.js';
import { buildHelpMessage } from '../../src/slack/views/help-message.js';
import { buildHomeView } from '../../src/slack/views/home-view.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';

const hostile = { name: '<!channel> Support & <https://evil.example|Bank>', address: 'support@example.com', channelId: 'C0SUPPORT' };

describe('escaping text for mrkdwn', () => {
  it('turns mentions and links from mail into plain text', () => {
    expect(escapeMrkdwn('<!channel> & <https://x.example|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;');
  });
});

describe('help and Home', () => {
  it('never lets a configured name ping or link', () => {
    const text = JSON.stringify(buildHelpMessage('en', [hostile, { ...hostile, channelId: 'C0SALES' }]).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('fit Block Kit with many mailboxes, in both languages', () => {
    const mailboxes = Array.from({ length: 60 }, (_, i) => ({ name: `受付窓口 ${i}`.repeat(5), address: `box${i}@example.com`, channelId: `C0BOX${i}` }));
    for (const locale of ['ja', 'en'] as const) {
      expect(checkBlocks('message', buildHelpMessage(locale, mailboxes).blocks)).toEqual([]);
      expect(checkView(buildHomeView(locale, mailboxes))).toEqual([]);
    }
  });
});
