import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './mailroom-process.js';

/** ../shared/corpus beside the project (CI puts shared/ there). */
export const CORPUS_DIR = path.resolve(ROOT, '..', 'shared', 'corpus');

/** Every .eml file of the corpus, relative path and bytes. */
export function corpusMails(dir = CORPUS_DIR): { name: string; raw: Buffer }[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return corpusMails(file);
    return entry.endsWith('.eml') ? [{ name: path.relative(CORPUS_DIR, file), raw: readFileSync(file) }] : [];
  });
}

export function corpusMail(relative: string): Buffer {
  return readFileSync(path.join(CORPUS_DIR, relative));
}
