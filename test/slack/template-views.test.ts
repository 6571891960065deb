import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/domain/line-diff.js';
import { buildHomeView } from '../../src/slack/views/home-view.js';
import { buildReplyModal, readReplyFields, replyBodyBlockId } from '../../src/slack/views/reply-modals.js';
import type { TemplateChoice } from '../../src/services/templates/template-catalog.js';
import {
  buildTemplateAnnouncement,
  buildTemplateList,
  buildTemplateModal,
  type TemplateSummary,
} from '../../src/slack/views/template-views.js';
import { checkBlocks, checkView } from '../support/block-kit-rules.js';
import { mrkdwnTexts } from '../support/blocks.js';

const hostile = '<!channel> *Refunds* & <https://evil.example|Bank>';
const at = new Date('2026-11-24T03:00:00Z');

function summaries(count: number, name = (i: number) => `テンプレート ${i} `.repeat(8)): TemplateSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: name(i),
    category: i % 3 === 0 ? null : `カテゴリ ${i % 7} `.repeat(5),
    version: i + 1,
    scope: `窓口 ${i}`.repeat(10),
    updatedAt: at,
  }));
}

describe('template list', () => {
  it('groups by category with the latest version and an Edit button each, New on top', () => {
    const list = buildTemplateList('en', {
      title: 'Reply templates for Support',
      newValue: 'support',
      templates: [
        { id: 1, name: 'Delay', category: 'Shipping', version: 3, scope: 'Support', updatedAt: at },
        { id: 2, name: 'Thanks', category: null, version: 1, scope: 'shared by every mailbox', updatedAt: at },
        { id: 3, name: 'Address change', category: 'Shipping', version: 2, scope: 'Support', updatedAt: at },
      ],
    });
    expect(checkBlocks('message', list.blocks)).toEqual([]);
    const text = mrkdwnTexts(list.blocks).join('\n');
    // Shipping first (alphabetical within), uncategorised last.
    expect(text.indexOf('*Shipping*')).toBeLessThan(text.indexOf('*Address change* · v2'));
    expect(text.indexOf('*Address change*')).toBeLessThan(text.indexOf('*Delay* · v3'));
    expect(text.indexOf('*Delay*')).toBeLessThan(text.indexOf('*Other*'));
    expect(text).toContain('*Thanks* · v1 · shared by every mailbox');
    const json = JSON.stringify(list.blocks);
    expect(json).toContain('"action_id":"template.new"');
    expect(json.match(/"action_id":"template.edit"/g)).toHaveLength(3);
  });

  it('fits a message and says how many are not shown, however many and long the templates are', () => {
    for (const locale of ['ja', 'en'] as const) {
      const list = buildTemplateList(locale, { title: 'x'.repeat(400), newValue: '', templates: summaries(300) });
      expect(checkBlocks('message', list.blocks)).toEqual([]);
      const shown = JSON.stringify(list.blocks).match(/template\.edit/g)!.length;
      expect(shown).toBeGreaterThan(5);
      expect(mrkdwnTexts(list.blocks).join('\n')).toContain(
        locale === 'en' ? `+${300 - shown} more not shown` : `ほか ${300 - shown} 件`,
      );
      expect(
        checkView(
          buildHomeView(
            locale,
            [{ name: 'Support', address: 's@example.com', channelId: 'C0SUPPORT' }],
            null,
            null,
            summaries(300),
          ),
        ),
      ).toEqual([]);
    }
  });

  it('never lets a template name ping or link', () => {
    const list = buildTemplateList('en', {
      title: 'T',
      newValue: '',
      templates: [{ id: 1, name: hostile, category: hostile, version: 1, scope: hostile, updatedAt: at }],
    });
    const mrkdwn = mrkdwnTexts(list.blocks).join('\n');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).toContain('&lt;!channel&gt;');
  });
});

describe('template modal', () => {
  it('asks for name, category, scope and text when new; shows the version and asks for a note when editing', () => {
    const created = buildTemplateModal({
      locale: 'en',
      name: '',
      category: '',
      body: '',
      scopes: [
        { value: 'mailbox:support', label: 'Support' },
        { value: 'shared', label: 'Every mailbox (shared)' },
      ],
      scope: 'mailbox:support',
    });
    expect(checkView(created)).toEqual([]);
    expect(created.callback_id).toBe('template.save');
    const ids = created.blocks.map((block) => block.block_id).filter(Boolean);
    expect(ids).toEqual(['template_name', 'template_category', 'template_scope', 'template_body']);
    expect(JSON.stringify(created.blocks)).toContain('{{customer_name}}');

    const edited = buildTemplateModal({
      locale: 'ja',
      name: hostile,
      category: 'x'.repeat(80),
      body: 'y'.repeat(5000),
      edit: { templateId: 7, version: 2, authorId: 'U0AGENTEN', at, scopeLabel: hostile },
    });
    expect(checkView(edited)).toEqual([]);
    expect(JSON.parse(edited.private_metadata!)).toEqual({ templateId: 7, baseVersion: 2 });
    expect(mrkdwnTexts(edited.blocks).join('\n')).toContain('第2版');
    expect(edited.blocks.map((block) => block.block_id)).toContain('template_note');
    expect(mrkdwnTexts(edited.blocks).join('\n')).not.toContain('<!channel>');
  });

  it('after a conflict, is based on the newer version and says who saved it', () => {
    const view = buildTemplateModal({
      locale: 'en',
      name: 'n',
      category: '',
      body: 'b',
      edit: { templateId: 7, version: 3, authorId: 'U0AGENTJA', at, scopeLabel: 'S' },
      conflict: { authorId: 'U0AGENTJA', version: 3 },
    });
    expect(checkView(view)).toEqual([]);
    expect(JSON.parse(view.private_metadata!)).toEqual({ templateId: 7, baseVersion: 3 });
    expect(mrkdwnTexts(view.blocks).join('\n')).toContain('<@U0AGENTJA> saved version 3 while you were editing');
  });
});

