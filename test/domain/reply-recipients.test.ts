import { describe, expect, it } from 'vitest';
import { ownAddressesOf, ownAddressMatcher } from '../../src/domain/own-address.js';
import {
  recipientChanges,
  replyAllCc,
  replyFromAddress,
  type CustomerRecipients,
} from '../../src/domain/reply-recipients.js';

const mailbox = {
  address: 'support@example.com',
  aliases: ['billing@example.com'],
  imap: { user: 'support@example.com' },
};
const isOurs = ownAddressMatcher(ownAddressesOf([mailbox]));
const a = (address: string, name = '') => ({ name, address });

const customer: CustomerRecipients = {
  from: 'taro@customer.example.jp',
  replyTo: null,
  to: [a('Billing@Example.com'), a('boss@customer.example.jp', '部長')],
  cc: [a('support+x@example.com'), a('hanako@customer.example.jp'), a('TARO@customer.example.jp')],
};

describe('reply-all', () => {
  it('copies everyone the customer wrote to, except our own addresses (aliases and +tags too) and the To', () => {
    expect(replyAllCc(customer, isOurs)).toEqual([
      a('boss@customer.example.jp', '部長'),
      a('hanako@customer.example.jp'),
    ]);
  });

  it('names recipients added and left off, compared with the customer’s mail', () => {
    expect(
      recipientChanges(customer, isOurs, [a('taro@customer.example.jp'), ...replyAllCc(customer, isOurs)]),
    ).toEqual({
      added: [],
      removed: [],
    });
    expect(
      recipientChanges(customer, isOurs, [
        a('taro@customer.example.jp'),
        a('boss@customer.example.jp'),
        a('x@other.example'),
      ]),
    ).toEqual({ added: ['x@other.example'], removed: ['hanako@customer.example.jp'] });
  });
});

describe('the From of a reply', () => {
  it('is the alias the customer wrote to (in any case, with a +tag), else the mailbox’s address', () => {
    expect(replyFromAddress(mailbox, ['BILLING+jp@example.com'])).toBe('billing@example.com');
    expect(replyFromAddress(mailbox, ['support@example.com', 'someone@else.example'])).toBe('support@example.com');
    expect(replyFromAddress(mailbox, [])).toBe('support@example.com');
  });
});
