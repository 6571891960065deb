/**
 * A local stand-in for Slack's Web API. It answers the methods Mailroom calls the way
 * Slack does, records every call, and rejects what Slack would reject: unknown methods,
 * missing or wrong tokens, missing arguments, Block Kit over its limits, expired
 * trigger_ids, channels the bot is not in. Tests point SLACK_API_URL at `apiUrl`.
 *
 * response_url requests (slash command and interaction answers) land at `/respond/<id>`
 * and are recorded in `responses`.
 *
 * Socket Mode: apps.connections.open (with the app-level token) hands out a WebSocket URL
 * on this server; `sendEnvelope` delivers a payload over it as Slack does and resolves
 * with the app's acknowledgement.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkBlocks, checkView, MESSAGE_BLOCKS_MAX_CHARS } from './block-kit-rules.js';
import { waitFor } from './net.js';

type Args = Record<string, unknown>;

export interface RecordedCall {
  method: string;
  args: Args;
  /** The Slack error we answered with, if any. */
  error?: string;
  at: number;
}

export interface StandinUser {
  id: string;
  name?: string;
  /** Profile names, as users.info shows them. */
  realName?: string;
  displayName?: string;
  locale?: string;
  tz?: string;
}

export interface StandinChannel {
  id: string;
  name: string;
  members: string[];
  isPrivate?: boolean;
  /** A direct message between the bot and one person (conversations.open). */
  isIm?: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: { id: string; name: string; title: string; size: number }[];
  blocks?: unknown[];
  thread_ts?: string;
  metadata?: unknown;
  user?: string;
}

export interface StandinFile {
  id: string;
  filename: string;
  length: number;
  bytes?: Buffer;
  shared: boolean;
  mimetype?: string;
  /** Who uploaded it; the bot when unset. */
  user?: string;
  created?: number;
  /** Deleted in Slack: files.info and downloads answer as for a file that is gone. */
  deleted?: boolean;
}

export interface StandinOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  users?: StandinUser[];
  channels?: StandinChannel[];
  /** How long a trigger_id is valid, as at Slack. */
  triggerTtlMs?: number;
  userGroups?: Record<string, string[]>;
  /** Enforce a per-channel chat.postMessage limit the way Slack does: 429 with Retry-After. */
  postLimit?: { perSecond: number; burst: number };
}

/** A trigger_id as the signed-request client makes them: the issue time is inside. */
export function makeTriggerId(issuedAt = Date.now()): string {
  return `${issuedAt}.${Math.floor(Math.random() * 1e9)}.standin`;
}

class SlackError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
  ) {
    super(code);
  }
}

const BOT_ID = 'B0MAILROOM';

export class SlackStandin {
  readonly calls: RecordedCall[] = [];
  readonly responses: { id: string; body: Args; at: number }[] = [];
  readonly messages: StoredMessage[] = [];
  readonly views = new Map<string, Args>();
  /**
   * Files by id: uploaded by the bot (files.getUploadURLExternal and the upload URL), or by
   * a person (addUserFile: a modal's file_input). files.info describes them, and their
   * url_private_download gives the bytes to a request with the bot token.
   */
  readonly files = new Map<string, StandinFile>();
  /** Every request for a file's bytes, and whether it carried the bot token. */
  readonly downloads: { fileId: string; authorized: boolean }[] = [];
  /** Requests the stand-in itself could not handle (malformed bodies, its own bugs). */
  readonly internalErrors: Error[] = [];
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId: string;
  /** Open Socket Mode connections, newest last. */
  readonly sockets: WebSocket[] = [];
  #sockets: WebSocketServer | undefined;
  #acks = new Map<string, (payload: Args) => void>();
  #usedTriggers = new Set<string>();
  /** The bot's direct message with each user, by user id (conversations.open). */
  #ims = new Map<string, string>();
  readonly users: Map<string, StandinUser>;
  readonly channels: Map<string, StandinChannel>;
  /** User groups (S…) and their members. */
  readonly userGroups: Map<string, string[]>;
  /**
   * Runs after a call has been carried out and before it is answered: a test can kill the
   * bot exactly between Slack doing something and the bot learning that it did.
   */
  beforeAnswer: ((call: RecordedCall) => void | Promise<void>) | undefined;
  /** Set to make the next calls of a method fail (e.g. 'ratelimited', 'fatal_error'). */
  readonly failures = new Map<
    string,
    { error: string; status?: number; retryAfter?: number; times: number; when?: (args: Args) => boolean }
  >();
  #server: http.Server | undefined;
  #lastTs = 0;
  #triggerTtlMs: number;
  #postLimit: StandinOptions['postLimit'];
  #postBuckets = new Map<string, { tokens: number; at: number }>();
  port = 0;

