/**
 * Template versions on both databases: many people saving an edit of the same version at
 * the same moment leave exactly one next version (the others get the modal back, based on
 * it); shared templates are announced in every mailbox channel, a mailbox's in its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TMailboxConfig } from '../../src/config/config-schema.js';
import { ZBusinessHours, ZReminders } from '../../src/config/config-schema.js';
import { createDbClient, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { createLogger } from '../../src/logging/logger.js';
import { registerMailboxes } from '../../src/services/register-mailboxes.js';
import { renderPost } from '../../src/slack/poster/render-post.js';
import { answerTemplateSave as saveTemplate } from '../../src/slack/listeners/views/template-save.js';
import type { TemplateDeps } from '../../src/services/templates/template-catalog.js';
import { describeWithPostgres } from '../support/services.js';

function mailbox(key: string, channelId: string): TMailboxConfig {
  return {
    key,
    address: `${key}@example.com`,
    name: key === 'support' ? 'Support' : 'Sales',
    channelId,
    statusAfterReply: 'done',
    signature: '',
    agentSignatures: {},
    aliases: [],
    replyAttachmentMaxMb: 20,
    businessHours: ZBusinessHours.parse({}),
    reminders: ZReminders.parse({}),
    locale: key === 'support' ? 'en' : 'ja',
    provider: 'generic',
    auth: { type: 'password' },
    sentCopy: 'append',
    imap: {
      host: 'imap.example.com',
      port: 993,
      secure: true,
      tls: 'required',
      user: key,
      password: 'x',
      folder: 'INBOX',
      backfillDays: 0,
      maxMailMb: 50,
      sweepSeconds: 60,
    },
    smtp: { host: 'smtp.example.com', port: 465, secure: true, tls: 'required' },
    reviewers: [],
    reviewPolicy: 'none',
    routing: [],
    statuses: [],
  } as TMailboxConfig;
}

const input = (fields: { name: string; scope?: string; body: string; note?: string }) => ({
  template_name: { name: { value: fields.name } },
  template_category: { category: { value: null } },
  ...(fields.scope ? { template_scope: { scope: { selected_option: { value: fields.scope } } } } : {}),
  template_body: { body: { value: fields.body } },
  template_note: { note: { value: fields.note ?? null } },
});

function templatesOn(provider: DatabaseProvider, adminUrl?: string) {
  let scratch: ScratchDatabase;
  let db: Db;
  let deps: TemplateDeps;
  let woken = 0;
  const members: Record<string, Set<string>> = {
    C0SUPPORT: new Set(['U0AGENT0', 'U0AGENT1', 'U0AGENT2', 'U0AGENT3', 'U0AGENT4', 'U0AGENT5']),
    C0SALES: new Set(['U0SELLER']),
  };
  beforeAll(async () => {
    scratch = await createScratchDatabase(provider, adminUrl);
    await applyMigrations(scratch.target);
    db = createDbClient(scratch.target);
    const mailboxes = [mailbox('support', 'C0SUPPORT'), mailbox('sales', 'C0SALES')];
    await registerMailboxes(db, mailboxes);
    deps = {
      db,
      mailboxes,
      logger: createLogger('silent'),
      members: {
        isMember: async (channel, user) => members[channel]?.has(user) ?? false,
        joined: () => {},
        left: () => {},
      },
      userLocales: { localeOf: async () => 'en' },
      userNames: { nameOf: async () => null },
      wakePoster: () => void (woken += 1),
    };
  });
  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  const announcements = (versionId: number) =>
    db.slackPost.findMany({
      where: { kind: 'template_version', payload: { contains: `"templateVersionId":${versionId},` } },
      orderBy: { channelId: 'asc' },
    });

  it(`${provider}: six simultaneous edits of version 1 make exactly one version 2; the rest see it`, async () => {
    expect(
      await saveTemplate(deps, {
        actorId: 'U0AGENT0',
        privateMetadata: '{}',
        values: input({ name: 'Delay', scope: 'mailbox:support', body: 'one' }),
      }),
    ).toBeUndefined();
    const template = await db.template.findFirstOrThrow({ where: { name: 'Delay' } });
    const editors = ['U0AGENT0', 'U0AGENT1', 'U0AGENT2', 'U0AGENT3', 'U0AGENT4', 'U0AGENT5'];
    const answers = await Promise.all(
      editors.map((actorId) =>
        saveTemplate(deps, {
          actorId,
          privateMetadata: JSON.stringify({ templateId: template.id, baseVersion: 1 }),
          values: input({ name: 'Delay', body: `by ${actorId}`, note: actorId }),
        }),
      ),
    );
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer !== undefined)) {
      expect(answer).toMatchObject({
        response_action: 'update',
        view: { private_metadata: JSON.stringify({ templateId: template.id, baseVersion: 2 }) },
      });
    }
    const versions = await db.templateVersion.findMany({
      where: { templateId: template.id },
      orderBy: { version: 'asc' },
    });
    expect(versions.map((version) => version.version)).toEqual([1, 2]);
    expect((await db.template.findUniqueOrThrow({ where: { id: template.id } })).currentVersion).toBe(2);
    // The winner's text is version 2, announced once, in the support channel only.
    const winner = editors[answers.indexOf(undefined)]!;
    expect(versions[1]).toMatchObject({ body: `by ${winner}`, authorId: winner, changeNote: winner });
    expect((await announcements(versions[1]!.id)).map((post) => post.channelId)).toEqual(['C0SUPPORT']);
    expect(woken).toBeGreaterThan(0);
  });

  it(`${provider}: a shared template is announced in every mailbox channel, each in its language`, async () => {
    expect(
      await saveTemplate(deps, {
        actorId: 'U0SELLER',
        privateMetadata: '{}',
        values: input({ name: 'Thanks', scope: 'shared', body: 'Thank you, {{customer_name}}.' }),
      }),
    ).toBeUndefined();
    const version = await db.templateVersion.findFirstOrThrow({ where: { template: { name: 'Thanks' } } });
    const posts = await announcements(version.id);
    expect(posts.map((post) => post.channelId)).toEqual(['C0SALES', 'C0SUPPORT']);
    const rendered = await Promise.all(posts.map((post) => renderPost(db, post)));
    expect(rendered.map((post) => (post.kind === 'ready' ? post.message.text : post.kind))).toEqual([
      ':memo: <@U0SELLER> さんがテンプレート *Thanks*（全メールボックス共通）を作成しました。',
      ':memo: <@U0SELLER> created the template *Thanks* (shared by every mailbox).',
    ]);
    // Shared names are unique too, though the database index cannot see NULL mailboxes.
    expect(
      await saveTemplate(deps, {
        actorId: 'U0AGENT1',
        privateMetadata: '{}',
        values: input({ name: 'Thanks', scope: 'shared', body: 'again' }),
      }),
    ).toMatchObject({ response_action: 'errors', errors: { template_name: expect.any(String) } });
  });

  it(`${provider}: only members of a mailbox channel change its templates`, async () => {
    const refused = await saveTemplate(deps, {
      actorId: 'U0SELLER',
      privateMetadata: '{}',
      values: input({ name: 'Support only', scope: 'mailbox:support', body: 'x' }),
    });
    expect(refused).toEqual({
      response_action: 'errors',
      errors: { template_scope: 'Only members of the Support mailbox’s channel can change its templates.' },
    });
    const delay = await db.template.findFirstOrThrow({ where: { name: 'Delay' } });
    const edit = await saveTemplate(deps, {
      actorId: 'U0SELLER',
      privateMetadata: JSON.stringify({ templateId: delay.id, baseVersion: 2 }),
      values: input({ name: 'Delay', body: 'sneaky' }),
    });
    expect(edit).toMatchObject({
      response_action: 'errors',
      errors: { template_body: expect.stringContaining('Only members') },
    });
    const nobody = await saveTemplate(deps, {
      actorId: 'U0STRANGER',
      privateMetadata: '{}',
      values: input({ name: 'Shared?', scope: 'shared', body: 'x' }),
    });
    expect(nobody).toMatchObject({
      response_action: 'errors',
      errors: { template_scope: expect.stringContaining('shared templates') },
    });
    expect(await db.template.count({ where: { name: { in: ['Support only', 'Shared?'] } } })).toBe(0);
  });
}

describe('SQLite', () => templatesOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => templatesOn('postgresql', adminUrl));
