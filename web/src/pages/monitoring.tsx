import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { enc } from '../api';
import { LineChart } from '../components/chart';
import { Badge, ErrorBox, Loading, TableWrap, num, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface Result {
  id: string;
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  status: string;
  window: { from: string; to: string };
}
interface Page<T> {
  items: T[];
}
const WINDOWS: [string, number][] = [
  ['Last 24 hours', 1],
  ['Last 7 days', 7],
  ['Last 30 days', 30],
  ['Last 90 days', 90],
];

/** Per model: the latest value of each check and charts of each over the chosen window. */
export function MonitoringPage() {
  useTitle('Monitoring');
  const location = useLocation();
  const model = location.query.model ?? '';
  const days = Number(location.query.days ?? 30) || 30;
  const [input, setInput] = useState(model);
  const [now] = useState(() => Date.now());
  const from = new Date(now - days * 86_400_000).toISOString();
  const results = useApi<Page<Result>>(
    model ? `/models/${enc(model)}/monitoring?limit=1000&from=${enc(from)}` : null,
  );
  const go = (m: string, d: number) => location.route(`/monitoring?model=${enc(m)}&days=${d}`);
  const series = new Map<string, Result[]>();
  for (const r of results.data?.items ?? []) {
    if (r.segment) continue;
    const key = r.feature ? `${r.rule} · ${r.feature}` : r.rule;
    const list = series.get(key) ?? [];
    list.push(r);
    series.set(key, list);
  }
  const keys = [...series.keys()].sort();
  return (
    <>
      <h1>Monitoring{model ? `: ${model}` : ''}</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go(input.trim(), days);
        }}
      >
        <div class="field">
          <label for="model">Model</label>
          <input id="model" value={input} onInput={(e) => setInput(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="window">Window</label>
          <select id="window" value={String(days)} onChange={(e) => go(model, Number(e.currentTarget.value))}>
            {WINDOWS.map(([l, d]) => (
              <option key={d} value={d}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      {!model ? <p class="muted">Name a model to see its monitoring.</p> : null}
      {results.error ? <ErrorBox error={results.error} /> : null}
      {model && !results.data && !results.error ? <Loading what="monitoring results" /> : null}
      {results.data && keys.length === 0 ? <p class="muted">No monitoring result in this window.</p> : null}
      {keys.length > 0 ? (
        <>
          <section class="card" aria-labelledby="now">
            <h2 id="now">Latest per check</h2>
            <TableWrap label="Latest per check">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Check</th>
                    <th scope="col">Value</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Status</th>
                    <th scope="col">Window end</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => {
                    const last = series.get(k)![0]!;
                    return (
                      <tr key={k}>
                        <th scope="row">{k}</th>
                        <td>{num(last.value)}</td>
                        <td>{num(last.threshold)}</td>
                        <td>
                          <Badge
                            value={
                              last.status === 'alert'
                                ? 'critical'
                                : last.status === 'warning'
                                  ? 'medium'
                                  : 'ok'
                            }
                            label={last.status}
                          />
                        </td>
                        <td>{time(last.window.to)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <div class="grid">
            {keys.map((k) => {
              const points = [...series.get(k)!].reverse();
              return (
                <section class="card" key={k} aria-label={k}>
                  <LineChart
                    title={k}
                    times={points.map((p) => Date.parse(p.window.to) / 1000)}
                    values={points.map((p) => p.value)}
                    threshold={points[points.length - 1]?.threshold ?? null}
                  />
                </section>
              );
            })}
          </div>
        </>
      ) : null}
    </>
  );
}
