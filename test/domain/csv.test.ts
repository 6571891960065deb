import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../src/domain/csv.js';
import { isoInZone, statsCsv, ticketsCsv, type ExportTicket } from '../../src/domain/ticket-export.js';
import { teamStats } from '../../src/domain/stats.js';

describe('CSV as Excel reads it', () => {
  it('starts with a BOM, ends every record with CRLF, and quotes only what needs it', () => {
    const text = toCsv([
      ['a', 'b'],
      ['plain', 12],
    ]);
    expect(text).toBe('\uFEFFa,b\r\nplain,12\r\n');
    expect([...Buffer.from(text, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('quotes commas, quotes, CR and LF (RFC 4180), and keeps Japanese text as it is', () => {
    expect(csvField('山田, 花子')).toBe('"山田, 花子"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line 1\r\nline 2')).toBe('"line 1\r\nline 2"');
    expect(csvField('only\nLF')).toBe('"only\nLF"');
    expect(csvField('請求書、再発行')).toBe('請求書、再発行');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('writes text Excel would run as a formula as text; numbers stay numbers', () => {
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('+81 3 1234')).toBe("'+81 3 1234");
    expect(csvField('-5')).toBe("'-5");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('=HYPERLINK("x", "y")')).toBe(`"'=HYPERLINK(""x"", ""y"")"`);
    expect(csvField(-5)).toBe('-5');
  });
});

describe('the export’s tables', () => {
  it('writes times as ISO 8601 in the mailbox’s time zone, with its offset', () => {
    const instant = new Date('2026-12-05T00:15:30Z');
    expect(isoInZone(instant, 'Asia/Tokyo')).toBe('2026-12-05T09:15:30+09:00');
    expect(isoInZone(instant, 'UTC')).toBe('2026-12-05T00:15:30+00:00');
    expect(isoInZone(instant, 'America/New_York')).toBe('2026-12-04T19:15:30-05:00');
    // Midnight is 00, not 24.
    expect(isoInZone(new Date('2026-12-04T15:00:00Z'), 'Asia/Tokyo')).toBe('2026-12-05T00:00:00+09:00');
  });

  it('lays out one ticket per row, the assignee by name when known', () => {
    const ticket: ExportTicket = {
      mailboxKey: 'support',
      timeZone: 'Asia/Tokyo',
      number: 7,
      subject: '返品, 交換について',
      customerAddress: 'hanako@example.jp',
      customerName: null,
      status: 'done',
      urgency: 'urgent',
      tags: ['vip', 'billing dept'],
      assigneeId: 'U0AGENT',
      assigneeName: '佐藤',
      receivedAt: new Date('2026-12-01T01:00:00Z'),
      firstResponseAt: new Date('2026-12-01T02:30:00Z'),
      closedAt: null,
    };
    const lines = ticketsCsv([ticket]).slice(1).split('\r\n');
    expect(lines[0]).toBe(
      'number,mailbox,subject,customer,customer name,status,urgency,tags,assignee,assignee id,received,first response,closed',
    );
    expect(lines[1]).toBe(
      '7,support,"返品, 交換について",hanako@example.jp,,done,urgent,"vip, billing dept",佐藤,U0AGENT,2026-12-01T10:00:00+09:00,2026-12-01T11:30:00+09:00,',
    );
    expect(lines[2]).toBe('');
  });

  it('writes the numbers of /mail stats: totals, per agent, urgency and tag, and what waits now', () => {
    const start = new Date('2026-12-01T00:00:00Z');
    const stats = teamStats({
      start,
      tickets: [
        {
          assigneeId: 'U0AGENT',
          urgency: 'normal',
          createdAt: new Date('2026-12-01T01:00:00Z'),
          firstResponseAt: new Date('2026-12-01T01:30:00Z'),
          closedAt: new Date('2026-12-01T03:00:00Z'),
          tags: ['vip'],
        },
      ],
      receivedMails: [{ urgency: 'normal', assigneeId: 'U0AGENT' }],
      replies: [{ authorId: 'U0AGENT', urgency: 'normal' }],
      unclaimed: 3,
      waitingForReview: 1,
    });
    const lines = statsCsv(stats, (id) => (id === 'U0AGENT' ? 'Sato, Ken' : null))
      .slice(1)
      .split('\r\n');
    expect(lines).toEqual([
      'group,key,received,replied,closed,first response median (min),first response p90 (min),first responses,time to close median (min),time to close p90 (min),tickets',
      'total,,1,1,1,30,30,1,120,120,',
      'agent,"Sato, Ken",1,1,1,30,30,1,120,120,',
      'urgency,normal,1,1,1,30,30,1,120,120,',
      'tag,vip,,,,,,,,,1',
      'unclaimed now,,,,,,,,,,3',
      'waiting for review now,,,,,,,,,,1',
      '',
    ]);
  });
});
