/**
 * Templates in Slack: the list (`/mail template` and the Home tab), the new / edit modal
 * (`template.save`) and the announcement of a new version in a mailbox channel. Pure: data
 * in, Block Kit out, within Slack's limits however many or long the templates are.
 * Template names, categories, notes and texts are people's words: escaped in mrkdwn.
 */
import { userMention } from '../../domain/mentions.js';
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import type { DiffLine } from '../../domain/line-diff.js';
import {
  byCategory,
  TEMPLATE_BODY_MAX,
  TEMPLATE_CATEGORY_MAX,
  TEMPLATE_NAME_MAX,
  TEMPLATE_NOTE_MAX,
} from '../../domain/template-rules.js';
import { TEMPLATE_VARIABLES } from '../../domain/template-variables.js';
import { t } from '../../i18n/messages.js';
import { ACTION_IDS, CALLBACK_IDS } from '../ids.js';
import { escapeAndTruncate, truncate } from './escape.js';
import type { TemplateListing } from '../../services/templates/list-templates.js';
import type { UsableTemplate } from '../../services/templates/template-catalog.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { slackDate } from './ticket-message.js';
import { plainText, textInput } from './text-input.js';

export const TEMPLATE_FIELDS = {
  name: { block: 'template_name', action: 'name' },
  category: { block: 'template_category', action: 'category' },
  scope: { block: 'template_scope', action: 'scope' },
  body: { block: 'template_body', action: 'body' },
  note: { block: 'template_note', action: 'note' },
} as const;

export interface TemplateSummary {
  id: number;
  name: string;
  category: string | null;
  version: number;
  /** Where it can be used, as the reader should see it. */
  scope: string;
  updatedAt: Date;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });

/** Where a template may be used: its mailbox, or every mailbox for a shared one. */
export function scopeName(locale: TLocale, mailboxName: string | null): string {
  return mailboxName ?? t(locale, 'templates.shared');
}

/** The templates as a list shows them: where each may be used, in the reader's language. */
export function templateSummaries(locale: TLocale, templates: readonly UsableTemplate[]): TemplateSummary[] {
  return templates.map((template) => ({
    id: template.id,
    name: template.name,
    category: template.category,
    version: template.latest.version,
    scope: scopeName(locale, template.mailboxName),
    updatedAt: template.updatedAt,
  }));
}

/** `/mail template`: the templates of the channel's mailbox, or of every mailbox the person is in. */
export function buildTemplateListing(locale: TLocale, listing: TemplateListing): SlackMessage {
  return buildTemplateList(locale, {
    title:
      listing.mailboxName !== null
        ? t(locale, 'templates.list_title', { mailbox: listing.mailboxName })
        : t(locale, 'templates.list_title_all'),
    templates: templateSummaries(locale, listing.templates),
    newValue: listing.newValue,
  });
}

/** Room left for the list in a message: 50 blocks and Slack's size limit, with margin. */
const LIST_MAX_BLOCKS = 46;
const LIST_MAX_CHARS = 11_000;

/**
 * The templates grouped by category, each with its latest version and an Edit button, and
 * "New template" on top. What does not fit a message is counted, not dropped silently.
 */
export function buildTemplateList(
  locale: TLocale,
  input: { title: string; templates: readonly TemplateSummary[]; newValue: string },
): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(truncate(input.title, 150)) },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.templateNew,
          style: 'primary',
          text: plainText(t(locale, 'templates.new')),
          value: input.newValue,
        },
      ],
    },
  ];
  if (input.templates.length === 0) {
    blocks.push({ type: 'section', text: mrkdwn(t(locale, 'templates.none')) });
    return { text: input.title, blocks };
  }
  let shown = 0;
  let size = JSON.stringify(blocks).length;
  const add = (block: KnownBlock): boolean => {
    const cost = JSON.stringify(block).length + 1;
    if (blocks.length + 1 > LIST_MAX_BLOCKS || size + cost > LIST_MAX_CHARS) return false;
    blocks.push(block);
    size += cost;
    return true;
  };
  fill: for (const group of byCategory(input.templates)) {
    const heading =
      group.category === null
        ? t(locale, 'templates.uncategorized')
        : escapeAndTruncate(group.category, TEMPLATE_CATEGORY_MAX * 5);
    if (!add({ type: 'context', elements: [mrkdwn(`*${heading}*`)] })) break;
    for (const template of group.items) {
      const line = t(locale, 'templates.line', {
        name: escapeAndTruncate(template.name, 500),
        version: template.version,
        scope: escapeAndTruncate(template.scope, 300),
        updated: slackDate(template.updatedAt),
      });
      const row: KnownBlock = {
        type: 'section',
        text: mrkdwn(line),
        accessory: {
          type: 'button',
          action_id: ACTION_IDS.templateEdit,
          text: plainText(t(locale, 'templates.edit')),
          value: String(template.id),
        },
      };
      if (!add(row)) break fill;
      shown += 1;
    }
  }
  if (shown < input.templates.length)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(t(locale, 'templates.more', { count: input.templates.length - shown }))],
    });
  return { text: input.title, blocks };
}

/** What the modal carries back: ids and the version the edit started from, nothing else. */
export interface TemplateModalMetadata {
  templateId?: number;
  baseVersion?: number;
}

export interface TemplateModalInput {
  locale: TLocale;
  name: string;
  category: string;
  body: string;
  note?: string;
  /** New template: where it may be used (`shared` or `mailbox:<key>`), and the choice. */
  scopes?: { value: string; label: string }[];
  scope?: string;
  /** Edit: the template, the version being edited and who wrote it. */
  edit?: { templateId: number; version: number; authorId: string; at: Date; scopeLabel: string };
  /** Someone saved a newer version while this was open: rebased onto it. */
  conflict?: { authorId: string; version: number };
}

