/**
 * Search timings over generated tickets (default 100,000; Japanese and English subjects
 * and bodies, replies, comments, attachments) on SQLite and PostgreSQL: p50 and p95 per
 * query kind, each query run as `/mail search` runs it (one page of ten, newest first).
 *
 *   npx tsx bench/search.ts [tickets] [runs per query]
 *
 * The rows go in through the drivers in bulk with the search-index triggers on, as the
 * bot's own writes would fill the index.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { createDbClient, type Db } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';
import type { DatabaseProvider } from '../src/db/schema-source.js';
import { parseSearchQuery } from '../src/domain/search-query.js';
import { searchStatement, searchTickets, shortWordCandidates } from '../src/db/queries/search-tickets.js';
import { machine, percentile } from './support.js';

const TICKETS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 20);

// A small deterministic generator, so both databases hold the same tickets.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const JA_SUBJECTS = [
  '返品について',
  '至急：請求書の再発行',
  '配送状況の確認',
  'ログインできません',
  '注文のキャンセル',
  '領収書の発行依頼',
  '商品の交換希望',
  '大至急 サーバー停止',
  'お見積りのお願い',
  'パスワード再設定',
];
const JA_SENTENCES = [
  'いつもお世話になっております。',
  '先日注文した商品がまだ届いていません。',
  '返品の手続きを教えてください。',
  '請求書の宛名を変更してください。',
  '至急ご対応をお願いいたします。',
  '配送状況を確認したいです。',
  'サイズが合わなかったため交換を希望します。',
  'ログイン画面でエラーが表示されます。',
  '領収書をPDFで送っていただけますか。',
  'よろしくお願いいたします。',
  '担当者様からの返信をお待ちしております。',
  '見積書の有効期限を教えてください。',
];
const EN_SUBJECTS = [
  'Refund request',
  'Invoice question',
  'Delivery delayed',
  'Cannot log in',
  'Order cancellation',
  'Change of address',
  'Product exchange',
  'Quote request',
  'Password reset',
  'Billing error',
];
const EN_SENTENCES = [
  'Hello, I ordered a product last week.',
  'It has not arrived yet.',
  'Could you please send me a refund?',
  'The invoice shows the wrong amount.',
  'Please cancel my order.',
  'I cannot log in to my account.',
  'Thank you for your help.',
  'When will the delivery arrive?',
  'I would like to exchange the item for a larger size.',
  'Best regards.',
  'Please send the receipt as a PDF.',
  'The tracking number does not work.',
];
const DOMAINS = ['gmail.com', 'yahoo.co.jp', 'example.co.jp', 'corp.example', 'shop.example.jp', 'outlook.com'];
const STATUSES = ['open', 'in_progress', 'done', 'done', 'done'];
const URGENCIES = ['normal', 'normal', 'normal', 'urgent', 'critical'];
const AGENTS = ['U0AGENT1', 'U0AGENT2', 'U0AGENT3', 'U0AGENT4', 'U0AGENT5', null];
const COMMENTS = [
  '倉庫に確認中です',
  '返金で対応します',
  'Checked with the warehouse, shipping tomorrow',
  '請求書を再発行しました',
  'Escalated to billing',
  '至急対応お願いします',
];

interface Generated {
  tickets: unknown[][];
  messages: unknown[][];
  comments: unknown[][];
  attachments: unknown[][];
}

function generate(mailboxId: number): Generated {
  const out: Generated = { tickets: [], messages: [], comments: [], attachments: [] };
  const start = Date.UTC(2025, 10, 1);
  let messageId = 0;
  for (let i = 1; i <= TICKETS; i += 1) {
    const japanese = random() < 0.6;
    const subject = japanese ? pick(JA_SUBJECTS) : pick(EN_SUBJECTS);
    const sentences = japanese ? JA_SENTENCES : EN_SENTENCES;
    const body = `${Array.from({ length: 3 + Math.floor(random() * 6) }, () => pick(sentences)).join(japanese ? '' : ' ')} #${i}`;
    const created = new Date(start + (i / TICKETS) * 365 * 86_400_000);
    const from = `user${Math.floor(random() * 20_000)}@${pick(DOMAINS)}`;
    out.tickets.push([
      i,
      mailboxId,
      i,
      subject,
      pick(STATUSES),
      pick(URGENCIES),
      pick(AGENTS),
      false,
      'C0SUPPORT',
      `1700000000.${String(i).padStart(6, '0')}`,
      created,
      created,
      created,
    ]);
    messageId += 1;
    out.messages.push([
      messageId,
      mailboxId,
      i,
      'in',
      'parsed',
      `m${messageId}`,
      from,
      JSON.stringify([{ name: '', address: 'support@example.com' }]),
      subject,
      body,
      Buffer.from('x'),
      `h${messageId}`,
      1,
      created,
      created,
    ]);
    if (random() < 0.1) out.attachments.push([messageId, 'invoice.pdf', 'application/pdf', 1000, false, created]);
    if (random() < 0.3) {
      messageId += 1;
      const reply = japanese
        ? 'お問い合わせありがとうございます。確認いたします。'
        : 'Thank you for contacting us. We are looking into it.';
      out.messages.push([
        messageId,
        mailboxId,
        i,
        'out',
        'parsed',
        `m${messageId}`,
        'support@example.com',
        JSON.stringify([{ name: '', address: from }]),
        `Re: ${subject}`,
        reply,
        Buffer.from('x'),
        `h${messageId}`,
        1,
        created,
        created,
      ]);
    }
    if (random() < 0.3)
      out.comments.push([
        i,
        pick(AGENTS) ?? 'U0AGENT1',
        pick(COMMENTS),
        'C0SUPPORT',
        `1700000100.${String(i).padStart(6, '0')}`,
        created,
      ]);
  }
  return out;
}

const COLUMNS = {
  Ticket: [
    'id',
    'mailboxId',
    'number',
    'subject',
    'status',
    'urgency',
    'assigneeId',
    'junk',
    'slackChannelId',
    'slackTs',
    'createdAt',
    'updatedAt',
    'lastMessageAt',
  ],
  Message: [
    'id',
    'mailboxId',
    'ticketId',
    'direction',
    'parseState',
    'dedupeKey',
    'fromAddress',
    'toAddresses',
    'subject',
    'text',
    'raw',
    'contentHash',
    'size',
    'receivedAt',
    'createdAt',
  ],
  Comment: ['ticketId', 'authorId', 'text', 'channelId', 'slackTs', 'createdAt'],
  Attachment: ['messageId', 'filename', 'contentType', 'size', 'inline', 'createdAt'],
} as const;

async function load(provider: DatabaseProvider, scratch: ScratchDatabase, data: Generated): Promise<void> {
  const tables: [keyof typeof COLUMNS, unknown[][]][] = [
    ['Ticket', data.tickets],
    ['Message', data.messages],
    ['Comment', data.comments],
    ['Attachment', data.attachments],
  ];
  if (provider === 'sqlite') {
    const sqlite = new Database(scratch.target.provider === 'sqlite' ? scratch.target.file : '');
    // Prisma's SQLite format for DateTime: ISO 8601 with an explicit offset.
    const value = (v: unknown) =>
      v instanceof Date ? v.toISOString().replace('Z', '+00:00') : typeof v === 'boolean' ? Number(v) : v;
    for (const [table, rows] of tables) {
      const columns = COLUMNS[table];
      const insert = sqlite.prepare(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      sqlite.transaction(() => rows.forEach((row) => insert.run(...row.map(value))))();
    }
    sqlite.close();
    return;
  }
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  await client.query(`SET TIME ZONE 'UTC'`);
  for (const [table, rows] of tables) {
    const columns = COLUMNS[table];
    for (let at = 0; at < rows.length; at += 1000) {
      const chunk = rows.slice(at, at + 1000);
      const values = chunk
        .map((row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
        .join(', ');
      await client.query(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`,
        chunk.flat(),
      );
      // As autovacuum would on a live server (it may be off on a test machine), so plans
      // are made for tables of the size they have. (The per-ticket index this once
      // refreshed kept a plan made for an empty Message table without it, reading every
      // mail for each one: 17 minutes were not enough.)
      if (at % 10_000 === 0) await client.query(`ANALYZE "${table}"`);
    }
  }
  await client.query(`SELECT setval(pg_get_serial_sequence('"Ticket"', 'id'), ${TICKETS})`);
  await client.query('ANALYZE');
  const sizes = await client.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_total_relation_size(c.oid)) AS size FROM pg_class c WHERE c.relname IN ('search_docs', 'search_grams') AND c.relkind = 'r' ORDER BY 1`,
  );
  console.log(
    `${provider}: ${sizes.rows.map((row) => `${row.name} ${row.size}`).join(', ')} (tables with their indexes)`,
  );
  await client.end();
}

const KINDS: Record<string, string[]> = {
  '1-char ja': ['返', '至', '届', '鬱'],
  '2-char ja': ['返品', '至急', '請求', '鬱病'],
  '3+-char ja': ['請求書', '配送状況', '交換を希望', '存在しない語'],
  'English word': ['refund', 'invoice', 'warehouse', 'nonexistentword'],
  'filter only': [
    'status:open urgency:critical',
    'from:yahoo.co.jp',
    'assignee:U0AGENT3 status:in_progress',
    'has:attachment before:2026-01-01',
  ],
  combined: [
    '返品 status:open after:2026-06-01',
    'refund from:gmail.com',
    '至急 has:attachment',
    '請求書 in:comments assignee:U0AGENT2',
  ],
};

/** With BENCH_EXPLAIN=1: each kind's first query plan. */
async function explain(db: Db, provider: DatabaseProvider): Promise<void> {
  for (const [kind, queries] of Object.entries(KINDS)) {
    const parsed = parseSearchQuery(queries[0]!, 'U0ME');
    if (!('query' in parsed)) continue;
    const candidates = await shortWordCandidates(db, parsed.query);
    const { text, params } = searchStatement(
      provider,
      parsed.query,
      { channelIds: ['C0SUPPORT'], mailboxIds: [1] },
      0,
      10,
      candidates,
    );
    const plan = await db.$queryRawUnsafe<Record<string, unknown>[]>(
      `${provider === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${text}`,
      ...params,
    );
    console.log(
      `-- ${kind}: ${queries[0]}\n${plan.map((row) => (provider === 'sqlite' ? row.detail : row['QUERY PLAN'])).join('\n')}`,
    );
  }
  if (provider === 'postgresql') await explainGramLookups(db);
}

