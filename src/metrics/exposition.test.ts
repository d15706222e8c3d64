import { describe, expect, it } from 'vitest';
import { escapeLabelValue, renderExposition } from './exposition.js';
import { parseExposition } from './exposition.test-helper.js';

describe('renderExposition', () => {
  it('writes HELP, TYPE and samples, escaping label values', () => {
    const text = renderExposition([
      {
        name: 'warden_monitor_value',
        help: 'Latest value\nwith a back\\slash',
        type: 'gauge',
        samples: [
          { labels: { model: 'm', segment: 'region="eu"\\north\nx' }, value: 0.25 },
          { labels: {}, value: NaN },
        ],
      },
      { name: 'warden_empty_total', help: 'none yet', type: 'counter', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP warden_monitor_value Latest value\\nwith a back\\\\slash',
        '# TYPE warden_monitor_value gauge',
        'warden_monitor_value{model="m",segment="region=\\"eu\\"\\\\north\\nx"} 0.25',
        'warden_monitor_value NaN',
        '# HELP warden_empty_total none yet',
        '# TYPE warden_empty_total counter',
        '',
      ].join('\n'),
    );
    const parsed = parseExposition(text);
    expect(parsed.types.get('warden_empty_total')).toBe('counter');
    expect(parsed.samples[0]).toEqual({
      name: 'warden_monitor_value',
      labels: { model: 'm', segment: 'region="eu"\\north\nx' },
      value: 0.25,
    });
  });

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['\\"\n', '\\\\\\"\\n'],
  ])('escapes %j as %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it('refuses names Prometheus cannot read', () => {
    expect(() => renderExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow();
    expect(() =>
      renderExposition([
        { name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] },
      ]),
    ).toThrow();
  });

  it('writes infinities as Prometheus spells them', () => {
    const text = renderExposition([
      { name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { a: '1' }, value: Infinity }] },
    ]);
    expect(text).toContain('x{a="1"} +Inf\n');
  });
});
