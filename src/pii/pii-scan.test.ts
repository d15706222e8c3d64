import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, scanFields, scanText, type PiiKind } from './index.js';

const kinds = (text: string): PiiKind[] => scanText('f', text).map((f) => f.kind);

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true], // Visa test number
    ['5500000000000004', true], // Mastercard test number
    ['378282246310005', true], // Amex test number
    ['79927398713', true], // the classic worked example
    ['4111111111111112', false],
    ['79927398710', false],
    ['', false],
    ['4111-1111', false],
  ])('%s → %s', (digits, expected) => expect(luhnValid(digits)).toBe(expected));
});

describe('ibanValid', () => {
  it.each([
    ['GB82 WEST 1234 5698 7654 32', true],
    ['DE89370400440532013000', true],
    ['FR1420041010050500013M02606', true],
    ['GB82 WEST 1234 5698 7654 33', false], // last digit changed
    ['GB83 WEST 1234 5698 7654 32', false], // check digits changed
    ['DE89370400440532013001', false],
    ['XX00', false],
  ])('%s → %s', (iban, expected) => expect(ibanValid(iban)).toBe(expected));
});

describe('scanText finds personal data', () => {
  it.each<[string, string, PiiKind[]]>([
    ['email', 'contact jane.doe+ml@bank.example.co.uk for access', ['email']],
    ['international phone', 'on call: +44 20 7946 0958.', ['phone']],
    ['US phone with area code', 'desk (415) 555-0132', ['phone']],
    ['US phone with dashes', 'desk 415-555-0132 ext', ['phone']],
    ['US phone with dots', 'desk 415.555.0132', ['phone']],
    ['E.164 phone', 'sms +14155550132', ['phone']],
    ['UK mobile', 'mobile 07700 900123', ['phone']],
    ['French mobile, international', 'tel +33 6 12 34 56 78', ['phone']],
    ['phone followed by a count', 'call 415-555-0132 2 times', ['phone']],
    ['Visa card with spaces', 'card 4111 1111 1111 1111 on file', ['payment_card']],
    ['Mastercard with dashes', 'card 5500-0000-0000-0004', ['payment_card']],
    ['Amex', 'amex 378282246310005', ['payment_card']],
    ['IBAN', 'pay to GB82 WEST 1234 5698 7654 32 today', ['iban']],
    ['compact IBAN', 'iban DE89370400440532013000', ['iban']],
    ['US SSN', 'ssn 078-05-1120', ['national_id']],
    ['UK NINO with spaces', 'NI number AB 12 34 56 C', ['national_id']],
    ['UK NINO compact', 'nino: AB123456C', ['national_id']],
  ])('%s', (_name, text, expected) => expect(kinds(text)).toEqual(expected));

  it('masks all but the last two characters and never returns the value', () => {
    const [finding] = scanText('description', 'mail a.b@c.io now');
    expect(finding).toEqual({ field: 'description', kind: 'email', excerpt: '******io' });
  });

  it('names each field it scanned and skips empty ones', () => {
    const findings = scanFields({ a: 'x@y.org', b: undefined, c: null, d: 'plain text' });
    expect(findings.map((f) => f.field)).toEqual(['a']);
  });
});

describe('scanText leaves ordinary model metadata alone', () => {
  it.each([
    ['Luhn-invalid card number', 'card 4111 1111 1111 1112'],
    ['Luhn-valid number outside card prefixes (a timestamp)', 'ts 1700000000007'],
    ['IBAN with bad check digits', 'GB82 WEST 1234 5698 7654 33'],
    ['SSN with area 000', '000-12-3456'],
    ['SSN with area 666', '666-12-3456'],
    ['NINO with a disallowed prefix', 'GB 12 34 56 A'],
    ['semantic versions', 'upgraded from 1.10.3 to 2.0.0-rc.1+build.20240115 and 10.120.3400'],
    [
      'ISO dates and times',
      'trained 2024-01-15T10:30:00Z, validated 2024-01-16 12:00, window 2024-01-01 2024-01-31',
    ],
    ['dates with a count', 'retrained 2025-11-03 12 times'],
    ['SHA-256 digests', 'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['an all-digit hex run inside a digest', 'a1234567890123456789b'],
    ['metric numbers', 'AUC 0.8123, recall 0.7311 precision 0.912345678 loss 0.000123456789'],
    ['figures in a list', 'bins 120 340 560 780 900'],
    ['row counts', 'trained on 1204311 rows and 1,204,311 labels'],
    ['an IP address', 'served from 192.168.100.200'],
    ['a bare long id', 'run 123456789012'],
  ])('%s', (_name, text) => expect(kinds(text)).toEqual([]));
});
