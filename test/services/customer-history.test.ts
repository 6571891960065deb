/**
 * Customer history on both databases: by address, by domain, from a ticket's History
 * button; company from the domain or set by hand; notes and phone edited; tickets of
 * channels the person is not in stay hidden.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  answerCustomer,
  answerTicketHistory,
  openCustomerEdit,
  saveCustomerEdit,
} from '../../src/services/search/customer-history.js';
import type { SearchDeps } from '../../src/services/search/answer-search.js';
import type { UserLocales } from '../../src/slack-api/user-locales.js';
import { buildCustomerAnswer, buildCustomerEditOpening } from '../../src/slack/views/customer-card.js';
import { checkBlocks } from '../support/block-kit-rules.js';
import { fixedMembers } from '../support/fixed-members.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { describeWithPostgres } from '../support/services.js';

const MEMBER = 'U0MEMBER';
const OUTSIDER = 'U0OUTSIDER';

/** The locale is the listener's to look up; the services answer with data, the views word it. */
type Deps = SearchDeps & { userLocales: UserLocales };

async function customerCard(deps: Deps, input: { userId: string; text: string }) {
  return buildCustomerAnswer(await deps.userLocales.localeOf(input.userId), await answerCustomer(deps, input));
}

async function ticketHistoryCard(deps: Deps, input: { userId: string; ticketId: number }) {
  return buildCustomerAnswer(await deps.userLocales.localeOf(input.userId), await answerTicketHistory(deps, input));
}

async function customerEditOpening(deps: Deps, input: { userId: string; customerId: number }) {
  return buildCustomerEditOpening(await deps.userLocales.localeOf(input.userId), await openCustomerEdit(deps, input));
}

function customersOn(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  let deps: Deps;
  let tanakaTicket: number;
  let tanakaId: number;

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    deps = {
      db,
      logger: createLogger('silent'),
      members: fixedMembers({ C0SUPPORT: [MEMBER], C0SECRET: [] }),
      userLocales: { localeOf: async (user) => (user === MEMBER ? 'ja' : 'en') },
      permalink: async (channel, ts) => `https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
    };
    const support = await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    const tanaka = await db.customer.create({
      data: { address: 'tanaka@example.co.jp', domain: 'example.co.jp', name: '田中 太郎' },
    });
    const sato = await db.customer.create({
      data: { address: 'sato@example.co.jp', domain: 'example.co.jp', company: '株式会社エグザンプル' },
    });
    // Known only to another team's mailbox: nothing of it may show.
    const secret = await db.customer.create({
      data: { address: 'ceo@example.co.jp', domain: 'example.co.jp', company: '秘密商事', phone: '090-0000-0000' },
    });
    const free = await db.customer.create({
      data: { address: 'someone@gmail.com', domain: 'gmail.com', freeMail: true },
    });
    tanakaId = tanaka.id;
    let number = 0;
    async function ticket(customerId: number, subject: string, channel = 'C0SUPPORT', reply = false) {
      number += 1;
      const row = await db.ticket.create({
        data: {
          mailboxId: support.id,
          number,
          subject,
          customerId,
          status: number === 1 ? 'done' : 'open',
          slackChannelId: channel,
          slackTs: `1700000000.00000${number}`,
        },
      });
      if (reply) {
        await db.message.create({
          data: {
            mailboxId: support.id,
            ticketId: row.id,
            direction: 'out',
            parseState: 'parsed',
            dedupeKey: `out${number}`,
            raw: Buffer.from('x'),
            contentHash: `o${number}`,
            size: 1,
            subject: `Re: ${subject}`,
            sentAt: new Date(),
          },
        });
      }
      return row.id;
    }
    tanakaTicket = await ticket(tanaka.id, '返品について', 'C0SUPPORT', true);
    await ticket(tanaka.id, '再度の問い合わせ');
    await ticket(tanaka.id, '秘密の案件', 'C0SECRET');
    await ticket(free.id, 'hello');
    await ticket(sato.id, '請求書の件');
    await ticket(secret.id, '極秘の相談', 'C0SECRET');
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it(`${provider}: by address: tickets with status and links, replies, company from the domain, flags`, async () => {
    const card = await customerCard(deps, {
      userId: MEMBER,
      text: '<mailto:Tanaka@example.co.jp|Tanaka@example.co.jp>',
    });
    const json = JSON.stringify(card.blocks);
    expect(json).toContain('田中 太郎');
    expect(json).toContain('株式会社エグザンプル（ドメインから）');
    expect(json).toContain('チケット（2 件）');
    expect(json).toContain('対応済み');
    expect(json).toContain('https://example.slack.com/archives/C0SUPPORT/p1700000000000001');
    expect(json).toContain('送信した返信（1 件）');
    expect(json).toContain('Re: 返品について');
    expect(json).not.toContain('秘密の案件');
    expect(checkBlocks('message', card.blocks)).toEqual([]);
    const free = JSON.stringify((await customerCard(deps, { userId: MEMBER, text: 'someone@gmail.com' })).blocks);
    expect(free).toContain('フリーメール');
  });

  it(`${provider}: by domain: every customer of the domain`, async () => {
    const json = JSON.stringify(
      (await customerCard(deps, { userId: MEMBER, text: '<http://example.co.jp|example.co.jp>' })).blocks,
    );
    expect(json).toContain('sato@example.co.jp');
    expect(json).toContain('tanaka@example.co.jp');
    expect(json).toContain('チケット（3 件）');
    // A customer of the domain with tickets in another team's channel only: not listed,
    // and neither its company nor its phone shows.
    expect(json).not.toContain('ceo@example.co.jp');
    expect(json).not.toContain('秘密商事');
    expect(json).not.toContain('090-0000-0000');
  });

  it(`${provider}: the History button, for channel members only`, async () => {
    expect(
      JSON.stringify((await ticketHistoryCard(deps, { userId: MEMBER, ticketId: tanakaTicket })).blocks),
    ).toContain('返品について');
    expect((await ticketHistoryCard(deps, { userId: OUTSIDER, ticketId: tanakaTicket })).text).toContain(
      'Only members of <#C0SUPPORT>',
    );
    expect((await customerCard(deps, { userId: OUTSIDER, text: 'tanaka@example.co.jp' })).text).toContain(
      'No customer',
    );
  });

  it(`${provider}: company, phone and notes edited by hand`, async () => {
    const opening = await customerEditOpening(deps, { userId: MEMBER, customerId: tanakaId });
    expect('view' in opening && opening.view.callback_id).toBe('customer.edit');
    expect('notice' in (await customerEditOpening(deps, { userId: OUTSIDER, customerId: tanakaId }))).toBe(true);
    expect(
      await saveCustomerEdit(deps, { userId: OUTSIDER, customerId: tanakaId, company: 'x', phone: '', notes: '' }),
    ).toBe(false);
    expect(
      await saveCustomerEdit(deps, {
        userId: MEMBER,
        customerId: tanakaId,
        company: '田中商店',
        phone: '03-1234-5678',
        notes: '電話連絡を希望 <!channel>',
      }),
    ).toBe(true);
    const json = JSON.stringify((await customerCard(deps, { userId: MEMBER, text: 'tanaka@example.co.jp' })).blocks);
    expect(json).toContain('田中商店');
    expect(json).not.toContain('（ドメインから）');
    expect(json).toContain('03-1234-5678');
    expect(json).toContain('電話連絡を希望 &lt;!channel&gt;');
    expect(await db.auditLog.count({ where: { action: 'customer.edited' } })).toBe(1);
  });
}

describe('SQLite', () => customersOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => customersOn('postgresql', adminUrl));
