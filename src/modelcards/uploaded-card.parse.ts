import type { HumanSection } from './model-card.repository.js';

/** Headings of an uploaded Markdown card that hold each human-written section (lower case, without punctuation). */
const HEADINGS: Array<[RegExp, HumanSection]> = [
  [
    /^(intended use|intended uses|purpose|purpose and intended use|out of scope|out-of-scope|out-of-scope uses?)\b/,
    'intendedUse',
  ],
  [/^(known )?limitations\b|^failure modes\b/, 'limitations'],
  [/^ethical considerations\b|^ethics\b|^risks?\b/, 'ethicalConsiderations'],
];

/**
 * The human-written sections of an uploaded Markdown card: the text under each heading (any level)
 * naming intended use, out-of-scope uses, limitations or ethical considerations. Several headings
 * of one section (intended use, then out-of-scope uses) are joined.
 */
export function parseUploadedCard(markdown: string): Partial<Record<HumanSection, string>> {
  const out: Partial<Record<HumanSection, string[]>> = {};
  let current: HumanSection | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const title = heading[1]!
        .toLowerCase()
        .replace(/[*_`:]/g, '')
        .trim();
      current = HEADINGS.find(([re]) => re.test(title))?.[1] ?? null;
      if (current) (out[current] ??= []).push(...(out[current]!.length ? ['', heading[1]!] : []));
      continue;
    }
    if (current) out[current]!.push(line);
  }
  const result: Partial<Record<HumanSection, string>> = {};
  for (const [k, lines] of Object.entries(out) as Array<[HumanSection, string[]]>) {
    const t = lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (t) result[k] = t;
  }
  return result;
}
