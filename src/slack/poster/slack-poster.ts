/**
 * Sends queued Slack posts, exactly once each, in order per channel, paced per channel.
 *
 * - Order: one worker per channel takes the first post that is due, by priority (people's
 *   clicks, then new tickets, then thread contents: a backlog shows every ticket at the
 *   channel's pace before the threads fill in), then age. Inside a ticket the order is
 *   strict: a post waits while an earlier one of its ticket, of the same or a higher
 *   priority, is unfinished. A post waiting to be retried blocks only its own thread.
 * - Pace: a token bucket per channel (Slack allows about one message a second per channel,
 *   with short bursts). A 429 pauses only that channel for its Retry-After; the Web API
 *   client is told not to pause itself, which would stall every channel.
 * - Exactly once: a post is claimed (conditionally, so two instances never both take it)
 *   and marked `posting` before the call, and carries its id in the message metadata. If
 *   we crash (or the network fails) between Slack's answer and our update, the post is
 *   still `posting`: we look for our metadata in the channel (or thread) first and adopt
 *   that message instead of posting again. Files are uploaded once; their ids are saved
 *   before they are shared.
 * - An outage delays but never loses: network errors, 5xx and Slack's transient error
 *   codes are retried with backoff for as long as the channel takes nothing. A post that
 *   keeps failing while the channel's other posts go through is given up after
 *   GIVE_UP_AFTER tries, as is one Slack refuses outright: it is marked failed, logged
 *   (`slack_post_failed`, counted in /metrics) and a short note takes its place in the
 *   thread. A refused ticket message is replaced by a plain one with the controls first.
 * - Files are paced by the file methods' own (workspace-wide) limit, not the channel's
 *   message rate, and shared at most FILES_PER_SHARE per call.
 */
import { WakeableSleep } from '../../util/wakeable-sleep.js';
import { WebClient } from '@slack/web-api';
import { claimFolded, claimPost, nextDuePost, postsToFold } from './post-claims.js';
import { PostPacer, type Pace } from './post-pacer.js';
import { findInThread, findPosted, POST_METADATA_EVENT } from './post-recovery.js';
import type { Db, SlackPost } from '../../db/client.js';
import { backoffDelay } from '../../domain/backoff.js';
import type { Logger } from '../../logging/logger.js';
import type { ThreadFile } from '../../services/tickets/load-thread-files.js';
import { uploadToSlack } from '../../slack-api/upload-file.js';
import { createPermalinks, type Permalinks } from '../../slack-api/permalinks.js';
import { renderFolded, renderPost, type RenderedPost } from './render-post.js';
import { POST_KINDS, UPDATE_KINDS } from '../../posts/post-kinds.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { queuePosts } from '../../posts/queue-post.js';
import { errorMessage } from '../../errors.js';

export interface PosterOptions {
  token: string;
  apiUrl: string;
  instanceId: string;
  /** Files a `files` post shares into the thread (see load-thread-files.ts). */
  loadFiles?: (messageRowId: number) => Promise<ThreadFile[]>;
  /** Sustained posts per second per channel. */
  ratePerSecond?: number;
  /** Posts that may go out at once after a quiet spell. */
  burst?: number;
  /** First retry delay of a failed post, doubling after each try (tests shorten it). */
  retryBaseMs?: number;
  /**
   * Whether this instance may still post (it holds the poster's lease, renewed recently):
   * asked before each post is claimed, so a poster that hung and was replaced takes no
   * new post when it wakes, before it learns it was replaced.
   */
  mayPost?: () => boolean;
}

type SlackCallError = Error & { code?: string; retryAfter?: number; data?: { error?: string } };

const IDLE_POLL_MS = 1_000;
/** How often channels without a worker are looked for (see #watchChannels). */
const CHANNEL_WATCH_MS = 10_000;
/** The key of that watch among the workers (no channel id starts with '#'). */
const CHANNEL_WATCH = '#channels';
/** Slack errors that mean "not now", not "never": the post waits and is tried again. */
const TRANSIENT_SLACK_ERRORS = new Set([
  'internal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'team_added_to_org',
  'fatal_error',
]);
/** Slack errors that an admin can mend (invite the bot, fix the token): retried slowly. */
const SETUP_SLACK_ERRORS = new Set([
  'not_in_channel',
  'channel_not_found',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'is_archived',
]);
/**
 * chat.update is limited per workspace (Slack's Tier 3, about 50 a minute), not per
 * channel like posting: one bucket for all channels, with room for a burst of clicks.
 */
