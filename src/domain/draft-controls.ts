/**
 * What a draft's message in the thread offers, by the draft's state: a reviewer decides on
 * a draft waiting for review (or its author edits it meanwhile); a draft sent back for
 * changes is edited. A message showing an older revision offers nothing, so nobody
 * approves text that has since changed. The first control is the one the step expects.
 */
export type DraftControl = 'approve' | 'request_changes' | 'edit';

export function draftControls(state: string, superseded: boolean): readonly DraftControl[] {
  if (superseded) return [];
  switch (state) {
    case 'in_review':
      return ['approve', 'request_changes', 'edit'];
    case 'changes_requested':
      return ['edit'];
    default:
      return [];
  }
}

/** States in which the author may still change a draft (the reply modal, a template picked). */
export const EDITABLE_DRAFT_STATES = ['editing', 'changes_requested', 'in_review'];
