/**
 * The built-in statuses and urgencies (the seeds' 未対応 / 対応中 / 対応済み and
 * 通常 / 至急 / 大至急). Custom statuses per mailbox come from the database and carry a
 * category, so numbers and reminders understand them.
 */
export type StatusCategory = 'open' | 'pending' | 'closed';

export interface StatusDefinition {
  key: string;
  labelJa: string;
  labelEn: string;
  category: StatusCategory;
}

export const DEFAULT_STATUSES: readonly StatusDefinition[] = [
  { key: 'open', labelJa: '未対応', labelEn: 'Open', category: 'open' },
  { key: 'in_progress', labelJa: '対応中', labelEn: 'In progress', category: 'pending' },
  { key: 'done', labelJa: '対応済み', labelEn: 'Done', category: 'closed' },
];

export const URGENCIES = ['normal', 'urgent', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];

export function statusLabel(statuses: readonly StatusDefinition[], key: string, locale: 'ja' | 'en'): string {
  const status = statuses.find((candidate) => candidate.key === key);
  if (!status) return key;
  return locale === 'ja' ? status.labelJa : status.labelEn;
}

export function statusCategory(statuses: readonly StatusDefinition[], key: string): StatusCategory {
  return statuses.find((candidate) => candidate.key === key)?.category ?? 'open';
}