  constructor(options: StandinOptions = {}) {
    this.botToken = options.botToken ?? 'xoxb-standin-token';
    this.appToken = options.appToken ?? 'xapp-standin-token';
    this.botUserId = options.botUserId ?? 'U0MAILBOT';
    this.users = new Map((options.users ?? []).map((user) => [user.id, user]));
    this.channels = new Map((options.channels ?? []).map((channel) => [channel.id, channel]));
    this.userGroups = new Map(Object.entries(options.userGroups ?? {}));
    this.#triggerTtlMs = options.triggerTtlMs ?? 3_000;
    this.#postLimit = options.postLimit;
  }

  /** Seconds to wait when a post to `channel` now would exceed the limit, else 0. */
  #overLimit(channel: string): number {
    if (!this.#postLimit) return 0;
    const { perSecond, burst } = this.#postLimit;
    const now = Date.now();
    const bucket = this.#postBuckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.#postBuckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What SLACK_API_URL should be. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id = String(Math.random()).slice(2)): string {
    return `${this.baseUrl}/respond/${id}`;
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => {
      // A bug in the stand-in must fail the test that hit it, not hang it.
      this.#handle(req, res).catch((error: Error) => {
        this.internalErrors.push(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'standin_internal_error', detail: error.message }));
      });
    });
    this.#sockets = new WebSocketServer({ server: this.#server, path: '/socket' });
    this.#sockets.on('connection', (socket) => this.#acceptSocket(socket));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.#sockets?.close();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #acceptSocket(socket: WebSocket): void {
    this.sockets.push(socket);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: Args };
      if (message.envelope_id) this.#acks.get(message.envelope_id)?.(message.payload ?? {});
    });
    socket.on('close', () => this.sockets.splice(this.sockets.indexOf(socket), 1));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: 'A0MAILROOM' },
        debug_info: { host: 'standin', approximate_connection_time: 18060 },
      }),
    );
  }

  /** Delivers a Socket Mode envelope (`slash_commands`, `interactive`, `events_api`); resolves with the ack. */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Args, timeoutMs = 3_000): Promise<Args> {
    const socket = this.sockets.at(-1);
    if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.#acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        this.#acks.delete(envelopeId);
        resolve(ack);
      });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
    });
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Makes the next `times` calls of a method (those `when` picks, e.g. one channel) fail. */
  failNext(
    method: string,
    error: string,
    options: { status?: number; retryAfter?: number; times?: number; when?: (args: Args) => boolean } = {},
  ): void {
    this.failures.set(method, {
      error,
      status: options.status,
      retryAfter: options.retryAfter,
      times: options.times ?? 1,
      when: options.when,
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (url.pathname.startsWith('/respond/')) {
      const args = body ? (JSON.parse(body) as Args) : {};
      try {
        this.#checkMessage(args);
      } catch (error) {
        const slackError = error as SlackError;
        return send(400, { ok: false, error: slackError.code, response_metadata: { messages: slackError.messages } });
      }
      this.responses.push({ id: url.pathname.slice('/respond/'.length), body: args, at: Date.now() });
      return send(200, { ok: true });
    }
    if (url.pathname === '/signin') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<!DOCTYPE html><html><body>Sign in to Standin</body></html>');
    }
    if (url.pathname.startsWith('/files-pri/')) return this.#download(req, res, url);
    if (url.pathname.startsWith('/upload/')) {
      const file = this.files.get(url.pathname.slice('/upload/'.length));
      if (!file || file.bytes) return send(404, { ok: false, error: 'not_found' });
      file.bytes = Buffer.concat(chunks);
      // Slack checks the announced length against what arrives.
      if (file.bytes.length !== file.length) return send(400, { ok: false, error: 'length_mismatch' });
      return send(200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(404, { ok: false, error: 'not_found' });

    const method = url.pathname.slice('/api/'.length);
    const args = parseArgs(req.headers['content-type'] ?? '', body, url.searchParams);
    const call: RecordedCall = { method, args, at: Date.now() };
    this.calls.push(call);
    try {
      const failure = this.failures.get(method);
      if (failure && failure.times > 0 && (!failure.when || failure.when(args))) {
        failure.times -= 1;
        if (failure.times === 0) this.failures.delete(method);
        const headers: Record<string, string> =
          failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
        call.error = failure.error;
        return send(failure.status ?? 200, { ok: false, error: failure.error }, headers);
      }
      this.#authenticate(
        req.headers.authorization,
        args,
        method === 'apps.connections.open' ? this.appToken : this.botToken,
      );
      const wait = method === 'chat.postMessage' ? this.#overLimit(String(args.channel)) : 0;
      if (wait > 0) {
        call.error = 'ratelimited';
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
      }
      const handler = this.#methods[method];
      if (!handler) throw new SlackError('unknown_method');
      const result = handler(args);
      await this.beforeAnswer?.(call);
      return send(200, { ok: true, ...result });
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
      call.error = error.code;
      return send(200, {
        ok: false,
        error: error.code,
        ...(error.messages.length ? { response_metadata: { messages: error.messages } } : {}),
      });
    }
  }

  /**
   * A file's bytes at its url_private_download. As at Slack: only with the token in an
   * Authorization header (a request without it is sent to the sign-in page, which answers
   * 200 with HTML); a file that is gone is 404.
   */
  #download(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const fileId = /^\/files-pri\/T0STANDIN-(F\w+)\//.exec(url.pathname)?.[1] ?? '';
    const authorized = req.headers.authorization === `Bearer ${this.botToken}`;
    this.downloads.push({ fileId, authorized });
    if (!authorized) {
      res.writeHead(302, { location: `${this.baseUrl}/signin?redir=${encodeURIComponent(url.pathname)}` });
      return void res.end();
    }
    const file = this.files.get(fileId);
    if (!file?.bytes || file.deleted) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('file not found');
    }
    res.writeHead(200, {
      'content-type': file.mimetype ?? 'application/octet-stream',
      'content-length': String(file.bytes.length),
    });
    res.end(file.bytes);
  }

  /**
   * A person uploads a file in a modal's file_input: it exists in Slack (files.info knows
   * it) but is shared nowhere. Returns the file object as the view_submission carries it.
   */
  addUserFile(input: { name: string; mimetype: string; bytes: Buffer; user: string }): Args {
    const id = `F${String(this.files.size + 1).padStart(9, '0')}`;
    this.files.set(id, {
      id,
      filename: input.name,
      length: input.bytes.length,
      bytes: input.bytes,
      shared: false,
      mimetype: input.mimetype,
      user: input.user,
      created: Math.floor(Date.now() / 1000),
    });
    return this.fileObject(id);
  }

  /**
   * A person shares a file of theirs in a thread (the message Slack stores; the test
   * delivers the `file_share` event). Returns the event as Slack sends it.
   */
  shareUserFile(fileId: string, channel: string, threadTs: string): Args {
    const file = this.files.get(fileId);
    if (!file) throw new Error(`no file ${fileId}`);
    file.shared = true;
    const message: StoredMessage = {
      channel,
      ts: this.#nextTs(),
      thread_ts: threadTs,
      files: [{ id: file.id, name: file.filename, title: file.filename, size: file.length }],
      user: file.user ?? this.botUserId,
    };
    this.messages.push(message);
    return {
      type: 'message',
      subtype: 'file_share',
      channel,
      user: message.user,
      text: '',
      ts: message.ts,
      thread_ts: threadTs,
      files: [this.fileObject(file.id)],
    };
  }

  /** A file as files.info (and a file_input's submitted value) describe it. */
  fileObject(id: string): Args {
    const file = this.files.get(id);
    if (!file) throw new Error(`no file ${id}`);
    const name = encodeURIComponent(file.filename);
    return {
      id: file.id,
      created: file.created ?? Math.floor(Date.now() / 1000),
      timestamp: file.created ?? Math.floor(Date.now() / 1000),
      name: file.filename,
      title: file.filename,
      mimetype: file.mimetype ?? 'application/octet-stream',
      filetype: file.filename.split('.').pop() ?? 'binary',
      user: file.user ?? this.botUserId,
      user_team: 'T0STANDIN',
      size: file.length,
      is_public: false,
      url_private: `${this.baseUrl}/files-pri/T0STANDIN-${file.id}/${name}`,
      url_private_download: `${this.baseUrl}/files-pri/T0STANDIN-${file.id}/download/${name}`,
      permalink: `https://standin.slack.test/files/${file.user ?? this.botUserId}/${file.id}/${name}`,
    };
  }

  #authenticate(header: string | undefined, args: Args, expected: string): void {
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : (args.token as string | undefined);
    if (!token) throw new SlackError('not_authed');
    if (token !== expected) throw new SlackError('invalid_auth');
  }

  #nextTs(): string {
    // Slack's ts: seconds.microseconds, unique and increasing per workspace.
    const now = Date.now() * 1000;
    this.#lastTs = Math.max(now, this.#lastTs + 1);
    return `${Math.floor(this.#lastTs / 1e6)}.${String(this.#lastTs % 1e6).padStart(6, '0')}`;
  }

  #channel(args: Args): StandinChannel {
    const id = args.channel as string | undefined;
    if (!id) throw new SlackError('channel_not_found');
    const channel = this.channels.get(id);
    if (!channel) throw new SlackError('channel_not_found');
    return channel;
  }

  #checkMessage(args: Args): void {
    const hasText = typeof args.text === 'string' && args.text.trim() !== '';
    if (!hasText && args.blocks === undefined && args.attachments === undefined) throw new SlackError('no_text');
    if (args.blocks !== undefined) {
      if (JSON.stringify(args.blocks).length > MESSAGE_BLOCKS_MAX_CHARS) throw new SlackError('msg_blocks_too_long');
      const problems = checkBlocks('message', args.blocks);
      if (problems.length) throw new SlackError('invalid_blocks', problems);
    }
  }

  #checkTrigger(args: Args): void {
    const trigger = args.trigger_id as string | undefined;
    if (!trigger) throw new SlackError('invalid_arguments', ['trigger_id is required']);
    const issuedAt = Number(trigger.split('.')[0]);
    if (!Number.isFinite(issuedAt)) throw new SlackError('invalid_trigger_id');
    if (Date.now() - issuedAt > this.#triggerTtlMs) throw new SlackError('expired_trigger_id');
    // A trigger opens one view, once.
    if (this.#usedTriggers.has(trigger)) throw new SlackError('trigger_exchanged');
    this.#usedTriggers.add(trigger);
  }

  /** A stored message as the history methods show it: metadata only when asked for. */
  #shown(message: StoredMessage, withMetadata: boolean): Args {
    const { metadata, channel: _channel, ...rest } = message;
    return { type: 'message', ...rest, ...(withMetadata && metadata ? { metadata } : {}) };
  }

  /** The bot's DM channel with a user, once conversations.open has opened it. */
  imWith(userId: string): StandinChannel | undefined {
    const id = this.#ims.get(userId);
    return id ? this.channels.get(id) : undefined;
  }

  /** Messages the bot posted to a channel: top level, or in the thread of `threadTs`. */

  /** What the bot sent to one response_url (a command's or a click's), in order. */
  responsesTo(id: string): Args[] {
    return this.responses.filter((response) => response.id === id).map((response) => response.body);
  }

  /** The latest answer to one response_url, once there is one. */
  async answerTo(id: string, what = `the answer ${id}`, timeoutMs = 10_000): Promise<Args> {
    await waitFor(() => this.responsesTo(id).length > 0, timeoutMs, what);
    return this.responsesTo(id).at(-1)!;
  }
  posted(channel: string, threadTs?: string): StoredMessage[] {
    return this.messages.filter((m) => m.channel === channel && (threadTs ? m.thread_ts === threadTs : !m.thread_ts));
  }

  #storeView(args: Args): Args {
    const problems = checkView(args.view);
    if (problems.length) throw new SlackError('invalid_arguments', problems);
    const id = (args.view_id as string | undefined) ?? `V${String(this.views.size + 1).padStart(8, '0')}`;
    // Slack's hash changes with every update; views.update with an old one is refused.
    const view = { ...(args.view as Args), id, hash: `${Date.now()}.${randomUUID().slice(0, 8)}` };
    this.views.set(id, view);
    return view;
  }

  /** What a person typed into a modal's inputs, by view id, block id and action id. */
  readonly #typed = new Map<string, Map<string, Map<string, string>>>();
  /** What a person chose in a modal's multi-select menus, by view id and block id: the option values. */
  readonly #chosen = new Map<string, Map<string, string[]>>();

  /**
   * A person chooses options of a modal's multi_static_select (replacing what was chosen).
   * Only the menu's own options can be chosen, as in Slack's client.
   */
  choose(viewId: string, blockId: string, values: string[]): void {
    const block = ((this.views.get(viewId)?.blocks ?? []) as Args[]).find(
      (candidate) => candidate.block_id === blockId,
    );
    const element = block?.element as Args | undefined;
    if (element?.type !== 'multi_static_select') throw new Error(`no multi-select in block ${blockId} of ${viewId}`);
    const known = ((element.options ?? []) as { value: string }[]).map((option) => option.value);
    for (const value of values) if (!known.includes(value)) throw new Error(`${value} is not an option of ${blockId}`);
    const blocks = this.#chosen.get(viewId) ?? new Map<string, string[]>();
    blocks.set(blockId, values);
    this.#chosen.set(viewId, blocks);
  }

  /** A person types into an input of an open modal (what Slack keeps in view.state). */
  type(viewId: string, blockId: string, actionId: string, value: string): void {
    if (!this.views.has(viewId)) throw new Error(`no view ${viewId}`);
    const blocks = this.#typed.get(viewId) ?? new Map<string, Map<string, string>>();
    const actions = blocks.get(blockId) ?? new Map<string, string>();
    actions.set(actionId, value);
    blocks.set(blockId, actions);
    this.#typed.set(viewId, blocks);
  }

  /**
   * The value an input shows: what the person typed, else the element's initial value.
   * Slack keeps typed input across views.update only where the block id and action id are
   * unchanged (a new initial_value there is not shown), which #keepTyped applies.
   */
  shownValue(viewId: string, blockId: string, actionId: string): string | undefined {
    const typed = this.#typed.get(viewId)?.get(blockId)?.get(actionId);
    if (typed !== undefined) return typed;
    const block = ((this.views.get(viewId)?.blocks ?? []) as Args[]).find(
      (candidate) => candidate.block_id === blockId,
    );
    const element = block?.element as Args | undefined;
    return element?.action_id === actionId ? (element.initial_value as string | undefined) : undefined;
  }

  /** The `view` of an interaction payload from this modal, as Slack sends it (state included). */
  viewPayload(viewId: string): Args {
    const view = this.views.get(viewId);
    if (!view) throw new Error(`no view ${viewId}`);
    const values: Record<string, Record<string, Args>> = {};
    for (const block of (view.blocks ?? []) as Args[]) {
      const element = block.element as Args | undefined;
      if (
        block.type !== 'input' ||
        !element ||
        typeof block.block_id !== 'string' ||
        typeof element.action_id !== 'string'
      )
        continue;
      // Each element type has its own field in view.state, as Slack sends them.
      if (element.type === 'file_input') {
        values[block.block_id] = { [element.action_id]: { type: element.type, files: [] } };
        continue;
      }
      if (element.type === 'multi_static_select') {
        // Slack sends the options chosen (the initial ones until the person changes them), whole.
        const options = (element.options ?? []) as { value: string }[];
        const chosen = this.#chosen.get(viewId)?.get(block.block_id);
        const selected = chosen
          ? options.filter((option) => chosen.includes(option.value))
          : ((element.initial_options ?? []) as Args[]);
        values[block.block_id] = { [element.action_id]: { type: element.type, selected_options: selected } };
        continue;
      }
      const value = this.shownValue(viewId, block.block_id, element.action_id);
      values[block.block_id] = { [element.action_id]: { type: element.type, value: value ?? null } };
    }
    return { ...view, state: { values } };
  }

  #keepTyped(viewId: string, view: Args): void {
    const typed = this.#typed.get(viewId);
    if (!typed) return;
    const inputs = new Map(
      ((view.blocks ?? []) as Args[])
        .filter((block) => block.type === 'input')
        .map((block) => [block.block_id, (block.element as Args | undefined)?.action_id]),
    );
    for (const [blockId, actions] of typed) {
      for (const actionId of actions.keys()) if (inputs.get(blockId) !== actionId) actions.delete(actionId);
      if (actions.size === 0) typed.delete(blockId);
    }
  }

  #methods: Record<string, (args: Args) => Args> = {
    // Slack's URL carries a connection ticket: a secret that must not reach logs.
    'apps.connections.open': () => ({
      url: `ws://127.0.0.1:${this.port}/socket?ticket=standin-ticket-${randomUUID()}&app_id=A0MAILROOM`,
    }),
    'auth.test': () => ({
      url: 'https://standin.slack.test/',
      team: 'Standin',
      user: 'mailroom',
      team_id: 'T0STANDIN',
      user_id: this.botUserId,
      bot_id: BOT_ID,
    }),
    'chat.postMessage': (args) => {
      const channel = this.#channel(args);
      if (!channel.members.includes(this.botUserId)) throw new SlackError('not_in_channel');
      this.#checkMessage(args);
      const message: StoredMessage = {
        channel: channel.id,
        ts: this.#nextTs(),
        text: args.text as string,
        blocks: args.blocks as unknown[],
        thread_ts: args.thread_ts as string,
        metadata: args.metadata,
        user: this.botUserId,
      };
      this.messages.push(message);
      return { channel: channel.id, ts: message.ts, message: { ...message, bot_id: BOT_ID } };
    },
    'chat.update': (args) => {
      const channel = this.#channel(args);
      const message = this.messages.find((m) => m.channel === channel.id && m.ts === args.ts);
      if (!message) throw new SlackError('message_not_found');
      this.#checkMessage(args);
      Object.assign(message, { text: args.text, blocks: args.blocks, metadata: args.metadata ?? message.metadata });
      return { channel: channel.id, ts: message.ts };
    },
    'chat.postEphemeral': (args) => {
      const channel = this.#channel(args);
      if (!channel.members.includes(this.botUserId)) throw new SlackError('not_in_channel');
      if (!args.user) throw new SlackError('user_not_found');
      if (!channel.members.includes(String(args.user))) throw new SlackError('user_not_in_channel');
      this.#checkMessage(args);
      return { message_ts: this.#nextTs() };
    },
    'chat.getPermalink': (args) => {
      const channel = this.#channel(args);
      if (!args.message_ts) throw new SlackError('invalid_arguments');
      return {
        channel: channel.id,
        permalink: `https://standin.slack.test/archives/${channel.id}/p${String(args.message_ts).replace('.', '')}`,
      };
    },
    'views.open': (args) => {
      this.#checkTrigger(args);
      return { view: this.#storeView(args) };
    },
    'views.push': (args) => {
      this.#checkTrigger(args);
      return { view: this.#storeView(args) };
    },
    'views.update': (args) => {
      if (!args.view_id && !args.external_id)
        throw new SlackError('invalid_arguments', ['view_id or external_id is required']);
      const current = args.view_id ? this.views.get(String(args.view_id)) : undefined;
      if (args.view_id && !current) throw new SlackError('not_found');
      if (args.hash !== undefined && current && args.hash !== current.hash) throw new SlackError('hash_conflict');
      const view = this.#storeView(args);
      this.#keepTyped(String(view.id), view);
      return { view };
    },
    'views.publish': (args) => {
      if (!args.user_id) throw new SlackError('invalid_arguments', ['user_id is required']);
      if ((args.view as Args | undefined)?.type !== 'home')
        throw new SlackError('invalid_arguments', ['view.type must be home']);
      // An image from a Slack file must name a file whose upload was completed.
      for (const block of ((args.view as Args).blocks ?? []) as { type?: string; slack_file?: { id?: string } }[]) {
        if (block.type === 'image' && block.slack_file && !this.files.get(String(block.slack_file.id))?.shared)
          throw new SlackError('invalid_blocks', ['slack_file: no such file']);
      }
      const view = this.#storeView({ ...args, view_id: `home-${String(args.user_id)}` });
      return { view };
    },
    'users.info': (args) => {
      const user = this.users.get(String(args.user));
      if (!user) throw new SlackError('user_not_found');
      const wantsLocale = args.include_locale === true || args.include_locale === 'true';
      const profile = { real_name: user.realName ?? '', display_name: user.displayName ?? '' };
      return {
        user: {
          id: user.id,
          name: user.name ?? user.id,
          real_name: profile.real_name,
          profile,
          tz: user.tz ?? 'Asia/Tokyo',
          ...(wantsLocale && user.locale ? { locale: user.locale } : {}),
        },
      };
    },
    'conversations.info': (args) => {
      const channel = this.#channel(args);
      return {
        channel: {
          id: channel.id,
          name: channel.name,
          is_private: channel.isPrivate ?? false,
          is_member: channel.members.includes(this.botUserId),
        },
      };
    },
    'conversations.history': (args) => {
      const channel = this.#channel(args);
      if (!channel.members.includes(this.botUserId)) throw new SlackError('not_in_channel');
      const oldest = Number(args.oldest ?? 0);
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
      const messages = this.messages
        .filter((m) => m.channel === channel.id && (!m.thread_ts || m.thread_ts === m.ts) && Number(m.ts) >= oldest)
        .reverse()
        .slice(0, Number(args.limit ?? 100))
        .map((m) => this.#shown(m, withMetadata));
      return { messages, has_more: false };
    },
    'conversations.replies': (args) => {
      const channel = this.#channel(args);
      if (!channel.members.includes(this.botUserId)) throw new SlackError('not_in_channel');
      const parent = this.messages.find((m) => m.channel === channel.id && m.ts === args.ts);
      if (!parent) throw new SlackError('thread_not_found');
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
      const thread = this.messages.filter(
        (m) => m.channel === channel.id && (m.ts === parent.ts || m.thread_ts === parent.ts),
      );
      return { messages: thread.map((m) => this.#shown(m, withMetadata)), has_more: false };
    },
    'files.getUploadURLExternal': (args) => {
      const length = Number(args.length);
      if (!args.filename || !Number.isInteger(length) || length < 0)
        throw new SlackError('invalid_arguments', ['filename and length are required']);
      const id = `F${String(this.files.size + 1).padStart(9, '0')}`;
      this.files.set(id, {
        id,
        filename: String(args.filename),
        length,
        shared: false,
        mimetype: mimetypeOf(String(args.filename)),
      });
      return { upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (args) => {
      const list = (typeof args.files === 'string' ? safeJson(args.files) : args.files) as
        | { id: string; title?: string }[]
        | undefined;
      if (!Array.isArray(list) || list.length === 0) throw new SlackError('invalid_arguments', ['files is required']);
      // Slack is reported to fail sharing many files in one call.
      if (list.length > 14) throw new SlackError('internal_error');
      const files = list.map((entry) => this.files.get(entry.id));
      if (files.some((file) => !file || file.bytes === undefined)) throw new SlackError('file_not_found');
      if (files.some((file) => file!.shared)) throw new SlackError('file_already_shared');
      const channel = args.channel_id ? this.#channel({ channel: args.channel_id }) : undefined;
      if (channel && !channel.members.includes(this.botUserId)) throw new SlackError('not_in_channel');
      for (const file of files) file!.shared = true;
      const shared = files.map((file, i) => ({
        id: file!.id,
        name: file!.filename,
        title: list[i]!.title ?? file!.filename,
        size: file!.length,
      }));
      if (channel)
        this.messages.push({
          channel: channel.id,
          ts: this.#nextTs(),
          thread_ts: args.thread_ts as string | undefined,
          ...(typeof args.initial_comment === 'string' ? { text: args.initial_comment } : {}),
          files: shared,
          user: this.botUserId,
        });
      return { files: shared.map(({ id, title }) => ({ id, title })) };
    },
    // A bot may delete the files it uploaded; anyone else's answer cant_delete_file.
    'files.delete': (args) => {
      if (!args.file) throw new SlackError('invalid_arguments', ['file is required']);
      const file = this.files.get(String(args.file));
      if (!file || file.deleted) throw new SlackError('file_not_found');
      if (file.user !== undefined && file.user !== this.botUserId) throw new SlackError('cant_delete_file');
      file.deleted = true;
      return {};
    },
    'files.info': (args) => {
      if (!args.file) throw new SlackError('invalid_arguments', ['file is required']);
      const file = this.files.get(String(args.file));
      // Slack answers file_not_found for a deleted file, and for an upload never completed.
      if (!file || file.deleted || file.bytes === undefined) throw new SlackError('file_not_found');
      return { file: this.fileObject(file.id), comments: [], response_metadata: { next_cursor: '' } };
    },
    'usergroups.users.list': (args) => {
      const group = this.userGroups.get(String(args.usergroup ?? ''));
      if (!group) throw new SlackError('no_such_subteam');
      return { users: group };
    },
    // The bot's DM with one person (im:write). A group DM (several users) needs mpim:write,
    // which the app does not ask for; a bot cannot be messaged this way.
    'conversations.open': (args) => {
      if (args.channel) {
        const channel = this.#channel(args);
        if (!channel.isIm) throw new SlackError('method_not_supported_for_channel_type');
        return { channel: { id: channel.id }, no_op: true, already_open: true };
      }
      const users = String(args.users ?? '')
        .split(',')
        .map((user) => user.trim())
        .filter(Boolean);
      if (users.length === 0) throw new SlackError('users_list_not_supplied');
      if (users.length > 1) throw new SlackError('missing_scope', ['needed: mpim:write']);
      const userId = users[0]!;
      if (userId === this.botUserId) throw new SlackError('cannot_dm_bot');
      if (!this.users.has(userId)) throw new SlackError('user_not_found');
      const known = this.#ims.get(userId);
      if (known) return { channel: { id: known }, no_op: true, already_open: true };
      const id = `D${userId.slice(1)}`;
      this.#ims.set(userId, id);
      this.channels.set(id, { id, name: '', members: [this.botUserId, userId], isIm: true, isPrivate: true });
      return { channel: { id } };
    },
    'conversations.members': (args) => {
      const channel = this.#channel(args);
      return { members: channel.members, response_metadata: { next_cursor: '' } };
    },
  };
}

function parseArgs(contentType: string, body: string, query: URLSearchParams): Args {
  const args: Args = Object.fromEntries(query);
  if (contentType.includes('application/json')) return { ...args, ...(body ? (JSON.parse(body) as Args) : {}) };
  for (const [key, value] of new URLSearchParams(body)) {
    // The Web API client sends nested arguments as JSON strings in form fields.
    args[key] = ['blocks', 'view', 'attachments', 'metadata', 'files'].includes(key) ? safeJson(value) : value;
  }
  return args;
}

/** The type Slack infers from a file's name (a few common ones). */
function mimetypeOf(filename: string): string {
  const types: Record<string, string> = {
    pdf: 'application/pdf',
    txt: 'text/plain',
    csv: 'text/csv',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    zip: 'application/zip',
  };
  return types[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
