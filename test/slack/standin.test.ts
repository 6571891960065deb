/**
 * The stand-in is only worth testing against if it refuses what Slack refuses: these tests
 * pin that down with Slack's own Web API client.
 */
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTriggerId, SlackStandin } from '../support/slack-standin.js';

let standin: SlackStandin;
let client: WebClient;

beforeAll(async () => {
  standin = await new SlackStandin({
    users: [{ id: 'U0PERSON' }, { id: 'U0OTHER' }],
    channels: [
      { id: 'C0SUPPORT', name: 'support', members: ['U0MAILBOT'] },
      { id: 'C0OTHER', name: 'other', members: [] },
    ],
  }).start();
  client = new WebClient(standin.botToken, { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(async () => standin.stop());

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error;
  }
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Slack Web API stand-in', () => {
  it('accepts a valid message and returns a ts', async () => {
    const result = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'hi', blocks: [section('hello')] });
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);
  });

  it('refuses bad and missing tokens and unknown methods', async () => {
    expect(
      await slackError(
        new WebClient('xoxb-wrong', { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
      ),
    ).toBe('invalid_auth');
    expect(
      await slackError(
        new WebClient(undefined, { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
      ),
    ).toBe('not_authed');
    expect(await slackError(client.apiCall('chat.postMesage', { channel: 'C0SUPPORT', text: 'x' }))).toBe(
      'unknown_method',
    );
  });

  it('refuses missing fields and channels the bot is not in', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C0SUPPORT' } as never))).toBe('no_text');
    expect(await slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: ' ' }))).toBe('no_text');
    expect(await slackError(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: 'C0OTHER', text: 'x' }))).toBe('not_in_channel');
    expect(await slackError(client.chat.update({ channel: 'C0SUPPORT', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  it('refuses Block Kit over Slack’s limits', async () => {
    const post = (blocks: unknown[]) =>
      slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x', blocks: blocks as never }));
    expect(await post(Array.from({ length: 51 }, () => ({ type: 'divider' })))).toBe('invalid_blocks');
    expect(await post([section('x'.repeat(3001))])).toBe('invalid_blocks');
    expect(await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])).toBe(
      'invalid_blocks',
    );
    expect(
      await post([
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b' }, value: 'v'.repeat(2001) },
          ],
        },
      ]),
    ).toBe('invalid_blocks');
    expect(
      await post([
        {
          type: 'actions',
          elements: [
            {
              type: 'static_select',
              action_id: 's',
              options: Array.from({ length: 101 }, (_, i) => ({
                text: { type: 'plain_text', text: `o${i}` },
                value: `${i}`,
              })),
            },
          ],
        },
      ]),
    ).toBe('invalid_blocks');
    expect(
      await post([
        {
          type: 'actions',
          elements: [
            { type: 'static_select', action_id: 's', options: [{ text: { type: 'mrkdwn', text: '*o*' }, value: 'o' }] },
          ],
        },
      ]),
    ).toBe('invalid_blocks');
    expect(
      await post([{ type: 'input', label: { type: 'plain_text', text: 'l' }, element: { type: 'plain_text_input' } }]),
    ).toBe('invalid_blocks');
    expect(await post(Array.from({ length: 5 }, () => section('y'.repeat(2900))))).toBe('msg_blocks_too_long');
  });

  it('opens the bot’s DM with one person, as Slack does, and shares a file there alone', async () => {
    expect(await slackError(client.conversations.open({} as never))).toBe('users_list_not_supplied');
    expect(await slackError(client.conversations.open({ users: 'U0NOBODY' }))).toBe('user_not_found');
    expect(await slackError(client.conversations.open({ users: 'U0MAILBOT' }))).toBe('cannot_dm_bot');
    // A group DM needs mpim:write, which the app does not have.
    expect(await slackError(client.conversations.open({ users: 'U0PERSON,U0OTHER' }))).toBe('missing_scope');
    const opened = await client.conversations.open({ users: 'U0PERSON' });
    const channel = opened.channel!.id!;
    expect(channel).toMatch(/^D/);
    expect((await client.conversations.open({ users: 'U0PERSON' })).channel?.id).toBe(channel);
    expect(standin.imWith('U0PERSON')?.members).toEqual(['U0MAILBOT', 'U0PERSON']);
    expect(standin.imWith('U0OTHER')).toBeUndefined();

    const target = await client.files.getUploadURLExternal({ filename: 'mail.eml', length: 3 });
    expect((await fetch(target.upload_url!, { method: 'POST', body: 'abc' })).status).toBe(200);
    await client.files.completeUploadExternal({
      files: [{ id: target.file_id!, title: 'mail.eml' }],
      channel_id: channel,
      initial_comment: 'for you',
    });
    expect(standin.messages.filter((message) => message.channel === channel)).toMatchObject([
      { text: 'for you', files: [{ id: target.file_id, name: 'mail.eml', size: 3 }] },
    ]);
    expect(standin.files.get(target.file_id!)?.bytes?.toString()).toBe('abc');
  });

  it('refuses modals over their limits and expired trigger_ids', async () => {
    const modal = (title: string) => ({
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: title },
      blocks: [],
    });
    await expect(client.views.open({ trigger_id: makeTriggerId(), view: modal('Reply') })).resolves.toMatchObject({
      ok: true,
    });
    expect(
      await slackError(client.views.open({ trigger_id: makeTriggerId(), view: modal('A title that is far too long') })),
    ).toBe('invalid_arguments');
    expect(
      await slackError(client.views.open({ trigger_id: makeTriggerId(Date.now() - 4_000), view: modal('Reply') })),
    ).toBe('expired_trigger_id');
    const trigger = makeTriggerId();
    await client.views.open({ trigger_id: trigger, view: modal('Reply') });
    expect(await slackError(client.views.open({ trigger_id: trigger, view: modal('Reply') }))).toBe(
      'trigger_exchanged',
    );
  });
});
