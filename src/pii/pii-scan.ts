/**
 * Finds personal data in free text: e-mail addresses, phone numbers, payment card numbers
 * (Luhn-checked), national identifiers (US SSN, UK National Insurance number) and IBANs
 * (ISO 13616 mod-97 checked). Pure; findings carry a masked excerpt, never the value itself.
 */
export type PiiKind = 'email' | 'phone' | 'payment_card' | 'national_id' | 'iban';

export interface PiiFinding {
  field: string;
  kind: PiiKind;
  /** The match with all but its last two characters masked. */
  excerpt: string;
}

function mask(value: string): string {
  const compact = value.replace(/\s+/g, '');
  return '*'.repeat(Math.max(0, compact.length - 2)) + compact.slice(-2);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : ch;
    for (const digit of digits) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;
const SSN = /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g;
const NINO = /\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const PHONE =
  /(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]?\d{3,4}(?![\w.])/g;

/** Scans one text; `field` names where it came from in the findings. */
export function scanText(field: string, text: string): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  const add = (kind: PiiKind, m: RegExpMatchArray) => {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (overlaps(start, end)) return;
    taken.push([start, end]);
    findings.push({ field, kind, excerpt: mask(m[0]) });
  };
  for (const m of text.matchAll(EMAIL)) add('email', m);
  for (const m of text.matchAll(IBAN)) if (ibanValid(m[0])) add('iban', m);
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) add('payment_card', m);
  }
  for (const m of text.matchAll(SSN)) add('national_id', m);
  for (const m of text.matchAll(NINO)) add('national_id', m);
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 9 && digits.length <= 15) add('phone', m);
  }
  return findings;
}

/** Scans every string field given; undefined and null fields are skipped. */
export function scanFields(fields: Record<string, string | null | undefined>): PiiFinding[] {
  return Object.entries(fields).flatMap(([field, text]) => (text ? scanText(field, text) : []));
}
