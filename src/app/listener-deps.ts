/**
 * What each feature's listeners are given: one object per feature, each built here from
 * the parts it needs and nothing else, so a feature's dependencies read in one line.
 */
import type { TMailboxConfig } from '../config/config-schema.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import { createChannelMembers } from '../slack-api/channel-members.js';
import { createChartUploader } from '../slack-api/chart-uploader.js';
import { createDirectFiles } from '../slack-api/direct-files.js';
import { createPermalinks } from '../slack-api/permalinks.js';
import { createReviewers } from '../slack-api/reviewers.js';
import { createSlackFiles } from '../slack-api/slack-files.js';
import { createUserLocales } from '../slack-api/user-locales.js';
import { createUserNames } from '../slack-api/user-names.js';
import { createProcessedEvents } from '../services/processed-events.js';
import type { ListenerDeps } from '../slack/listeners/index.js';
import type { WebClient } from '@slack/web-api';
import type { TLocale } from '../domain/locale.js';

export interface ListenerParts {
  db: Db;
  logger: Logger;
  client: WebClient;
  mailboxes: readonly TMailboxConfig[];
  /** The workspace's default language, for a user Slack gives none for. */
  locale: TLocale;
  /** Queued Slack posts are waiting: post them now. */
  wakePoster(): void;
  /** An approved reply is waiting: send it now. */
  wakeOutbox(): void;
  /** Who may forget or export a customer's data (ADMINS). */
  admins: readonly string[];
}

export function buildListenerDeps(parts: ListenerParts): ListenerDeps {
  const { db, logger, client, mailboxes, wakePoster, wakeOutbox } = parts;
  const userLocales = createUserLocales(client, parts.locale, logger);
  const members = createChannelMembers(client, logger);
  const reviewers = createReviewers(client, logger);
  const userNames = createUserNames(client, logger);
  const permalink = createPermalinks(client);
  const directFiles = createDirectFiles(client);
  return {
    userLocales,
    mailboxes,
    search: { db, members, logger, permalink },
    dashboard: { db, members, logger, permalink, mailboxes, reviewers, uploadChart: createChartUploader(client) },
    ticketActions: { db, members, userLocales, logger, wakePoster, mailboxes },
    replies: { db, members, userLocales, logger, mailboxes },
    review: {
      db,
      members,
      userLocales,
      userNames,
      logger,
      mailboxes,
      reviewers,
      files: createSlackFiles(client),
      wakePoster,
      wakeOutbox,
    },
    templates: { db, members, userLocales, userNames, logger, mailboxes, wakePoster },
    processedEvents: createProcessedEvents(db),
    originals: { db, members, logger, directFiles },
    privacy: { db, logger, wakePoster, admins: parts.admins, directFiles },
    exports: { db, members, logger, mailboxes, directFiles, nameOf: (userId) => userNames.nameOf(userId) },
  };
}
