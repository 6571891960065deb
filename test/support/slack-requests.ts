/**
 * Sends requests to the app exactly as Slack does: form-encoded slash commands and
 * interactions (`payload=` JSON), JSON events, each signed with the signing secret
 * (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`). `forge` sends the same with a bad
 * signature, and `retry` marks an event as Slack's redelivery.
 */
import { createHmac } from 'node:crypto';
import { makeTriggerId } from './slack-standin.js';

export interface SlackResponse {
  status: number;
  body: string;
}

export interface SignedSendOptions {
  /** Sign with this secret instead (a forged request). */
  secret?: string;
  /** Request timestamp in seconds; old ones must be refused. */
  timestamp?: number;
  retryNum?: number;
}

export const TEAM_ID = 'T0STANDIN';

export interface CommandInput {
  text: string;
  userId: string;
  channelId: string;
  command?: string;
  responseId?: string;
}
export const APP_ID = 'A0MAILROOM';

export class SlackRequests {
  constructor(
    private readonly url: string,
    private readonly signingSecret: string,
    private readonly responseUrl: (id?: string) => string,
  ) {}

  sign(body: string, timestamp: number, secret = this.signingSecret): string {
    return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  }

  async send(body: string, contentType: string, options: SignedSendOptions = {}): Promise<SlackResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': this.sign(body, timestamp, options.secret),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const response = await fetch(this.url, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  }

  /** A slash command's fields, as Slack sends them over HTTP (form) or Socket Mode (JSON). */
  commandPayload(input: CommandInput): { fields: Record<string, string>; responseId: string } {
    const responseId = input.responseId ?? `cmd-${Math.random().toString(36).slice(2)}`;
    const fields = {
      token: 'deprecated-verification-token',
      team_id: TEAM_ID,
      team_domain: 'standin',
      channel_id: input.channelId,
      channel_name: 'support',
      user_id: input.userId,
      user_name: input.userId.toLowerCase(),
      command: input.command ?? '/mail',
      text: input.text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: this.responseUrl(responseId),
      trigger_id: makeTriggerId(),
    };
    return { fields, responseId };
  }

  /** A slash command over HTTP; returns the HTTP answer and the response_url id it carried. */
  async command(input: CommandInput, options?: SignedSendOptions): Promise<SlackResponse & { responseId: string }> {
    const { fields, responseId } = this.commandPayload(input);
    const response = await this.send(
      new URLSearchParams(fields).toString(),
      'application/x-www-form-urlencoded',
      options,
    );
    return { ...response, responseId };
  }

  /** A button click or menu choice on a message. */
  blockAction(
    input: {
      userId: string;
      channelId: string;
      messageTs: string;
      action: Record<string, unknown>;
      responseId?: string;
    },
    options?: SignedSendOptions,
  ): Promise<SlackResponse> {
    const payload = {
      type: 'block_actions',
      user: {
        id: input.userId,
        username: input.userId.toLowerCase(),
        name: input.userId.toLowerCase(),
        team_id: TEAM_ID,
      },
      api_app_id: APP_ID,
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: input.messageTs, channel_id: input.channelId, is_ephemeral: false },
      trigger_id: makeTriggerId(),
      team: { id: TEAM_ID, domain: 'standin' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: input.channelId, name: 'support' },
      message: { type: 'message', ts: input.messageTs, text: '' },
      state: { values: {} },
      response_url: this.responseUrl(input.responseId),
      actions: [{ block_id: 'b', action_ts: String(Date.now() / 1000), ...input.action }],
    };
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      options,
    );
  }

  /** A button click or menu choice inside an open modal (`view` as the stand-in's viewPayload gives it). */
  viewAction(
    input: { userId: string; view: Record<string, unknown>; action: Record<string, unknown> },
    options?: SignedSendOptions,
  ): Promise<SlackResponse> {
    const payload = {
      type: 'block_actions',
      user: {
        id: input.userId,
        username: input.userId.toLowerCase(),
        name: input.userId.toLowerCase(),
        team_id: TEAM_ID,
      },
      api_app_id: APP_ID,
      token: 'deprecated-verification-token',
      container: { type: 'view', view_id: input.view.id },
      trigger_id: makeTriggerId(),
      team: { id: TEAM_ID, domain: 'standin' },
      enterprise: null,
      is_enterprise_install: false,
      view: { team_id: TEAM_ID, app_id: APP_ID, ...input.view },
      actions: [{ block_id: 'b', action_ts: String(Date.now() / 1000), ...input.action }],
    };
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      options,
    );
  }

  /** A modal submitted by a user. */
  viewSubmission(
    input: {
      userId: string;
      callbackId: string;
      values: Record<string, Record<string, unknown>>;
      privateMetadata?: string;
      viewId?: string;
    },
    options?: SignedSendOptions,
  ): Promise<SlackResponse> {
    const payload = {
      type: 'view_submission',
      team: { id: TEAM_ID, domain: 'standin' },
      user: {
        id: input.userId,
        username: input.userId.toLowerCase(),
        name: input.userId.toLowerCase(),
        team_id: TEAM_ID,
      },
      api_app_id: APP_ID,
      token: 'deprecated-verification-token',
      trigger_id: makeTriggerId(),
      view: {
        id: input.viewId ?? 'V0000001',
        type: 'modal',
        callback_id: input.callbackId,
        private_metadata: input.privateMetadata ?? '',
        state: { values: input.values },
        hash: 'standin',
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      options,
    );
  }

  /** An Events API delivery; the same `eventId` again is what Slack's retries look like. */
  event(
    event: Record<string, unknown>,
    options: SignedSendOptions & { eventId?: string } = {},
  ): Promise<SlackResponse> {
    const body = JSON.stringify({
      token: 'deprecated-verification-token',
      team_id: TEAM_ID,
      api_app_id: APP_ID,
      event,
      type: 'event_callback',
      event_id: options.eventId ?? `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        { enterprise_id: null, team_id: TEAM_ID, user_id: 'U0MAILBOT', is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
    });
    return this.send(body, 'application/json', options);
  }
}