describe('template announcement', () => {
  it('says who saved which version, the note, and the lines removed and added', () => {
    const message = buildTemplateAnnouncement({
      locale: 'en',
      actorId: 'U0AGENTEN',
      name: 'Delay',
      scope: 'Support',
      version: 2,
      note: 'Carrier is slower <!here>',
      diff: lineDiff('Hello\nIt takes 3 days.', 'Hello\nIt takes 5 days.'),
    });
    expect(checkBlocks('message', message.blocks)).toEqual([]);
    const text = mrkdwnTexts(message.blocks).join('\n');
    expect(text).toContain('<@U0AGENTEN> saved version 2 of the template *Delay* (Support)');
    expect(text).toContain('> Carrier is slower &lt;!here&gt;');
    expect(text).toContain('```\n- It takes 3 days.\n+ It takes 5 days.\n```');
    expect(text).not.toContain('Hello');
  });

  it('stays within one message for the largest change, escaped, and counts what it leaves out', () => {
    const before = Array.from({ length: 1500 }, (_, i) => `<!channel> & old ${i}`)
      .join('\n')
      .slice(0, 3000);
    const after = Array.from({ length: 1500 }, (_, i) => `\`\`\` new ${i} &&&&`)
      .join('\n')
      .slice(0, 3000);
    for (const locale of ['ja', 'en'] as const) {
      const message = buildTemplateAnnouncement({
        locale,
        actorId: 'U0AGENTEN',
        name: hostile.repeat(20),
        scope: hostile,
        version: 9,
        note: '&'.repeat(500),
        diff: lineDiff(before, after),
      });
      expect(checkBlocks('message', message.blocks)).toEqual([]);
      const text = mrkdwnTexts(message.blocks).join('\n');
      expect(text).not.toContain('<!channel>');
      expect(text).toMatch(locale === 'en' ? /and \d+ more changed lines/ : /ほか \d+ 行の変更/);
      // Backticks in a template do not close the code block early: exactly one opens and closes.
      expect(text.match(/```/g)).toHaveLength(2);
    }
  });
});

describe('template menu in the reply modal', () => {
  const base = {
    locale: 'en' as const,
    ticketNumber: 5,
    draftId: 9,
    ticketId: 3,
    to: 'c@example.jp',
    cc: '',
    subject: 'Re: x',
    body: '',
    quoted: 'q',
    review: true,
  };
  const choices = (count: number, category: (i: number) => string | null): TemplateChoice[] =>
    Array.from({ length: count }, (_, i) => ({
      versionId: 1000 + i,
      name: `Template ${i} `.repeat(10),
      category: category(i),
      version: (i % 4) + 1,
    }));

  it('groups by category when there are categories, within Slack’s 100 options, the choice shown', () => {
    const view = buildReplyModal({
      ...base,
      templates: choices(150, (i) => (i % 2 ? `Category ${i % 5}` : null)),
      chosenVersionId: 1001,
      bodyRevision: 2,
      body: 'filled',
    });
    expect(checkView(view)).toEqual([]);
    const menu = (
      view.blocks.find((block) => block.block_id === 'reply_template') as {
        accessory: { option_groups: { options: unknown[] }[]; initial_option: { value: string } };
      }
    ).accessory;
    expect(menu.option_groups.flatMap((group) => group.options)).toHaveLength(100);
    expect(menu.initial_option.value).toBe('1001');
    expect(view.blocks.some((block) => block.block_id === replyBodyBlockId(2))).toBe(true);
  });

  it('uses a flat list without categories, and says how to make a template when there is none', () => {
    const flat = buildReplyModal({ ...base, templates: choices(3, () => null) });
    expect(checkView(flat)).toEqual([]);
    expect(JSON.stringify(flat.blocks)).toContain('"options":[');
    expect(JSON.stringify(flat.blocks)).not.toContain('option_groups');
    const none = buildReplyModal({ ...base, templates: [] });
    expect(checkView(none)).toEqual([]);
    expect(mrkdwnTexts(none.blocks).join('\n')).toContain('/mail template');
  });

  it('reads the body whatever block id a template gave it', () => {
    expect(
      readReplyFields({
        reply_to: { to: { value: 'a@x' } },
        reply_cc: { cc: { value: null } },
        'reply_body.3': { body: { value: 'text' } },
      }),
    ).toEqual({ to: 'a@x', cc: '', body: 'text', bodyRevision: 3 });
    expect(readReplyFields({ reply_body: { body: { value: 'plain' } } })).toMatchObject({
      to: null,
      body: 'plain',
      bodyRevision: 0,
    });
  });
});
