/**
 * Reads a click on a ticket's message: which ticket, which change. Only the ids are taken
 * from Slack's payload (docs/contract.md: the value carries the ticket id; a menu option adds
 * the chosen key; the people menu has no value, so its block id names the ticket).
 */
import type { OriginalFormat } from '../domain/original-mail.js';
import { SNOOZE_CHOICES, type TicketChange } from '../domain/ticket-change.js';
import { ACTION_IDS } from './ids.js';
import { readActionId } from './read-action-id.js';

export interface ClickedAction {
  action_id?: string;
  block_id?: string;
  value?: string;
  selected_option?: { value?: string } | null;
  selected_user?: string | null;
}

export interface TicketActionRequest {
  ticketId: number;
  change: TicketChange;
}

/** `<ticket id>:<key>`, as the status and urgency menus carry it. */
function optionOf(action: ClickedAction): { ticketId: number; key: string } | null {
  const match = /^(\d{1,12}):([a-z][a-z0-9_]{0,31})$/.exec(action.selected_option?.value ?? '');
  return match ? { ticketId: Number(match[1]), key: match[2]! } : null;
}

export function readTicketAction(action: ClickedAction): TicketActionRequest | null {
  switch (action.action_id) {
    case ACTION_IDS.ticketClaim:
    case ACTION_IDS.ticketUnclaim:
    case ACTION_IDS.ticketJunk: {
      const ticketId = readActionId(action.value);
      const kind =
        action.action_id === ACTION_IDS.ticketClaim
          ? 'claim'
          : action.action_id === ACTION_IDS.ticketUnclaim
            ? 'unclaim'
            : 'junk';
      return ticketId === null ? null : { ticketId, change: { kind } };
    }
    case ACTION_IDS.ticketAssign: {
      const ticketId = readActionId(/^ticket-(\d+)-controls$/.exec(action.block_id ?? '')?.[1]);
      const user = action.selected_user;
      return ticketId === null || !user || !/^[UW][A-Z0-9]+$/.test(user)
        ? null
        : { ticketId, change: { kind: 'assign', assigneeId: user } };
    }
    case ACTION_IDS.ticketStatus: {
      const option = optionOf(action);
      return option && { ticketId: option.ticketId, change: { kind: 'status', status: option.key } };
    }
    case ACTION_IDS.ticketSnooze: {
      const [id, choice, ...rest] = (action.selected_option?.value ?? '').split(':');
      const ticketId = readActionId(id);
      const known = SNOOZE_CHOICES.find((candidate) => candidate === choice);
      return ticketId !== null && known && rest.length === 0
        ? { ticketId, change: { kind: 'snooze', choice: known } }
        : null;
    }
    case ACTION_IDS.ticketUrgency: {
      const option = optionOf(action);
      return option && { ticketId: option.ticketId, change: { kind: 'urgency', urgency: option.key } };
    }
    default:
      return null;
  }
}

/** The action ids whose clicks change a ticket (Reply opens a modal instead). */
export const TICKET_CHANGE_ACTIONS = [
  ACTION_IDS.ticketClaim,
  ACTION_IDS.ticketUnclaim,
  ACTION_IDS.ticketAssign,
  ACTION_IDS.ticketStatus,
  ACTION_IDS.ticketUrgency,
  ACTION_IDS.ticketJunk,
  ACTION_IDS.ticketSnooze,
] as const;

/** The mail.original menu's "Forward…" (`<message row id>:forward`): the mail's row id, or null. */
export function readForwardChoice(action: ClickedAction): number | null {
  const match = /^(\d{1,12}):forward$/.exec(action.selected_option?.value ?? '');
  return match ? Number(match[1]) : null;
}

/** The mail.original menu's choice (`<message row id>:html|eml`): which mail, in which form. */
export function readOriginalChoice(action: ClickedAction): { messageRowId: number; format: OriginalFormat } | null {
  const match = /^(\d{1,12}):(html|eml)$/.exec(action.selected_option?.value ?? '');
  return match ? { messageRowId: Number(match[1]), format: match[2] as OriginalFormat } : null;
}
