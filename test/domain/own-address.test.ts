import { expect, it } from 'vitest';
import { ownAddressMatcher } from '../../src/domain/own-address.js';

it('knows our mailboxes in any case and with any +tag, and nothing else', () => {
  const isOurs = ownAddressMatcher(['support@example.com', 'Sales@Example.com']);
  expect(
    ['support@example.com', 'SUPPORT@EXAMPLE.COM', 'support+billing@example.com', 'sales+x+y@example.com'].map(isOurs),
  ).toEqual([true, true, true, true]);
  expect(
    ['support@example.org', 'supports@example.com', '+support@example.com', 'help@example.com', ''].map(isOurs),
  ).toEqual([false, false, false, false, false]);
});
