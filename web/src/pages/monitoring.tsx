import { useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, query } from '../api';
import { LineChart } from '../components/chart';
import { ErrorBox, Loading, TableWrap, num, slug, time } from '../components/ui';
import { useApi, useApiAll, useTitle } from '../hooks';
import { RealTimeView, type CheckResult } from './monitoring-realtime';
import {
  byTopic,
  DelayedLabels,
  FairnessPerGroup,
  label,
  StatusBadge,
  type Series,
} from './monitoring-views';

interface SeriesPage {
  runs: { id: string; evaluatedAt: string }[];
  series: Series[];
  truncated: boolean;
}

const WINDOWS: [string, number][] = [
  ['Last 24 hours', 1],
  ['Last 7 days', 7],
  ['Last 30 days', 30],
  ['Last 90 days', 90],
];

/** Every check of one evaluation (one window): what a point of a chart opens. */
function WindowReport({ model, at, close }: { model: string; at: string; close: string }) {
  const to = new Date(Date.parse(at) + 1).toISOString();
  const results = useApiAll<CheckResult>(
    `/models/${enc(model)}/monitoring${query({ from: at, to, limit: 1000 })}`,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [at]);
  const first = results.data?.[0];
  return (
    <section class="card" aria-labelledby="window-report">
      <h2 id="window-report" ref={heading} tabIndex={-1}>
        Window report{first ? `: ${time(first.window.from)} – ${time(first.window.to)}` : ''}
      </h2>
      <p class="muted small">
        Evaluated {time(at)}
        {first ? ` over ${first.window.records.toLocaleString('en')} records` : ''}.{' '}
        <a href={close}>Close the report</a>
      </p>
      {results.error ? <ErrorBox error={results.error} /> : null}
      {!results.data && !results.error ? <Loading what="the window's report" /> : null}
      {results.data ? (
        <TableWrap label="Checks of the window">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Segment</th>
                <th scope="col">Value</th>
                <th scope="col">Threshold</th>
                <th scope="col">Status</th>
                <th scope="col">How it was judged</th>
              </tr>
            </thead>
            <tbody>
              {results.data.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{label(r)}</th>
                  <td>{r.segment ?? 'all'}</td>
                  <td>{num(r.value)}</td>
                  <td>{num(r.threshold)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td class="wrap small">{r.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </section>
  );
}

/** Per model: the latest value of each check, charts of each over the chosen window, and each window's report. */
export function MonitoringPage() {
  useTitle('Monitoring');
  const location = useLocation();
  const model = location.query.model ?? '';
  const days = Number(location.query.days ?? 30) || 30;
  const at = location.query.at;
  const [input, setInput] = useState(model);
  const [now] = useState(() => Date.now());
  const from = new Date(now - days * 86_400_000).toISOString();
  const range: [number, number] = [(now - days * 86_400_000) / 1000, now / 1000];
  const data = useApi<SeriesPage>(model ? `/models/${enc(model)}/monitoring/series?from=${enc(from)}` : null);
  const here = (changes: Record<string, string | number | undefined>) =>
    `/monitoring${query({ model, days, at, ...changes })}`;
  const go = (m: string, d: number) => location.route(`/monitoring${query({ model: m, days: d })}`);
  const series = data.data?.series ?? [];
  const runs = data.data?.runs ?? [];
  const topics = byTopic(series);
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
      {model ? <RealTimeView model={model} now={now} /> : null}
      {data.error ? <ErrorBox error={data.error} /> : null}
      {model && !data.data && !data.error ? <Loading what="monitoring results" /> : null}
      {data.data && series.length === 0 ? <p class="muted">No monitoring result in this window.</p> : null}
      {data.data?.truncated ? (
        <p class="notice">Only the newest results are drawn: choose a shorter window.</p>
      ) : null}
      {model && at ? <WindowReport model={model} at={at} close={here({ at: undefined })} /> : null}
      {series.length > 0 ? (
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
                {topics.map(([topic, list]) => (
                  <tbody key={topic}>
                    <tr class="group">
                      <th scope="colgroup" colSpan={5}>
                        {topic}
                      </th>
                    </tr>
                    {list.map((s) => {
                      const i = s.value.length - 1;
                      const run = runs[s.run[i]!]!;
                      return (
                        <tr key={label(s)}>
                          <th scope="row">{label(s)}</th>
                          <td>{num(s.value[i])}</td>
                          <td>{num(s.threshold)}</td>
                          <td>
                            <StatusBadge status={s.status[i]!} />
                          </td>
                          <td>
                            <a
                              href={here({ at: run.evaluatedAt })}
                              aria-label={`Report of the window ending ${time(s.windowTo[i])} (${label(s)})`}
                            >
                              {time(s.windowTo[i])}
                            </a>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                ))}
              </table>
            </TableWrap>
          </section>
          <p class="muted small">Select a point of a chart to open the report of its window.</p>
          {topics.map(([topic, list]) => (
            <section class="topic" key={topic} aria-labelledby={`topic-${slug(topic)}`}>
              <h2 id={`topic-${slug(topic)}`}>{topic}</h2>
              {topic === 'Performance with delayed labels' ? <DelayedLabels series={list} /> : null}
              {topic === 'Fairness per group' ? (
                <FairnessPerGroup
                  model={model}
                  from={from}
                  attributes={list.flatMap((s) => (s.feature ? [s.feature] : []))}
                  range={range}
                />
              ) : null}
              <div class="grid">
                {list.map((s) => (
                  <section class="card" key={label(s)} aria-label={label(s)}>
                    <LineChart
                      title={label(s)}
                      times={s.windowTo.map((t) => Date.parse(t) / 1000)}
                      values={s.value}
                      threshold={s.threshold}
                      range={range}
                      onPick={(i) => location.route(here({ at: runs[s.run[i]!]!.evaluatedAt }))}
                    />
                  </section>
                ))}
              </div>
            </section>
          ))}
        </>
      ) : null}
    </>
  );
}
