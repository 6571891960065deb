/** Waiting for a ticket to be in the channel, as a person would see it appear. */
import type Database from 'better-sqlite3';
import { CHANNEL_ID, type Fixture } from './fixture.js';
import { waitFor } from './net.js';
import type { StoredMessage } from './slack-standin.js';

/**
 * The ticket message whose blocks mention `subject`, once posted and its ts recorded (so
 * its thread can be answered in); with its ticket id.
 */
export async function postedTicket(
  fixture: Fixture,
  db: Database.Database,
  subject: string,
  timeoutMs = 15_000,
): Promise<{ message: StoredMessage; ticketId: number }> {
  let message: StoredMessage | undefined;
  await waitFor(
    () => !!(message = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks ?? []).includes(subject))),
    timeoutMs,
    `the ticket message of ${subject}`,
  );
  const ticketId = (message!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
  await waitFor(
    () =>
      (db.prepare('SELECT slackTs FROM Ticket WHERE id = ?').get(ticketId) as { slackTs: string | null }).slackTs !==
      null,
    5_000,
    'the ticket ts',
  );
  return { message: message!, ticketId };
}
