/**
 * The tag editor ("Tags" on a ticket message): the mailbox's tags in a multi-select with
 * the ticket's own chosen, and a field for new ones (Slack's menus cannot make new
 * options). private_metadata carries the ticket id and the tags the editor opened with,
 * so saving changes only what was changed in it (domain/tags.ts tagEdit).
 */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { MAX_TAG_CHARS, MAX_TAGS } from '../../domain/tags.js';
import { t } from '../../i18n/messages.js';
import type { TagEditorAnswer, TagSaveAnswer } from '../../services/tickets/ticket-tags.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { CALLBACK_IDS } from '../ids.js';
import { truncate } from './escape.js';
import { textInput } from './text-input.js';
import { buildRefusalNotice, refusalText } from './ticket-notices.js';

/** The editor's inputs: the menu of known tags and the field for new ones (action id `tags` in both). */
export const TAG_FIELDS = {
  known: { block: 'tags_known', action: 'tags' },
  typed: { block: 'tags_new', action: 'tags' },
} as const;

/** A tag as a menu option: its name is its value (at most MAX_TAG_CHARS characters, within Slack's 75 and 150). */
function tagOption(tag: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(tag, 75), emoji: false }, value: tag };
}

export function buildTagModal(locale: TLocale, editor: Extract<TagEditorAnswer, { kind: 'editor' }>): ModalView {
  const { ticket, current, choices } = editor;
  const options = choices.map(tagOption);
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [{ type: 'plain_text', text: truncate(`#${ticket.number} ${ticket.subject}`, 300), emoji: false }],
    },
  ];
  if (options.length)
    blocks.push({
      type: 'input',
      block_id: TAG_FIELDS.known.block,
      optional: true,
      label: { type: 'plain_text', text: t(locale, 'tags.known_label') },
      hint: { type: 'plain_text', text: t(locale, 'tags.known_hint') },
      element: {
        type: 'multi_static_select',
        action_id: TAG_FIELDS.known.action,
        placeholder: { type: 'plain_text', text: t(locale, 'tags.known_placeholder') },
        options,
        ...(current.length ? { initial_options: options.filter((option) => current.includes(option.value!)) } : {}),
      },
    });
  blocks.push(
    textInput({
      field: TAG_FIELDS.typed,
      label: t(locale, 'tags.new_label'),
      hint: t(locale, 'tags.new_hint', { chars: MAX_TAG_CHARS, max: MAX_TAGS }),
      optional: true,
      maxLength: 1_000,
    }),
  );
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.ticketTags,
    private_metadata: JSON.stringify({ ticketId: ticket.id, shown: current }),
    title: { type: 'plain_text', text: truncate(t(locale, 'tags.title'), 24) },
    submit: { type: 'plain_text', text: truncate(t(locale, 'tags.save'), 24) },
    close: { type: 'plain_text', text: truncate(t(locale, 'tags.cancel'), 24) },
    blocks,
  };
}

/** "Tags" clicked: the editor to open, or why not, to the clicker alone. */
export function buildTagEditorOpening(
  locale: TLocale,
  answer: TagEditorAnswer,
): { view: ModalView } | { notice: SlackMessage } {
  return answer.kind === 'editor'
    ? { view: buildTagModal(locale, answer) }
    : { notice: buildRefusalNotice(locale, answer.refusal) };
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_options?: { value?: string }[] | null }>
>;

/** What the editor holds when saved: the tags still chosen in the menu and the text typed as new tags. */
export function readTagFields(values: StateValues | undefined): { chosen: string[]; typed: string } {
  const chosen = values?.[TAG_FIELDS.known.block]?.[TAG_FIELDS.known.action]?.selected_options ?? [];
  return {
    chosen: chosen.flatMap((option) => (typeof option?.value === 'string' ? [option.value] : [])),
    typed: values?.[TAG_FIELDS.typed.block]?.[TAG_FIELDS.typed.action]?.value ?? '',
  };
}

/** The tags the editor opened with, from its private_metadata (strings only). */
export function readShownTags(privateMetadata: string | undefined): string[] {
  try {
    const shown = (JSON.parse(privateMetadata || '{}') as { shown?: unknown }).shown;
    return Array.isArray(shown) ? shown.filter((tag): tag is string => typeof tag === 'string').slice(0, MAX_TAGS) : [];
  } catch {
    return [];
  }
}

/** The editor's answer to Save: errors on its new-tags field, or none (it closes; the ticket's message shows the change). */
export function tagSaveErrors(locale: TLocale, answer: TagSaveAnswer): Record<string, string> | null {
  switch (answer.kind) {
    case 'done':
      return null;
    case 'too_long':
      return {
        [TAG_FIELDS.typed.block]: truncate(
          t(locale, 'tags.too_long', { max: MAX_TAG_CHARS, tags: answer.tags.join(', ') }),
          2000,
        ),
      };
    case 'refused':
      return { [TAG_FIELDS.typed.block]: truncate(refusalText(locale, answer.refusal), 2000) };
  }
}
