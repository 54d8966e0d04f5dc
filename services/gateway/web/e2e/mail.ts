import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from './env';

/** A message the suite's SMTP server accepted (one NNNNNN.json each, written atomically). */
export interface Mail {
  mail_from: string;
  rcpt_tos: string[];
  subject: string;
  body: string;
  message_id: string;
}

/** The caught messages to `address` (lower-case), oldest first; with `subject`, only those. */
export function mailTo(address: string, subject?: string): Mail[] {
  const dir = env.mailDir!;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Mail)
    .filter((m) => m.rcpt_tos.some((to) => to.toLowerCase() === address))
    .filter((m) => subject === undefined || m.subject === subject);
}
