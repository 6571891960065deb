import type { ListenerRegistry } from '../listener-registry.js';
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { SearchDeps } from '../../services/search/answer-search.js';
import type { UserLocales } from '../../slack-api/user-locales.js';
import type { DashboardDeps } from '../publish-home.js';
import type { ProcessedEvents } from '../../services/processed-events.js';
import type { TicketActionDeps } from '../../services/tickets/change-ticket.js';
import type { OriginalMailDeps } from '../../services/tickets/original-mail.js';
import type { ReplyDeps } from '../../services/replies/open-reply.js';
import type { ReviewDeps } from '../../services/replies/review-reply.js';
import type { TemplateDeps } from '../../services/templates/template-catalog.js';
import { eventDedupe } from '../event-dedupe.js';
import { registerCustomerEditAction } from './actions/customer-edit.js';
import { registerDraftActions } from './actions/draft-actions.js';
import { registerReplyActions } from './actions/reply-actions.js';
import { registerSearchPaging } from './actions/search-paging.js';
import { registerTemplateActions } from './actions/template-actions.js';
import { registerTicketActions } from './actions/ticket-actions.js';
import { registerTicketHistory } from './actions/ticket-history.js';
import { registerTicketMerge } from './actions/ticket-merge.js';
import { registerMailSplit } from './actions/mail-split.js';
import { registerMailOriginal } from './actions/mail-original.js';
import { registerTicketTagsAction } from './actions/ticket-tags.js';
import { registerMailCommand } from './commands/mail-command.js';
import type { PrivacyCommandDeps } from '../../services/privacy/forget-customer.js';
import type { SendExportDeps } from '../../services/reports/export-tickets.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerChannelMembership } from './events/channel-membership.js';
import { registerThreadMessages } from './events/thread-messages.js';
import { registerCustomerEditView } from './views/customer-edit.js';
import { registerDraftChanges } from './views/draft-changes.js';
import { registerReplyCollision } from './views/reply-collision.js';
import { registerReplySubmit } from './views/reply-submit.js';
import { registerComposeSubmit } from './views/compose-submit.js';
import { registerTemplateSave } from './views/template-save.js';
import { registerTicketMergeView } from './views/ticket-merge.js';
import { registerTicketTagsView } from './views/ticket-tags.js';

/**
 * Everything the listeners use, one object per feature, built once by the composition
 * root (app/listener-deps.ts): listeners only read the request, call a service with these
 * and answer with a view.
 */
export interface ListenerDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  /** Search, customers and stats read tickets with these. */
  search: SearchDeps;
  dashboard: DashboardDeps;
  ticketActions: TicketActionDeps;
  replies: ReplyDeps;
  review: ReviewDeps;
  templates: TemplateDeps;
  processedEvents: ProcessedEvents;
  /** A mail's original, sent to the asker's DM. */
  originals: OriginalMailDeps;
  /** A customer's data forgotten or exported, by the admins. */
  privacy: PrivacyCommandDeps;
  /** `/mail export`: tickets and numbers as CSV files, sent to the asker's DM. */
  exports: SendExportDeps;
}

/** Every listener of the app, per Slack surface. */
export function registerListeners(registry: ListenerRegistry, deps: ListenerDeps): void {
  const { ticketActions } = deps;
  registry.use(eventDedupe(deps.processedEvents, ticketActions.logger));
  registerMailCommand(registry, deps);
  registerSearchPaging(registry, deps);
  registerTicketHistory(registry, deps);
  registerCustomerEditAction(registry, deps);
  registerCustomerEditView(registry, deps);
  registerAppHomeOpened(registry, deps);
  registerTicketActions(registry, deps);
  registerTicketMerge(registry, deps);
  registerTicketMergeView(registry, deps);
  registerMailSplit(registry, deps);
  registerTicketTagsAction(registry, deps);
  registerMailOriginal(registry, deps);
  registerReplyActions(registry, deps);
  registerDraftActions(registry, deps);
  registerTemplateActions(registry, deps);
  registerReplyCollision(registry, deps);
  registerReplySubmit(registry, deps);
  registerComposeSubmit(registry, deps);
  registerDraftChanges(registry, deps);
  registerTemplateSave(registry, deps);
  registerTicketTagsView(registry, deps);
  registerThreadMessages(registry, ticketActions);
  registerChannelMembership(registry, ticketActions);
}
