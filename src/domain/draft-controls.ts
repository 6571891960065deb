/**
 * What a draft's message in the thread offers, by the draft's state: a reviewer decides on
 * a draft waiting for review (or its author edits it meanwhile); a draft sent back for
 * changes is edited. A message showing an older revision offers nothing, so nobody
 * approves text that has since changed. The first control is the one the step expects.
 */
import { escapeMrkdwn } from './mrkdwn.js';

export type DraftControl = 'approve' | 'request_changes' | 'edit' | 'discard';

/**
 * What one Slack message can show of a draft, counted as Slack counts it (mrkdwn escapes
 * `&`, `<`, `>`): the text in three sections, the recipients and subject in one block.
 */
export const DRAFT_SHOWN_LIMITS = { bodyChars: 8_700, headerChars: 2_800 } as const;

/**
 * The reviewer sees every recipient and every character of the text in the draft's
 * message: a draft longer than that cannot be approved in Slack (it is shortened, or sent
 * back). The "To/Cc/Subject" labels are counted with room to spare.
 */
export function draftShownWhole(draft: { to: string; cc: string; subject: string; body: string }): boolean {
  const shown = (text: string) => escapeMrkdwn(text).length;
  return (
    shown(draft.body.trim()) <= DRAFT_SHOWN_LIMITS.bodyChars &&
    shown(`${draft.to}${draft.cc}${draft.subject}`) + 60 <= DRAFT_SHOWN_LIMITS.headerChars
  );
}

export function draftControls(state: string, superseded: boolean, shownWhole = true): readonly DraftControl[] {
  if (superseded) return [];
  switch (state) {
    case 'in_review':
      return shownWhole ? ['approve', 'request_changes', 'edit', 'discard'] : ['request_changes', 'edit', 'discard'];
    case 'changes_requested':
      return ['edit', 'discard'];
    default:
      return [];
  }
}

/** States in which the author may still change a draft (the reply modal, a template picked). */
export const EDITABLE_DRAFT_STATES = ['editing', 'changes_requested', 'in_review'];

/**
 * States in which a draft may be discarded (by its author or a reviewer): submitted and not
 * yet decided for sending. Once approved it is in the outbox, which sends exactly once.
 */
export const DISCARDABLE_DRAFT_STATES = ['in_review', 'changes_requested'];
