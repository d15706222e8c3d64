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
const NINO =
  /\b(?!BG|GB|KN|NK|NT|TN|ZZ)(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
/** A run of digits with the separators phone numbers use; each candidate is then judged by {@link looksLikePhone}. */
const PHONE_CANDIDATE =
  /(?<![\w.+-])(?:\+|\(\d)[\d ().-]{6,}\d(?![\w-]|\.\d)|(?<![\w.+-])\d[\d ().-]{6,}\d(?![\w-]|\.\d)/g;

/**
 * Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
 * Maestro): a Luhn-valid number outside them is far more likely a counter or a timestamp.
 */
function hasCardPrefix(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  return (
    digits.startsWith('4') ||
    (two >= 51 && two <= 55) ||
    (four >= 2221 && four <= 2720) ||
    two === 34 ||
    two === 37 ||
    digits.startsWith('6011') ||
    digits.startsWith('65') ||
    (Number(digits.slice(0, 3)) >= 644 && Number(digits.slice(0, 3)) <= 649) ||
    two === 35 ||
    two === 36 ||
    two === 38 ||
    digits.startsWith('30') ||
    two === 62 ||
    digits.startsWith('50') ||
    (two >= 56 && two <= 58) ||
    digits.startsWith('67')
  );
}

/**
 * Decides whether a digit run is a phone number rather than a date, a version, a decimal or a
 * list of figures: 9–15 digits; an international prefix or area-code parentheses count in its
 * favour; otherwise its last group must have at least four digits, as national formats do.
 */
export function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 9 || digits.length > 15) return false;
  if (/\d{4}-\d{2}-\d{2}/.test(candidate)) return false; // an ISO date inside
  const open = (candidate.match(/\(/g) ?? []).length;
  const close = (candidate.match(/\)/g) ?? []).length;
  if (open !== close || open > 1) return false;
  const groups = candidate.split(/[ ().-]+/).filter(Boolean);
  if (candidate.includes('.')) {
    // Dots appear in versions, IP addresses and decimals; accept only the 3.3.4 form.
    if (!/^(?:\+\d{1,3}[ .])?\d{3}\.\d{3}\.\d{4}$/.test(candidate)) return false;
  }
  const international = candidate.startsWith('+');
  if (!international && groups.length === 1) return false; // a bare number: an id, not a phone
  if (groups.length > 7) return false;
  if (international || open === 1) return true;
  if (/^\d{3}-\d{2}-\d{4}$/.test(candidate)) return false; // SSN-shaped, judged as such
  if (groups.length >= 3 && groups.every((g) => g.length === 4)) return false; // card or account blocks
  return (
    groups.every((g) => g.length >= 2) && groups[groups.length - 1]!.length >= 4 && groups[0]!.length <= 5
  );
}

/** Scans one text; `field` names where it came from in the findings. */
export function scanText(field: string, text: string): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  const add = (kind: PiiKind, m: { index?: number | undefined; 0: string }) => {
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
    if (digits.length >= 13 && digits.length <= 19 && hasCardPrefix(digits) && luhnValid(digits))
      add('payment_card', m);
  }
  for (const m of text.matchAll(SSN)) add('national_id', m);
  for (const m of text.matchAll(NINO)) add('national_id', m);
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    // A run may carry a trailing small figure ("555-123-4567 2 times"): retry without it.
    let candidate = m[0];
    while (!looksLikePhone(candidate)) {
      const shorter = candidate.replace(/ +\d{1,3}$/, '');
      if (shorter === candidate) break;
      candidate = shorter;
    }
    if (looksLikePhone(candidate)) add('phone', { index: m.index, 0: candidate });
  }
  return findings;
}

/** Scans every string field given; undefined and null fields are skipped. */
export function scanFields(fields: Record<string, string | null | undefined>): PiiFinding[] {
  return Object.entries(fields).flatMap(([field, text]) => (text ? scanText(field, text) : []));
}
