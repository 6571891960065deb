import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyMail, customerAddressOf, senderFlags } from '../../src/domain/classify-mail.js';
import { ParsePool } from '../../src/mail/parse-pool.js';
import { corpusMail } from '../support/corpus.js';

let pool: ParsePool;
beforeAll(() => {
  pool = new ParsePool({ size: 1 });
});
afterAll(async () => pool.close());

const OWN = ['support@example.com'];
const classify = async (raw: string | Buffer) => classifyMail(await pool.parse(Buffer.from(raw)), OWN);
const mail = (headers: string, body = 'hello') => `${headers}\r\nTo: support@example.com\r\n\r\n${body}\r\n`;

describe('classifying mail', () => {
  it('finds the bounces of the corpus (multipart/report DSNs)', async () => {
    for (const name of [
      'report_422.eml',
      'report_530.eml',
      'multi_address_bounce1.eml',
      'multipart_report_multiple_status.eml',
    ]) {
      const flags = await classify(corpusMail(`mikel-mail/multipart_report_emails/${name}`));
      expect(flags.bounce, name).toBe(true);
      expect(flags.autoReply, name).toBe(false);
      expect(flags.unreplyable, name).toBe(true);
    }
  });

  it('recognises auto-replies by RFC 3834 and by the usual out-of-office marks', async () => {
    expect(
      (await classify(mail('From: a@corp.example\r\nAuto-Submitted: auto-replied\r\nSubject: Re: your mail')))
        .autoReply,
    ).toBe(true);
    expect((await classify(mail('From: a@corp.example\r\nAuto-Submitted: no\r\nSubject: hi'))).autoReply).toBe(false);
    expect((await classify(mail('From: a@corp.example\r\nX-Autoreply: yes\r\nSubject: hi'))).autoReply).toBe(true);
    expect(
      (await classify(mail('From: a@corp.example\r\nSubject: =?UTF-8?B?6Ieq5YuV5b+c562U?= 休暇中です'))).autoReply,
    ).toBe(true);
    expect((await classify(mail('From: a@corp.example\r\nSubject: Out of Office: back Monday'))).autoReply).toBe(true);
    expect((await classify(mail('From: a@corp.example\r\nSubject: 返品について'))).autoReply).toBe(false);
  });

  it('flags list mail, loops from our own address, free mail, role and no-reply senders', async () => {
    expect(
      (await classify(mail('From: news@shop.example\r\nList-Unsubscribe: <mailto:u@shop.example>\r\nSubject: sale')))
        .list,
    ).toBe(true);
    expect((await classify(mail('From: news@shop.example\r\nPrecedence: bulk\r\nSubject: sale'))).list).toBe(true);
    expect((await classify(mail('From: Support <SUPPORT@example.com>\r\nSubject: Re: loop'))).fromSelf).toBe(true);
    expect(await classify(mail('From: taro@yahoo.co.jp\r\nSubject: q'))).toMatchObject({
      freeMail: true,
      roleAddress: false,
      unreplyable: false,
    });
    expect(await classify(mail('From: info@corp.example\r\nSubject: q'))).toMatchObject({
      freeMail: false,
      roleAddress: true,
    });
    expect(await classify(mail('From: no-reply@service.example\r\nSubject: q'))).toMatchObject({
      unreplyable: true,
      anonymous: false,
    });
    expect(await classify(mail('From: undisclosed-recipients:;\r\nSubject: q'))).toMatchObject({
      unreplyable: true,
      anonymous: true,
    });
  });

  it('takes the customer from Reply-To of web-form mail', async () => {
    const parsed = await pool.parse(
      Buffer.from(mail('From: Form <noreply@forms.example>\r\nReply-To: hanako@gmail.com\r\nSubject: 問い合わせ')),
    );
    expect(customerAddressOf(parsed)?.address).toBe('hanako@gmail.com');
    expect(classifyMail(parsed, OWN)).toMatchObject({ unreplyable: false, freeMail: true });
    const wordpress = await pool.parse(
      Buffer.from(
        mail('From: WordPress <wordpress@shop.example>\r\nReply-To: jiro@corp.example\r\nSubject: Contact form'),
      ),
    );
    expect(customerAddressOf(wordpress)?.address).toBe('jiro@corp.example');
  });

  it('takes the customer from From when a person sent the mail, whatever its Reply-To says; the flags are of where a reply goes', async () => {
    const parsed = await pool.parse(
      Buffer.from(mail('From: Taro <taro@corp.example>\r\nReply-To: someone@gmail.com\r\nSubject: q')),
    );
    expect(customerAddressOf(parsed)?.address).toBe('taro@corp.example');
    expect(classifyMail(parsed, OWN)).toMatchObject({ freeMail: true });
    // A role address is a real mailbox of a real customer, not a robot.
    const role = await pool.parse(
      Buffer.from(mail('From: info@corp.example\r\nReply-To: sato@corp.example\r\nSubject: q')),
    );
    expect(customerAddressOf(role)?.address).toBe('info@corp.example');
  });
});

describe('senderFlags', () => {
  it('treats a missing address as anonymous and unreplyable', () => {
    expect(senderFlags(null)).toEqual({ freeMail: false, roleAddress: false, unreplyable: true, anonymous: true });
  });
});
