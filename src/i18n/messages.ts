/**
 * Everything the bot writes in Slack, in English and Japanese. `en` defines the keys;
 * `ja` must have every one of them (the type says so), and test/i18n checks both use the
 * same {placeholders}.
 */
import type { TLocale } from '../config/config-schema.js';

const en = {
  'help.title': 'Mailroom: the {mailbox} mailbox in Slack',
  'help.intro': 'Every mail to {address} becomes a thread in <#{channel}>. Claim it, talk it over in the thread (never emailed), reply from a template.',
  'help.commands': 'Commands',
  'help.cmd.help': '`/mail help` — this help',
  'help.cmd.search': '`/mail search <words>` — find past mail (filters: from: to: status: assignee: urgency: before: after: has:attachment in:comments)',
  'help.cmd.customer': '`/mail customer <address|domain>` — a customer’s history',
  'help.cmd.stats': '`/mail stats [today|week|month]` — numbers for the team',
  'help.cmd.template': '`/mail template` — list, create and edit reply templates',
  'help.mailboxes': 'Mailboxes',
  'help.mailbox.line': '*{name}* ({address}) → <#{channel}>',
  'command.unknown': 'I don’t know `/mail {subcommand}`. Try `/mail help`.',
  'command.not_ready': '`/mail {subcommand}` is not available yet in this version. `/mail help` lists what is.',
  'home.title': 'Mailroom',
  'home.intro': 'Shared mailboxes worked from Slack. Type `/mail help` in any channel for the commands.',
  'error.generic': 'Something went wrong on our side ({code}). Nothing was changed; please try again.',
  'ticket.from': 'From',
  'ticket.received': 'Received',
  'ticket.status': 'Status',
  'ticket.assignee': 'Assignee',
  'ticket.unassigned': 'Nobody yet',
  'ticket.urgency': 'Urgency',
  'ticket.attachments': 'Attachments',
  'ticket.more_attachments': '+{count} more',
  'ticket.no_subject': '(no subject)',
  'ticket.no_body': '(no text)',
  'ticket.unreadable': 'This mail could not be fully read; the original is stored unchanged.',
  'ticket.claim': 'Claim',
  'ticket.unclaim': 'Unclaim',
  'ticket.assign_placeholder': 'Assign to…',
  'ticket.reply': 'Reply',
  'ticket.junk': 'Junk',
  'ticket.junk_confirm_title': 'Mark as junk?',
  'ticket.junk_confirm_text': 'The ticket leaves every list. You can undo this.',
  'ticket.junk_confirm_yes': 'Junk it',
  'ticket.junk_confirm_no': 'Cancel',
  'ticket.follow_up': 'New mail from {from}',
  'ticket.body_heading': 'Full text',
  'ticket.body_cut': '(The text continues in the attached .txt file; the whole mail is stored.)',
  'urgency.normal': 'Normal',
  'urgency.urgent': 'Urgent',
  'urgency.critical': 'Critical',
  'flag.freeMail': 'free mail',
  'flag.roleAddress': 'role address',
  'flag.unreplyable': 'cannot be replied to',
  'flag.anonymous': 'no sender',
  'flag.autoReply': 'auto-reply',
  'flag.bounce': 'bounce',
  'flag.list': 'mailing list',
  'flag.fromSelf': 'from our own address',
} as const;

export type MessageKey = keyof typeof en;

const ja: Record<MessageKey, string> = {
  'help.title': 'Mailroom：{mailbox} の共有メールボックス',
  'help.intro': '{address} に届いたメールはすべて <#{channel}> のスレッドになります。担当を宣言し、スレッドで相談し（メールには送られません）、テンプレートから返信します。',
  'help.commands': 'コマンド',
  'help.cmd.help': '`/mail help` — このヘルプ',
  'help.cmd.search': '`/mail search <語句>` — 過去のメールを検索（絞り込み：from: to: status: assignee: urgency: before: after: has:attachment in:comments）',
  'help.cmd.customer': '`/mail customer <アドレス|ドメイン>` — 顧客の履歴',
  'help.cmd.stats': '`/mail stats [today|week|month]` — チームの数値',
  'help.cmd.template': '`/mail template` — 返信テンプレートの一覧・作成・編集',
  'help.mailboxes': 'メールボックス',
  'help.mailbox.line': '*{name}*（{address}）→ <#{channel}>',
  'command.unknown': '`/mail {subcommand}` というコマンドはありません。`/mail help` をお試しください。',
  'command.not_ready': '`/mail {subcommand}` はこのバージョンではまだ使えません。使えるコマンドは `/mail help` で確認できます。',
  'home.title': 'Mailroom',
  'home.intro': 'Slack で扱う共有メールボックスです。コマンドはどのチャンネルでも `/mail help` で確認できます。',
  'error.generic': 'こちら側で問題が発生しました（{code}）。何も変更されていません。もう一度お試しください。',
  'ticket.from': '差出人',
  'ticket.received': '受信',
  'ticket.status': 'ステータス',
  'ticket.assignee': '担当者',
  'ticket.unassigned': '未割当',
  'ticket.urgency': '緊急度',
  'ticket.attachments': '添付ファイル',
  'ticket.more_attachments': '他 {count} 件',
  'ticket.no_subject': '（件名なし）',
  'ticket.no_body': '（本文なし）',
  'ticket.unreadable': 'このメールは一部を読み取れませんでした。元のメールはそのまま保存されています。',
  'ticket.claim': '担当する',
  'ticket.unclaim': '担当を外れる',
  'ticket.assign_placeholder': '担当者を割り当て…',
  'ticket.reply': '返信',
  'ticket.junk': '迷惑メール',
  'ticket.junk_confirm_title': '迷惑メールにしますか？',
  'ticket.junk_confirm_text': 'このチケットはすべての一覧から外れます。元に戻せます。',
  'ticket.junk_confirm_yes': '迷惑メールにする',
  'ticket.junk_confirm_no': 'キャンセル',
  'ticket.follow_up': '{from} から新しいメール',
  'ticket.body_heading': '本文',
  'ticket.body_cut': '（本文の続きは添付の .txt ファイルにあります。メール全体は保存されています。）',
  'urgency.normal': '通常',
  'urgency.urgent': '至急',
  'urgency.critical': '大至急',
  'flag.freeMail': 'フリーメール',
  'flag.roleAddress': '役割アドレス',
  'flag.unreplyable': '返信不可',
  'flag.anonymous': '差出人なし',
  'flag.autoReply': '自動応答',
  'flag.bounce': 'エラーメール',
  'flag.list': 'メーリングリスト',
  'flag.fromSelf': '自分のアドレスから',
};

export const MESSAGES: Record<TLocale, Record<MessageKey, string>> = { en, ja };

/**
 * The message in the locale with {placeholders} filled. Values are inserted as given:
 * callers escape anything that came from mail or users before passing it.
 */
export function t(locale: TLocale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

/** Slack reports locales like `ja-JP`; anything Japanese is ja, everything else en. */
export function localeFromSlack(slackLocale: string | undefined, fallback: TLocale): TLocale {
  if (!slackLocale) return fallback;
  return slackLocale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}