export function buildTemplateModal(input: TemplateModalInput): ModalView {
  const { locale, edit } = input;
  const blocks: KnownBlock[] = [];
  if (input.conflict) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        t(locale, 'templates.conflict', {
          author: userMention(input.conflict.authorId),
          version: input.conflict.version,
          next: input.conflict.version + 1,
        }),
      ),
    });
  } else if (edit) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          t(locale, 'templates.editing', {
            version: edit.version,
            author: userMention(edit.authorId),
            date: slackDate(edit.at),
            next: edit.version + 1,
          }),
        ),
      ],
    });
  }
  blocks.push(
    textInput({
      field: TEMPLATE_FIELDS.name,
      label: t(locale, 'templates.name'),
      maxLength: TEMPLATE_NAME_MAX,
      initial: input.name,
    }),
    textInput({
      field: TEMPLATE_FIELDS.category,
      label: t(locale, 'templates.category'),
      hint: t(locale, 'templates.category_hint'),
      optional: true,
      maxLength: TEMPLATE_CATEGORY_MAX,
      initial: input.category,
    }),
  );
  if (edit) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(t(locale, 'templates.scope_fixed', { scope: escapeAndTruncate(edit.scopeLabel, 500) }))],
    });
  } else {
    const options: PlainTextOption[] = (input.scopes ?? [])
      .slice(0, 100)
      .map((scope) => ({ text: plainText(truncate(scope.label, 75)), value: scope.value }));
    const chosen = options.find((option) => option.value === input.scope);
    blocks.push({
      type: 'input',
      block_id: TEMPLATE_FIELDS.scope.block,
      label: plainText(t(locale, 'templates.scope')),
      element: {
        type: 'static_select',
        action_id: TEMPLATE_FIELDS.scope.action,
        options,
        ...(chosen ? { initial_option: chosen } : {}),
      },
    });
  }
  blocks.push(
    textInput({
      field: TEMPLATE_FIELDS.body,
      label: t(locale, 'templates.body'),
      hint: t(locale, 'templates.body_hint', { variables: TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(' ') }),
      multiline: true,
      maxLength: TEMPLATE_BODY_MAX,
      initial: input.body,
    }),
  );
  if (edit) {
    blocks.push(
      textInput({
        field: TEMPLATE_FIELDS.note,
        label: t(locale, 'templates.note'),
        hint: t(locale, 'templates.note_hint'),
        optional: true,
        maxLength: TEMPLATE_NOTE_MAX,
        initial: input.note,
      }),
    );
  }
  const metadata: TemplateModalMetadata = edit
    ? { templateId: edit.templateId, baseVersion: input.conflict?.version ?? edit.version }
    : {};
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.templateSave,
    private_metadata: JSON.stringify(metadata),
    title: plainText(truncate(t(locale, edit ? 'templates.title_edit' : 'templates.title_new'), 24)),
    submit: plainText(truncate(t(locale, 'templates.save'), 24)),
    close: plainText(truncate(t(locale, 'templates.cancel'), 24)),
    blocks,
  };
}

/** Slack user ids only ever come from Slack, but a mention is built only from a plain id. */
export interface AnnouncementInput {
  locale: TLocale;
  actorId: string;
  name: string;
  scope: string;
  version: number;
  note: string | null;
  /** Lines removed and added since the previous version (all added for version 1). */
  diff: readonly DiffLine[];
}

const DIFF_MAX_CHARS = 2_600;
const DIFF_LINE_MAX = 300;

/**
 * "<who> saved version N of <template>", the change note and a compact diff. The diff is
 * whole lines, escaped, in a code block (so `*` and `_` in a template stay as written),
 * cut to fit one section, with the number of lines left out.
 */
export function buildTemplateAnnouncement(input: AnnouncementInput): SlackMessage {
  const { locale } = input;
  const params = {
    actor: userMention(input.actorId),
    name: escapeAndTruncate(input.name, 300),
    scope: escapeAndTruncate(input.scope, 300),
    version: input.version,
  };
  const headline = t(locale, input.version === 1 ? 'templates.announce_created' : 'templates.announce_version', params);
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(headline) }];
  if (input.note?.trim()) {
    const note = escapeAndTruncate(input.note.trim(), 2_000)
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    blocks.push({ type: 'section', text: mrkdwn(`*${t(locale, 'templates.announce_note')}*\n${note}`) });
  }
  blocks.push({
    type: 'section',
    text: mrkdwn(`*${t(locale, 'templates.announce_changes')}*\n${diffText(locale, input.diff)}`),
  });
  return { text: headline, blocks };
}

function diffText(locale: TLocale, diff: readonly DiffLine[]): string {
  if (diff.length === 0) return `_${t(locale, 'templates.announce_no_changes')}_`;
  const lines: string[] = [];
  let size = 0;
  for (const line of diff) {
    const shown =
      `${line.kind === 'removed' ? '-' : '+'} ${codeSafe(escapeAndTruncate(line.text, DIFF_LINE_MAX))}`.trimEnd();
    if (size + shown.length + 1 > DIFF_MAX_CHARS) break;
    lines.push(shown);
    size += shown.length + 1;
  }
  const left = diff.length - lines.length;
  const more = left > 0 ? `\n${t(locale, 'templates.announce_more', { count: left })}` : '';
  return `\`\`\`\n${lines.join('\n')}\n\`\`\`${more}`;
}

/** Three backticks in a template would close the code block: a zero-width space breaks them. */
function codeSafe(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
}
