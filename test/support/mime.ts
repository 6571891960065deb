/** Test mail sources as a customer's mailer writes them. */

/** A multipart/mixed mail: a UTF-8 text part, then one file as a base64 attachment. */
export function mailWithAttachment(input: {
  headers: string[];
  text: string;
  file: { name: string; contentType: string; bytes: Buffer };
}): string {
  const boundary = 'mailroom-boundary';
  return [
    ...input.headers,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    input.text,
    `--${boundary}`,
    `Content-Type: ${input.file.contentType}; name="${input.file.name}"`,
    `Content-Disposition: attachment; filename="${input.file.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    input.file.bytes.toString('base64').replace(/.{76}/g, '$&\r\n'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
