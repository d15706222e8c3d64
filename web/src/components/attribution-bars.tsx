import { num } from './ui';

/** Which way an attribution pushes: toward the version's adverse outcome or away from it (+1 or −1), or unknown. */
export type AdverseSign = 1 | -1 | undefined;

/** The words for an attribution's direction, with the adverse outcome when the version declares one. */
export function directionOf(value: number, sign: AdverseSign): { words: string; tone: string } {
  if (value === 0) return { words: 'no effect', tone: 'neutral' };
  if (sign === undefined)
    return value > 0
      ? { words: 'raises the score', tone: 'up' }
      : { words: 'lowers the score', tone: 'down' };
  return value * sign > 0
    ? { words: 'toward the adverse outcome', tone: 'adverse' }
    : { words: 'away from the adverse outcome', tone: 'favourable' };
}

/**
 * A decision's attributions as a table of horizontal bars, largest |attribution| first: each row
 * names the feature, its value and direction in text, and draws a bar from the centre line (right
 * for positive, left for negative) whose length is its share of the largest one.
 */
export function AttributionBars({
  attributions,
  sign,
  caption,
}: {
  attributions: Record<string, number>;
  sign: AdverseSign;
  caption: string;
}) {
  const rows = Object.entries(attributions).sort(
    (a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1),
  );
  const largest = Math.max(...rows.map(([, v]) => Math.abs(v)), Number.MIN_VALUE);
  return (
    <div class="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table class="data attributions">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">Attribution</th>
            <th scope="col">Direction</th>
            <th scope="col" class="bar-col">
              <span class="sr-only">Bar</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([feature, value]) => {
            const direction = directionOf(value, sign);
            const width = `${((Math.abs(value) / largest) * 50).toFixed(2)}%`;
            return (
              <tr key={feature}>
                <th scope="row">{feature}</th>
                <td class="number">{value > 0 ? `+${num(value)}` : num(value)}</td>
                <td>{direction.words}</td>
                <td class="bar-col" aria-hidden="true">
                  <div class="bar-track">
                    <div
                      class={`bar ${direction.tone}`}
                      style={value >= 0 ? { left: '50%', width } : { right: '50%', width }}
                    />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
