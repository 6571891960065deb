/**
 * Every identifier Slack sends back to us. These are part of the outside contract
 * (CONTRACT.md): messages already posted keep their action ids forever, so a name here is
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
  draftApprove: 'draft.approve',
  draftRequestChanges: 'draft.request_changes',
  draftEdit: 'draft.edit',
  /** Extension: paging of `/mail search` results (value: JSON { q: query text, o: offset }). */
  searchNext: 'search.next',
  searchPrevious: 'search.previous',
  /** Extension: the customer's history, to the clicker alone (value: ticket id). */
  ticketHistory: 'ticket.history',
  /** Extension: edit a customer's company, phone and notes (value: customer id). */
  customerEdit: 'customer.edit',
} as const;

export const CALLBACK_IDS = {
  replySubmit: 'reply.submit',
  /** Extension: the collision warning before the reply modal ("Reply anyway" submits it). */
  replyCollision: 'reply.collision',
  /** Extension: a reviewer's comment when requesting changes to a draft. */
  draftChanges: 'draft.changes',
  /** Extension: the customer modal (company, phone, notes). */
  customerEdit: 'customer.edit',
} as const;

/** Events the app subscribes to in manifest.yml (`message` covers channels and groups). */
export const SUBSCRIBED_EVENTS = [
  'message.channels',
  'message.groups',
  'app_home_opened',
  'member_joined_channel',
  'member_left_channel',
] as const;