/** PostgreSQL: what the look-up of a short word in `search_grams` finds and costs, common words included. */
async function explainGramLookups(db: Db): Promise<void> {
  for (const [word, inComments] of [
    ['の', false],
    ['す', false],
    ['返', false],
    ['返', true],
    ['鬱', false],
    ['鬱病', false],
  ] as const) {
    const [stats] = await db.$queryRawUnsafe<{ estimate: number | null }[]>(
      `SELECT "search_grams_estimate"("search_gram_keys"($1, $2)) AS "estimate"`,
      word,
      inComments,
    );
    const started = performance.now();
    const candidates = await shortWordCandidates(db, { terms: [word], inComments });
    const took = (performance.now() - started).toFixed(1);
    console.log(
      `-- look-up ${word}${inComments ? ' in:comments' : ''}: ${stats?.estimate ?? 'no'} documents by the statistics, ${candidates === null ? 'left to the walk' : `${candidates.length} tickets`}, ${took} ms`,
    );
  }
}

async function measure(db: Db): Promise<Record<string, { p50: number; p95: number; max: number }>> {
  const results: Record<string, { p50: number; p95: number; max: number }> = {};
  const scope = { channelIds: ['C0SUPPORT'], mailboxIds: [1] };
  for (const [kind, queries] of Object.entries(KINDS)) {
    const times: number[] = [];
    for (const text of queries) {
      const parsed = parseSearchQuery(text, 'U0ME');
      if (!('query' in parsed)) throw new Error(text);
      await searchTickets(db, parsed.query, scope); // warm
      for (let run = 0; run < RUNS; run += 1) {
        const started = performance.now();
        await searchTickets(db, parsed.query, scope, run % 2 === 0 ? 0 : 10);
        times.push(performance.now() - started);
      }
    }
    results[kind] = { p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) };
  }
  return results;
}