const CHAT_UPDATE_BUCKET = 'chat.update';
const UPDATE_PACE = { rate: 50 / 60, burst: 10 };
/** Tries before a post that fails while its channel works is given up. */
const GIVE_UP_AFTER = 6;
/**
 * files.getUploadURLExternal and files.completeUploadExternal are Tier 4 methods (100+ a
 * minute, per workspace), not bound by chat.postMessage's one a second per channel.
 */
const FILES_BUCKET = 'files';
const FILES_PACE = { rate: 100 / 60, burst: 10 };
/** Files shared by one files.completeUploadExternal call (Slack errs with many more). */
export const FILES_PER_SHARE = 10;

/** Slack's answers for a file that is no longer there: deleting it again is done. */
const FILE_GONE = new Set(['file_not_found', 'file_deleted']);

export class SlackPoster {
  readonly client: WebClient;
  /** Links to other tickets' threads in what is rendered (a merge's pointer). */
  readonly #links: Permalinks;
  readonly #pacer = new PostPacer(() => this.#stopped);
  readonly #workers = new Map<string, Promise<void>>();
  readonly #sleeper = new WakeableSleep();
  /** When each channel last took a post: a post failing while it does is the problem. */
  readonly #lastSuccess = new Map<string, number>();
  /** When each failing post first failed (in memory: a restart only retries longer). */
  readonly #firstFailure = new Map<number, number>();
  readonly #watchSleeper = new WakeableSleep();
  #stopped = false;

