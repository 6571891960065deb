/**
 * Every identifier Slack sends back to us. These are part of the outside contract
 * (docs/contract.md): messages already posted keep their action ids forever, so a name here is
 * never changed without keeping a listener for the old one.
 */
export const SLASH_COMMAND = '/mail';

export const ACTION_IDS = {
  ticketClaim: 'ticket.claim',
  ticketUnclaim: 'ticket.unclaim',
  ticketAssign: 'ticket.assign',
  ticketStatus: 'ticket.status',
  ticketUrgency: 'ticket.urgency',
  ticketReply: 'ticket.reply',
  ticketJunk: 'ticket.junk',
  /** Extension: "remind me later" (an overflow menu; option values `<ticket id>:1h|3h|next`). */
  ticketSnooze: 'ticket.snooze',
  draftApprove: 'draft.approve',
  draftRequestChanges: 'draft.request_changes',
  draftEdit: 'draft.edit',
  /**
   * Extension: "Discard" on a draft waiting for review or sent back for changes, for its
   * author and the reviewers, behind a confirm dialog (value: draft id; block: the revision).
   */
  draftDiscard: 'draft.discard',
  /** Extension: "New template" (value: the mailbox key it starts in, or empty). */
  templateNew: 'template.new',
  /** Extension: "Edit" beside a template in a list (value: the template id). */
  templateEdit: 'template.edit',
  /** Extension: the template menu in the reply modal (option value: the template version id). */
  replyTemplate: 'reply.template',
  /** Extension: paging of `/mail search` results (value: JSON { q: query text, o: offset }). */
  searchNext: 'search.next',
  searchPrevious: 'search.previous',
  /** Extension: the customer's history, to the clicker alone (value: ticket id). */
  ticketHistory: 'ticket.history',
  /** Extension: edit a customer's company, phone and notes (value: customer id). */
  customerEdit: 'customer.edit',
  /** Extension: "Tags" on the ticket message, opens the tag editor (value: ticket id). */
  ticketTags: 'ticket.tags',
  /**
   * Extension: a mail's original, sent to the asker's DM with Mailroom (an overflow menu
   * beside the mail's text; option values `<message row id>:html|eml`).
   */
  mailOriginal: 'mail.original',
  /**
   * Extension: opens the forward modal (value: the mail's Message row id). The way in is
   * "Forward…" in the mail.original menu, option `<row id>:forward` (an overflow has one
   * action id); no message shows a button with this id, but one would be answered alike.
   */
  mailForward: 'mail.forward',
  /** Extension: "New mail" on the Home tab and the customer card, opens the compose modal (value: a To address, or empty). */
  mailNew: 'mail.new',
  /**
   * Extension: the template menu in the compose modal of a new mail (option value: the
   * template version id); fills the text, the version carried in the modal's private_metadata.
   */
  composeTemplate: 'compose.template',
  /** Extension: "Merge…" on the ticket message, opens the merge modal (value: ticket id). */
  ticketMerge: 'ticket.merge',
  /** Extension: "Undo merge" on a merge's trace in either thread (value: `<source ticket id>:<merge audit id>`). */
  ticketMergeUndo: 'ticket.merge_undo',
  /** Extension: "Split into a new ticket" on a follow-up mail in the thread (value: the mail's Message row id). */
  mailSplit: 'mail.split',
} as const;

export const CALLBACK_IDS = {
  replySubmit: 'reply.submit',
  /** Extension: the collision warning before the reply modal ("Reply anyway" submits it). */
  replyCollision: 'reply.collision',
  /** Extension: a reviewer's comment when requesting changes to a draft. */
  draftChanges: 'draft.changes',
  /** Extension: the new-template and edit-template modal. */
  templateSave: 'template.save',
  /** Extension: the customer modal (company, phone, notes). */
  customerEdit: 'customer.edit',
  /** Extension: the tag editor (private_metadata `{"ticketId": id, "shown": [tags]}`). */
  ticketTags: 'ticket.tags',
  /** Extension: the merge modal (private_metadata `{"ticketId": source id}`). */
  ticketMerge: 'ticket.merge',
  /** Extension: the forward modal (private_metadata `{"ticketId": id, "draftId": id}`); submitted like reply.submit. */
  forwardSubmit: 'forward.submit',
  /** Extension: the compose modal of a new mail (`/mail new`, `mail.new`). */
  composeSubmit: 'compose.submit',
} as const;

/**
 * Modals that only inform (a close button, nothing to submit): their callback ids name
 * them to Slack and to tests, and no listener answers them.
 */
export const INFO_MODAL_IDS = {
  /** Extension: after a reply is submitted whose recipients differ from the customer's mail, the warning. */
  replySubmitted: 'reply.submitted',
} as const;

/** Events the app subscribes to in manifest.yml (`message` covers channels and groups). */
export const SUBSCRIBED_EVENTS = [
  'message.channels',
  'message.groups',
  'app_home_opened',
  'member_joined_channel',
  'member_left_channel',
] as const;
