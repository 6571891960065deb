/**
 * Who may act and who may approve, as cached from Slack: a leave heard while the member
 * list is being read is not undone by that list, and a reviewer group that cannot be read
 * approves nobody rather than whoever was in it before.
 */
import { WebClient } from '@slack/web-api';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createChannelMembers } from '../../src/slack-api/channel-members.js';
import { createReviewers } from '../../src/slack-api/reviewers.js';
import { SlackStandin } from '../support/slack-standin.js';

let slack: SlackStandin | undefined;
afterEach(async () => slack?.stop());

async function standin(): Promise<{ slack: SlackStandin; client: WebClient }> {
  slack = await new SlackStandin({
    channels: [{ id: 'C0TEAM', name: 'team', members: ['U0ALICE', 'U0BOB'] }],
    userGroups: { S0LEADS: ['U0LEAD', 'U0FORMER'] },
  }).start();
  return { slack, client: new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }) };
}

it('keeps a leave that arrives while the member list is being read', async () => {
  const { slack, client } = await standin();
  let clock = 0;
  const members = createChannelMembers(client, createLogger('silent'), () => clock);
  expect(await members.isMember('C0TEAM', 'U0BOB')).toBe(true);
  // Ten minutes on, the list is read again; Bob leaves while Slack is answering with the old list.
  clock += 11 * 60_000;
  slack.beforeAnswer = (call) => {
    if (call.method === 'conversations.members') members.left('C0TEAM', 'U0BOB');
  };
  expect(await members.isMember('C0TEAM', 'U0BOB')).toBe(false);
  expect(await members.isMember('C0TEAM', 'U0ALICE')).toBe(true);
  slack.beforeAnswer = undefined;
  expect(await members.isMember('C0TEAM', 'U0BOB')).toBe(false);
});

it('approves nobody from a reviewer group Slack cannot read, even someone it listed before', async () => {
  const { slack, client } = await standin();
  let clock = 0;
  const reviewers = createReviewers(client, createLogger('silent'), () => clock);
  expect(await reviewers.isReviewer(['S0LEADS'], 'U0FORMER')).toBe(true);
  clock += 11 * 60_000;
  slack.failNext('usergroups.users.list', 'fatal_error', { times: 3 });
  expect(await reviewers.isReviewer(['S0LEADS'], 'U0FORMER')).toBe(false);
  // Listed by name, a reviewer stays one whatever Slack says about groups.
  expect(await reviewers.isReviewer(['U0LEAD', 'S0LEADS'], 'U0LEAD')).toBe(true);
});