  constructor(
    private readonly db: Db,
    private readonly channels: readonly string[],
    private readonly options: PosterOptions,
    private readonly logger: Logger,
  ) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 15_000,
    });
    this.#links = createPermalinks(this.client);
  }

  /**
   * Starts one worker per channel: the configured ones and any that still has unfinished
   * posts (a mailbox moved to another channel). With `releaseClaims` (a single instance,
   * as on SQLite) every claim left by a previous process is released first: its holder is
   * dead, and the post is looked for in Slack before it is sent again. `releaseClaimsOf`
   * releases only the claims of one instance known to be dead (its database session ended).
   */
  async start({
    releaseClaims = false,
    releaseClaimsOf,
  }: {
    releaseClaims?: boolean;
    releaseClaimsOf?: string;
  } = {}): Promise<void> {
    if (releaseClaims || releaseClaimsOf) {
      await this.db.slackPost.updateMany({
        where: {
          state: 'posting',
          claimedUntil: { not: null },
          ...(releaseClaimsOf ? { claimedBy: releaseClaimsOf } : {}),
        },
        data: { claimedUntil: null, claimedBy: null },
      });
    }
    for (const channel of this.channels) this.#workers.set(channel, this.#work(channel));
    await this.#startMissingWorkers();
    this.#workers.set(CHANNEL_WATCH, this.#watchChannels());
  }

  /** A worker for every channel with unfinished posts that has none. */
  async #startMissingWorkers(): Promise<void> {
    const pending = await this.db.slackPost.findMany({
      where: { state: { in: ['queued', 'posting'] } },
      distinct: ['channelId'],
      select: { channelId: true },
    });
    for (const { channelId } of pending)
      if (!this.#workers.has(channelId)) this.#workers.set(channelId, this.#work(channelId));
  }

  /**
   * Posts can be queued for a channel that had none when the poster started: a customer
   * answering an old ticket of a mailbox since moved to another channel. Looked for
   * every CHANNEL_WATCH_MS, so they wait seconds, not for a restart. Its own sleep: the
   * workers' is woken at every queued post, which need not cost this query each time.
   */
  async #watchChannels(): Promise<void> {
    while (!this.#stopped) {
      await this.#watchSleeper.sleep(CHANNEL_WATCH_MS);
      if (this.#stopped) return;
      await this.#startMissingWorkers().catch((error: Error) =>
        this.logger.error({ code: 'slack_poster_failed', err: error.message }, 'Slack poster error'),
      );
    }
  }

  /** New posts are queued: look now rather than at the next poll. */
  wake(): void {
    this.#sleeper.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    this.#watchSleeper.wake();
    await Promise.allSettled(this.#workers.values());
  }

  get #postPace(): Pace {
    return { rate: this.options.ratePerSecond ?? 1, burst: this.options.burst ?? 3 };
  }

  async #work(channel: string): Promise<void> {
    while (!this.#stopped) {
      try {
        const post = this.options.mayPost?.() === false ? undefined : await nextDuePost(this.db, channel);
        if (!post) {
          await this.#sleeper.sleep(IDLE_POLL_MS);
          continue;
        }
        await this.#send(post);
      } catch (error) {
        this.logger.error({ code: 'slack_poster_failed', channel, err: errorMessage(error) }, 'Slack poster error');
        await this.#sleeper.sleep(2_000);
      }
    }
  }

  /** The thread a post belongs in is not there and never will be: fail it too. */
  async #parentFailed(post: SlackPost): Promise<boolean> {
    if (post.ticketId === null) return false;
    const parent = await this.db.slackPost.findUnique({
      where: { dedupeKey: `ticket:${post.ticketId}` },
      select: { state: true },
    });
    return parent?.state === 'failed';
  }

  async #waitForThread(post: SlackPost): Promise<void> {
    if (await this.#parentFailed(post)) {
      await this.db.slackPost.update({
        where: { id: post.id },
        data: { state: 'failed', lastError: 'the ticket post failed' },
      });
      this.logger.error(
        { code: 'slack_post_dropped', postId: post.id, ticketId: post.ticketId },
        'thread post dropped: its ticket could not be posted',
      );
      return;
    }
    await this.db.slackPost.update({ where: { id: post.id }, data: { nextAttemptAt: new Date(Date.now() + 1_000) } });
  }

  /** A post that cannot be rendered now: dropped for good, or waiting for its thread. */
  async #notReady(post: SlackPost, rendered: Exclude<RenderedPost, { kind: 'ready' }>): Promise<void> {
    if (rendered.kind === 'wait') return this.#waitForThread(post);
    await this.db.slackPost.update({ where: { id: post.id }, data: { state: 'failed', lastError: rendered.reason } });
    this.logger.error({ code: 'slack_post_dropped', postId: post.id, reason: rendered.reason }, 'Slack post dropped');
  }

  /** Takes the post for this instance, unless it may no longer post or another was quicker. */
  async #claim(post: SlackPost): Promise<boolean> {
    if (this.options.mayPost?.() === false) return false;
    return claimPost(this.db, post, this.options.instanceId);
  }

  async #send(post: SlackPost): Promise<void> {
    if (post.kind === POST_KINDS.files) return this.#sendFiles(post);
    if (post.kind === POST_KINDS.fileRemoval) return this.#removeFiles(post);
    if (UPDATE_KINDS.has(post.kind)) return this.#sendUpdate(post);
    const alone = await renderPost(this.db, post, this.#links);
    if (alone.kind !== 'ready') return this.#notReady(post, alone);
    const rendered: RenderedPost & { kind: 'ready' } = alone;
    try {
      if (post.state === 'posting') {
        const found = await findPosted(this.client, post, rendered.threadTs);
        if (found) {
          await this.#markPosted(post, found);
          this.logger.info(
            { code: 'slack_post_recovered', postId: post.id, ts: found },
            'found an earlier post in Slack; not posting again',
          );
          return;
        }
      }
      if (!(await this.#pacer.take(post.channelId, this.#postPace))) return;
      if (!(await this.#claim(post))) return;
      // After the wait for Slack's pace: what piled up behind it in the thread goes along.
      const { folded, message } = await this.#foldIn(post, rendered.message);
      if (!(await claimFolded(this.db, folded, this.options.instanceId)))
        throw new Error('folded posts taken by another poster');
      const common = {
        channel: post.channelId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        // The folded posts' ids too, so after a crash each finds this message (post-recovery.ts).
        metadata: {
          event_type: POST_METADATA_EVENT,
          event_payload: {
            post_id: post.id,
            ticket_id: post.ticketId ?? 0,
            ...(folded.length ? { folded: folded.map((each) => each.id).join(',') } : {}),
          },
        },
      };
      const result = await this.client.chat.postMessage(
        // A reminder is a thread reply also shown in the channel (reply_broadcast).
        rendered.threadTs
          ? { ...common, thread_ts: rendered.threadTs, reply_broadcast: rendered.broadcast === true }
          : common,
      );
      for (const each of [post, ...folded]) await this.#markPosted(each, result.ts!);
      this.logger.info(
        {
          code: 'slack_posted',
          postId: post.id,
          kind: post.kind,
          ticketId: post.ticketId,
          ts: result.ts,
          folded: folded.length,
        },
        'posted to Slack',
      );
    } catch (error) {
      await this.#handleFailure(post, error as SlackCallError);
    }
  }

  /**
   * A run of follow-ups or traces waiting in the post's thread, as one message with it
   * (post-claims.ts); the post alone when there is none, or not all of them can be shown
   * now (one's record is gone): each then goes on its own.
   */
  async #foldIn(post: SlackPost, alone: SlackMessage): Promise<{ folded: SlackPost[]; message: SlackMessage }> {
    const folded = await postsToFold(this.db, post);
    if (folded.length === 0) return { folded, message: alone };
    const together = await renderFolded(this.db, [post, ...folded], this.#links);
    return together.kind === 'ready' ? { folded, message: together.message } : { folded: [], message: alone };
  }

  /**
   * Updates the ticket's message in place. It is rendered from the ticket as it is now, so
   * it also shows every change queued before the rendering: those updates are done with it
   * (five quick clicks cost one or two chat.update calls, not five). chat.update can be
   * repeated harmlessly, so unlike a new post it needs no look-up after a crash.
   */
  async #sendUpdate(post: SlackPost): Promise<void> {
    // A ticket's updates all show the ticket; a draft's show that draft's one message.
    const covered = await this.db.slackPost.findMany({
      where: {
        ticketId: post.ticketId,
        kind: post.kind,
        state: 'queued',
        id: { gt: post.id },
        ...(post.kind === POST_KINDS.ticketUpdate ? {} : { payload: post.payload }),
      },
      select: { id: true },
    });
    const rendered = await renderPost(this.db, post, this.#links);
    if (rendered.kind !== 'ready' || !rendered.updateTs)
      return this.#notReady(post, rendered.kind === 'ready' ? { kind: 'drop', reason: 'nothing to update' } : rendered);
    try {
      if (!(await this.#pacer.take(CHAT_UPDATE_BUCKET, UPDATE_PACE))) return;
      if (!(await this.#claim(post))) return;
      await this.client.chat.update({
        channel: post.channelId,
        ts: rendered.updateTs,
        text: rendered.message.text,
        blocks: rendered.message.blocks,
      });
      await this.db.slackPost.updateMany({
        where: { id: { in: [post.id, ...covered.map((row) => row.id)] } },
        data: {
          state: 'posted',
          slackTs: rendered.updateTs,
          postedAt: new Date(),
          claimedBy: null,
          claimedUntil: null,
        },
      });
      this.logger.info(
        { code: 'slack_ticket_updated', postId: post.id, ticketId: post.ticketId, covered: covered.length },
        'ticket message updated',
      );
    } catch (error) {
      await this.#handleFailure(post, error as SlackCallError);
    }
  }

  /**
   * Deletes files the bot shared (a forgotten customer's attachments: forget-customer.ts).
   * A file already gone counts as deleted, so a removal cut short is simply done again.
   */
  async #removeFiles(post: SlackPost): Promise<void> {
    const { fileIds = [] } = JSON.parse(post.payload) as { fileIds?: string[] };
    try {
      if (!(await this.#claim(post))) return;
      for (const file of fileIds) {
        if (!(await this.#pacer.take(FILES_BUCKET, FILES_PACE))) return;
        await this.client.files.delete({ file }).catch((error: SlackCallError) => {
          if (!FILE_GONE.has(error.data?.error ?? '')) throw error;
        });
      }
      await this.#markPosted(post, '');
      this.logger.info(
        { code: 'slack_files_deleted', postId: post.id, ticketId: post.ticketId, files: fileIds.length },
        'files deleted in Slack',
      );
    } catch (error) {
      await this.#handleFailure(post, error as SlackCallError);
    }
  }

  /**
   * Shares a mail's files into its thread (files upload v2: upload each, then complete, at
   * most FILES_PER_SHARE files a call). The uploaded file ids, and how many are shared, are
   * saved as they happen, so after a crash the rest is shared (or found shared), never a
   * file uploaded or shared twice.
   */
  async #sendFiles(post: SlackPost): Promise<void> {
    const payload = JSON.parse(post.payload) as {
      messageRowId: number;
      fileIds?: { id: string; title: string }[];
      shared?: number;
    };
    const ticket =
      post.ticketId === null
        ? null
        : await this.db.ticket.findUnique({ where: { id: post.ticketId }, select: { slackTs: true } });
    if (!ticket?.slackTs) return this.#waitForThread(post);
    const threadTs = ticket.slackTs;
    const save = () => this.db.slackPost.update({ where: { id: post.id }, data: { payload: JSON.stringify(payload) } });
    try {
      if (!(await this.#claim(post))) return;
      let files = payload.fileIds;
      if (!files?.length) {
        const loaded = await (this.options.loadFiles?.(payload.messageRowId) ?? Promise.resolve([]));
        if (loaded.length === 0) return await this.#markPosted(post, threadTs);
        files = [];
        for (const file of loaded) {
          if (!(await this.#pacer.take(FILES_BUCKET, FILES_PACE))) return;
          files.push({
            id: await uploadToSlack(this.client, file.filename, file.size, file.chunks()),
            title: file.filename,
          });
        }
        payload.fileIds = files;
        payload.shared = 0;
        await save();
      }
      while ((payload.shared ?? 0) < files.length) {
        const batch = files.slice(payload.shared ?? 0, (payload.shared ?? 0) + FILES_PER_SHARE);
        // A batch shared just before a crash is found in the thread, not shared again.
        const firstId = batch[0]!.id;
        const sharedBefore =
          post.state === 'posting' &&
          (await findInThread(
            this.client,
            post.channelId,
            threadTs,
            (message) => message.files?.some((file) => file.id === firstId) ?? false,
          ));
        if (!sharedBefore) {
          if (!(await this.#pacer.take(FILES_BUCKET, FILES_PACE))) return;
          await this.client.files.completeUploadExternal({
            files: [batch[0]!, ...batch.slice(1)],
            channel_id: post.channelId,
            thread_ts: threadTs,
          });
        }
        payload.shared = (payload.shared ?? 0) + batch.length;
        await save();
      }
      await this.#markPosted(post, threadTs);
      this.logger.info(
        { code: 'slack_files_shared', postId: post.id, ticketId: post.ticketId, files: files.length },
        'files shared in the thread',
      );
    } catch (error) {
      await this.#handleFailure(post, error as SlackCallError);
    }
  }

  async #markPosted(post: SlackPost, ts: string): Promise<void> {
    this.#lastSuccess.set(post.channelId, Date.now());
    this.#firstFailure.delete(post.id);
    await this.db.$transaction(async (tx) => {
      await tx.slackPost.update({
        where: { id: post.id },
        data: { state: 'posted', slackTs: ts, postedAt: new Date(), claimedBy: null, claimedUntil: null },
      });
      if (post.kind === POST_KINDS.ticket && post.ticketId !== null) {
        await tx.ticket.update({ where: { id: post.ticketId }, data: { slackTs: ts, slackChannelId: post.channelId } });
        return;
      }
      if (
        post.kind === POST_KINDS.files ||
        post.kind === POST_KINDS.fileRemoval ||
        post.kind === POST_KINDS.postFailed ||
        post.kind === POST_KINDS.mailGivenUp
      )
        return;
      // A mail shown in the thread: remember where, for links and later updates.
      const { messageRowId } = JSON.parse(post.payload) as { messageRowId?: number };
      // updateMany: update would read the whole row back, raw source included (for a 34 MiB
      // mail, +160 MiB through Prisma's driver adapter).
      if (messageRowId) await tx.message.updateMany({ where: { id: messageRowId }, data: { slackTs: ts } });
    });
  }

  async #handleFailure(post: SlackPost, error: SlackCallError): Promise<void> {
    const attempts = post.attempts + 1;
    const slackError = error.data?.error;
    if (error.code === 'slack_webapi_rate_limited_error') {
      // Refused before posting: pause this channel only; the post stays first in line.
      const seconds = error.retryAfter ?? 1;
      if (UPDATE_KINDS.has(post.kind)) this.#pacer.pause(CHAT_UPDATE_BUCKET, seconds, UPDATE_PACE);
      else if (post.kind === POST_KINDS.files || post.kind === POST_KINDS.fileRemoval)
        this.#pacer.pause(FILES_BUCKET, seconds, FILES_PACE);
      else this.#pacer.pause(post.channelId, seconds, this.#postPace);
      await this.db.slackPost.update({
        where: { id: post.id },
        data: { state: post.state === 'posting' ? 'posting' : 'queued', claimedUntil: null, lastError: 'ratelimited' },
      });
      this.logger.warn(
        { code: 'slack_rate_limited', postId: post.id, retryAfter: seconds },
        'Slack rate limit: pausing this channel',
      );
      return;
    }
    const permanent =
      error.code === 'slack_webapi_platform_error' &&
      slackError !== undefined &&
      !TRANSIENT_SLACK_ERRORS.has(slackError) &&
      !SETUP_SLACK_ERRORS.has(slackError);
    if (permanent) {
      // Slack read and refused the request: nothing was posted and retrying will not help.
      this.logger.error(
        { code: 'slack_post_refused', postId: post.id, ticketId: post.ticketId, slackError },
        'Slack refused a post',
      );
      if (post.kind === POST_KINDS.ticket && !(JSON.parse(post.payload) as { plain?: string }).plain)
        return this.#postPlainTicket(post, slackError);
      return this.#giveUp(post, slackError, attempts);
    }
    // Network failure, 5xx, a transient Slack error, or one an admin must mend: it may or
    // may not have been posted, so it stays `posting` and the next try looks for it first.
    const setup = slackError !== undefined && SETUP_SLACK_ERRORS.has(slackError);
    const firstFailure = this.#firstFailure.get(post.id) ?? Date.now();
    this.#firstFailure.set(post.id, firstFailure);
    // Given up only while the channel takes other posts: in an outage everything waits.
    if (!setup && attempts >= GIVE_UP_AFTER && (this.#lastSuccess.get(post.channelId) ?? 0) > firstFailure) {
      return this.#giveUp(post, slackError ?? error.code ?? 'network_error', attempts);
    }
    const delay = setup
      ? backoffDelay(attempts, 30_000, 15 * 60_000)
      : backoffDelay(attempts, this.options.retryBaseMs ?? 1_000, 5 * 60_000);
    await this.db.slackPost.update({
      where: { id: post.id },
      data: {
        claimedUntil: null,
        nextAttemptAt: new Date(Date.now() + delay),
        lastError: (slackError ?? error.message).slice(0, 500),
      },
    });
    this.logger.warn(
      {
        code: setup ? 'slack_setup_problem' : 'slack_unreachable',
        postId: post.id,
        attempts,
        retryInMs: delay,
        slackError,
        err: error.message,
      },
      'Slack post not sent yet; will retry',
    );
  }

  /**
   * Slack refused the ticket message itself: post a plain one with the controls instead, so
   * the ticket can be worked and its thread posts have a parent.
   */
  async #postPlainTicket(post: SlackPost, slackError: string): Promise<void> {
    const payload = JSON.parse(post.payload) as Record<string, unknown>;
    await this.db.slackPost.update({
      where: { id: post.id },
      data: {
        state: 'queued',
        claimedBy: null,
        claimedUntil: null,
        nextAttemptAt: new Date(),
        lastError: slackError,
        payload: JSON.stringify({ ...payload, plain: slackError }),
      },
    });
  }

  /**
   * A post that will not go: failed for good, said in the log and /metrics, and a short note
   * in its thread in its place (unless it was the ticket message or an in-place update).
   */
  async #giveUp(post: SlackPost, code: string, attempts: number): Promise<void> {
    this.#firstFailure.delete(post.id);
    await this.db.slackPost.update({
      where: { id: post.id },
      data: { state: 'failed', claimedBy: null, claimedUntil: null, lastError: code.slice(0, 500) },
    });
    this.logger.error(
      {
        code: 'slack_post_failed',
        postId: post.id,
        kind: post.kind,
        ticketId: post.ticketId,
        slackError: code,
        attempts,
      },
      'Slack post given up; a note takes its place',
    );
    const noted =
      post.ticketId !== null &&
      post.kind !== POST_KINDS.ticket &&
      post.kind !== POST_KINDS.postFailed &&
      !UPDATE_KINDS.has(post.kind);
    if (!noted) return;
    await queuePosts(this.db, [
      {
        mailboxId: post.mailboxId,
        ticketId: post.ticketId,
        channelId: post.channelId,
        kind: POST_KINDS.postFailed,
        dedupeKey: `failed:${post.id}`,
        payload: { failedKind: post.kind, code, attempts },
      },
    ]).catch(() => {}); // already noted (a unique dedupe key): nothing more to say
    this.wake();
  }
}
