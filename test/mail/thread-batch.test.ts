/**
 * Threading a batch in memory gives what one look-up per mail, at its own commit, would
 * have found: the newest mail referred to, stored or earlier in the batch, per mailbox.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedMail } from '../../src/domain/parsed-mail.js';
import { threadBatch, type BatchMail } from '../../src/domain/thread-batch.js';

function batchMail(
  messageRowId: number,
  messageId: string,
  refs: { inReplyTo?: string; references?: string[] } = {},
  mailboxId = 1,
): BatchMail {
  const mail = {
    inReplyTo: refs.inReplyTo ?? null,
    references: refs.references ?? [],
    reportedMessageIds: [],
  } as unknown as ParsedMail;
  return { messageRowId, mailboxId, messageId, mail, bounce: false };
}

describe('threading a batch', () => {
  it('joins the newest mail referred to, whether stored or earlier in the batch', () => {
    const stored = [
      { id: 5, mailboxId: 1, messageId: 'old@x', ticketId: 50 },
      { id: 7, mailboxId: 1, messageId: 'newer@x', ticketId: 70 },
    ];
    const mails = [
      batchMail(10, 'first@x', { references: ['old@x', 'newer@x'] }),
      batchMail(11, 'second@x'),
      batchMail(12, 'third@x', { inReplyTo: 'second@x', references: ['old@x'] }),
      batchMail(13, 'fourth@x', { references: ['unknown@x'] }),
    ];
    expect(threadBatch(mails, stored)).toEqual([
      { kind: 'ticket', ticketId: 70 },
      null,
      { kind: 'batch', messageRowId: 11 },
      null,
    ]);
  });

  it("keeps to the mail's own mailbox and never to the mail itself", () => {
    const stored = [{ id: 5, mailboxId: 2, messageId: 'elsewhere@x', ticketId: 50 }];
    const mails = [
      batchMail(10, 'self@x', { references: ['self@x', 'elsewhere@x'] }),
      batchMail(11, 'other@x', { inReplyTo: 'self@x' }, 2),
    ];
    expect(threadBatch(mails, stored)).toEqual([null, null]);
  });
});
