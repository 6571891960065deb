import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUSES } from '../../src/domain/ticket-fields.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  buildSearchResults,
  pagingValue,
  readPagingValue,
  type SearchResultItem,
} from '../../src/slack/views/search-results.js';
import { checkBlocks } from '../support/block-kit-rules.js';
import { mrkdwnTexts } from '../support/blocks.js';

const hostile = '<!channel> Refund & <https://evil.example|Bank> | '.repeat(40);

function item(i: number): SearchResultItem {
  return {
    number: 1000 + i,
    subject: hostile,
    status: 'in_progress',
    urgency: 'critical',
    assigneeId: 'U0AGENT',
    lastMessageAt: new Date(Date.UTC(2026, 10, 1)),
    permalink: i % 2 ? `https://example.slack.com/archives/C0SUPPORT/p17000000000${i}` : null,
    from: `${'x'.repeat(300)}@example.com`,
    snippet: hostile,
    statuses: DEFAULT_STATUSES,
  };
}

describe('search results', () => {
  it('fit Block Kit with a full page of long, hostile results, in both languages', () => {
    for (const locale of ['en', 'ja'] as const) {
      const message = buildSearchResults({
        locale,
        queryText: `${hostile} from:x`.slice(0, 500),
        offset: 10,
        pageSize: 10,
        more: true,
        items: Array.from({ length: 10 }, (_, i) => item(i)),
      });
      expect(checkBlocks('message', message.blocks)).toEqual([]);
      const mrkdwn = mrkdwnTexts(message.blocks).join('\n');
      expect(mrkdwn).not.toContain('<!channel>');
      expect(mrkdwn).not.toContain('<https://evil');
      const actions = message.blocks.at(-1) as { elements: { action_id: string; value: string }[] };
      expect(actions.elements.map((element) => element.action_id)).toEqual([
        ACTION_IDS.searchPrevious,
        ACTION_IDS.searchNext,
      ]);
      expect(readPagingValue(actions.elements[1]!.value)).toMatchObject({ o: 20 });
      expect(readPagingValue(actions.elements[0]!.value)).toMatchObject({ o: 0 });
    }
  });

  it('say so when nothing is found, and read only sound paging values', () => {
    expect(
      buildSearchResults({ locale: 'ja', queryText: '返品', offset: 0, pageSize: 10, more: false, items: [] }).text,
    ).toContain('一致するものはありません');
    expect(readPagingValue(pagingValue('返品', 10))).toEqual({ q: '返品', o: 10 });
    expect(readPagingValue('{"q":"x","o":-1}')).toBeNull();
    expect(readPagingValue('nonsense')).toBeNull();
  });
});
