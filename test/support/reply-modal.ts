/** Opening the reply modal as a person does: the Reply button, and on past the collision warning. */
import { expect } from 'vitest';
import { CHANNEL_ID, type Fixture } from './fixture.js';
import { waitFor } from './net.js';
import type { StoredMessage } from './slack-standin.js';

export interface OpenedModal {
  callback_id: string;
  private_metadata: string;
  blocks: unknown[];
}

/** The modals the bot opened (views.open that Slack accepted), oldest first. */
export function openedModals(fixture: Fixture): OpenedModal[] {
  return fixture.slack.calls
    .filter((call) => call.method === 'views.open' && !call.error)
    .map((call) => call.args.view as OpenedModal);
}

/** Clicks Reply on the ticket's message (going on past a collision warning); the reply modal as Slack got it. */
export async function openReplyModal(
  fixture: Fixture,
  userId: string,
  message: StoredMessage,
  ticketId: number,
): Promise<OpenedModal> {
  const before = openedModals(fixture).length;
  const clicked = await fixture.requests.blockAction({
    userId,
    channelId: CHANNEL_ID,
    messageTs: message.ts,
    action: { action_id: 'ticket.reply', type: 'button', value: String(ticketId) },
  });
  expect(clicked.status).toBe(200);
  await waitFor(() => openedModals(fixture).length > before, 5_000, 'the reply modal');
  let modal = openedModals(fixture).at(-1)!;
  if (modal.callback_id === 'reply.collision') {
    const goOn = await fixture.requests.viewSubmission({
      userId,
      callbackId: 'reply.collision',
      values: {},
      privateMetadata: modal.private_metadata,
    });
    modal = (JSON.parse(goOn.body) as { view: OpenedModal }).view;
  }
  expect(modal.callback_id).toBe('reply.submit');
  return modal;
}

/** Chooses "Forward…" in the menu beside a mail of the ticket; the forward modal as Slack got it. */
export async function openForwardModal(
  fixture: Fixture,
  userId: string,
  message: StoredMessage,
  mailRowId: number,
): Promise<OpenedModal> {
  const before = openedModals(fixture).length;
  await fixture.requests.blockAction({
    userId,
    channelId: CHANNEL_ID,
    messageTs: message.ts,
    action: {
      action_id: 'mail.original',
      type: 'overflow',
      selected_option: { text: { type: 'plain_text', text: 'Forward…' }, value: `${mailRowId}:forward` },
    },
  });
  await waitFor(() => openedModals(fixture).length > before, 5_000, 'the forward modal');
  const modal = openedModals(fixture).at(-1)!;
  expect(modal.callback_id).toBe('forward.submit');
  return modal;
}

/** Submits the reply modal as Slack sends it: the texts, the file_input's files and the chosen thread files. */
export function submitReplyModal(
  fixture: Fixture,
  userId: string,
  privateMetadata: string,
  input: {
    to: string;
    cc?: string;
    body: string;
    uploads?: Record<string, unknown>[];
    threadFiles?: { text: string; value: string }[];
  },
  /** The forward modal is submitted the same way (`forward.submit`). */
  callbackId = 'reply.submit',
) {
  return fixture.requests.viewSubmission({
    userId,
    callbackId,
    privateMetadata,
    values: {
      reply_to: { to: { type: 'plain_text_input', value: input.to } },
      reply_cc: { cc: { type: 'plain_text_input', value: input.cc ?? '' } },
      reply_body: { body: { type: 'plain_text_input', value: input.body } },
      reply_files: { files: { type: 'file_input', files: input.uploads ?? [] } },
      reply_thread_files: {
        thread_files: {
          type: 'multi_static_select',
          selected_options: (input.threadFiles ?? []).map((option) => ({
            text: { type: 'plain_text', text: option.text, emoji: true },
            value: option.value,
          })),
        },
      },
    },
  });
}

/** Waits for the draft waiting for review in the ticket's thread; the message as Slack holds it. */
export async function draftInThread(fixture: Fixture, ticket: StoredMessage): Promise<StoredMessage> {
  let draftPost: StoredMessage | undefined;
  await waitFor(
    () =>
      !!(draftPost = fixture.slack
        .posted(CHANNEL_ID, ticket.ts)
        .find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'))),
    10_000,
    'the draft in the thread',
  );
  return draftPost!;
}

/** A reviewer's click on "Approve and send" of that draft message (a notice to them answers `responseId`). */
export function approveDraft(
  fixture: Fixture,
  reviewerId: string,
  ticket: StoredMessage,
  draftPost: StoredMessage,
  responseId?: string,
) {
  const actions = (draftPost.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]).find(
    (block) => block.type === 'actions',
  )!;
  return fixture.requests.blockAction({
    userId: reviewerId,
    channelId: CHANNEL_ID,
    messageTs: ticket.ts,
    responseId,
    action: {
      action_id: 'draft.approve',
      type: 'button',
      block_id: actions.block_id,
      value: actions.elements![0]!.value,
    },
  });
}

/** `/mail new` as `userId` in the support channel; the compose modal it opens. */
export async function openComposeModal(fixture: Fixture, userId: string): Promise<OpenedModal> {
  const before = openedModals(fixture).length;
  const sent = await fixture.requests.command({ userId, channelId: CHANNEL_ID, text: 'new' });
  expect(sent.status).toBe(200);
  await waitFor(() => openedModals(fixture).length > before, 5_000, 'the compose modal');
  return openedModals(fixture).at(-1)!;
}

/** Submits the compose modal of a new mail as Slack sends it: the mailbox chosen, the texts, the file_input's files. */
export function submitComposeModal(
  fixture: Fixture,
  userId: string,
  values: { mailbox: string; to: string; subject: string; body: string },
  uploads: Record<string, unknown>[] = [],
  /** After a template filled the text: the modal's metadata and the body's block id as updated. */
  modal: { privateMetadata?: string; bodyBlock?: string } = {},
) {
  return fixture.requests.viewSubmission({
    userId,
    callbackId: 'compose.submit',
    privateMetadata: modal.privateMetadata ?? '',
    values: {
      compose_mailbox: {
        mailbox: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: values.mailbox, emoji: true }, value: values.mailbox },
        },
      },
      reply_to: { to: { type: 'plain_text_input', value: values.to } },
      reply_cc: { cc: { type: 'plain_text_input', value: null } },
      compose_subject: { subject: { type: 'plain_text_input', value: values.subject } },
      [modal.bodyBlock ?? 'reply_body']: { body: { type: 'plain_text_input', value: values.body } },
      reply_files: { files: { type: 'file_input', files: uploads } },
    },
  });
}