console.log(
  `${machine()}; ${TICKETS} tickets, ${RUNS} runs per query (pages 1 and 2 alternately), 4 queries per kind (one finds nothing)`,
);
const data = generate(1);
console.log(
  `generated: ${data.tickets.length} tickets, ${data.messages.length} mails, ${data.comments.length} comments`,
);
for (const provider of ['sqlite', 'postgresql'] as const) {
  const scratch = await createScratchDatabase(provider);
  try {
    await applyMigrations(scratch.target);
    const db = createDbClient(scratch.target);
    await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    await db.$disconnect();
    const loading = performance.now();
    await load(provider, scratch, data);
    console.log(
      `${provider}: loaded with the index triggers in ${((performance.now() - loading) / 1000).toFixed(1)} s`,
    );
    const client = createDbClient(scratch.target);
    try {
      if (process.env.BENCH_EXPLAIN) await explain(client, provider);
      for (const [kind, figures] of Object.entries(await measure(client))) {
        console.log(
          `${provider.padEnd(10)} ${kind.padEnd(14)} p50 ${figures.p50.toFixed(1).padStart(7)} ms   p95 ${figures.p95.toFixed(1).padStart(7)} ms   max ${figures.max.toFixed(1).padStart(7)} ms`,
        );
      }
    } finally {
      await client.$disconnect();
    }
  } finally {
    await scratch.drop();
  }
}
