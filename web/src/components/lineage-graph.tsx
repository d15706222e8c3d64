export interface LineageVersion {
  version: string;
  stage: string;
  lineage: { datasets: { name: string; uri: string; sha256: string }[]; featureSetVersion?: string };
  features: string[];
}
export interface LineageDeployment {
  id: string;
  version: string;
  environment: string;
  target: string;
  trafficPercent: number;
}

interface Node {
  key: string;
  label: string;
  detail: string;
  href?: string;
}

const COLUMN_X = [10, 215, 420, 625];
const NODE_W = 165;
const NODE_H = 34;
const GAP = 12;
const short = (text: string, max = 22) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A model's lineage as a layered graph: datasets (by SHA-256) and features feed versions, versions
 * run in deployments. Drawn in SVG with an edge for every use; the same facts follow as a list for
 * screen readers and keyboard users.
 */
export function LineageGraph({
  model,
  versions,
  deployments,
}: {
  model: string;
  versions: LineageVersion[];
  deployments: LineageDeployment[];
}) {
  const datasets = new Map<string, Node>();
  const features = new Map<string, Node>();
  const edges: [string, string][] = [];
  for (const v of versions) {
    const vk = `v:${v.version}`;
    for (const d of v.lineage.datasets) {
      const key = `d:${d.sha256}`;
      if (!datasets.has(key))
        datasets.set(key, { key, label: d.name, detail: `${d.uri} · sha256 ${d.sha256.slice(0, 12)}…` });
      edges.push([key, vk]);
    }
    const feature = v.lineage.featureSetVersion
      ? [`feature set ${v.lineage.featureSetVersion}`]
      : v.features.length > 0
        ? [v.features.length <= 3 ? v.features.join(', ') : `${v.features.length} features`]
        : [];
    for (const f of feature) {
      const key = `f:${f}`;
      if (!features.has(key)) features.set(key, { key, label: f, detail: v.features.join(', ') });
      edges.push([key, vk]);
    }
  }
  const versionNodes: Node[] = versions.map((v) => ({
    key: `v:${v.version}`,
    label: `${v.version} · ${v.stage}`,
    detail: `${model} ${v.version}`,
    href: `/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(v.version)}`,
  }));
  const deploymentNodes: Node[] = deployments
    .filter((d) => versions.some((v) => v.version === d.version))
    .map((d) => {
      edges.push([`v:${d.version}`, `p:${d.id}`]);
      return { key: `p:${d.id}`, label: `${d.environment} ${d.trafficPercent} %`, detail: d.target };
    });
  const columns = [[...datasets.values()], [...features.values()], versionNodes, deploymentNodes];
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const height = rows * (NODE_H + GAP) + GAP + 24;
  const place = new Map<string, { x: number; y: number }>();
  columns.forEach((column, i) => {
    const offset = ((rows - column.length) * (NODE_H + GAP)) / 2;
    column.forEach((n, j) =>
      place.set(n.key, { x: COLUMN_X[i]!, y: 24 + GAP + offset + j * (NODE_H + GAP) }),
    );
  });
  const headings = ['Datasets', 'Features', 'Versions', 'Deployments'];
  return (
    <>
      <div class="graph-scroll" role="region" aria-label="Lineage graph" tabIndex={0}>
        <svg
          class="lineage-graph"
          viewBox={`0 0 800 ${height}`}
          role="figure"
          aria-labelledby="lineage-title"
        >
          <title id="lineage-title">
            {`Lineage of ${model}: ${datasets.size} datasets and ${features.size} feature sets feed ${versions.length} versions, running in ${deploymentNodes.length} deployments`}
          </title>
          {headings.map((h, i) => (
            <text key={h} class="heading" x={COLUMN_X[i]! + 4} y={16}>
              {h}
            </text>
          ))}
          {edges.map(([from, to]) => {
            const a = place.get(from);
            const b = place.get(to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${from}>${to}`}
                class="edge"
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
              />
            );
          })}
          {columns.flat().map((n) => {
            const p = place.get(n.key)!;
            const box = (
              <g key={n.key}>
                <title>{n.detail}</title>
                <rect
                  class={n.href ? 'node link' : 'node'}
                  x={p.x}
                  y={p.y}
                  width={NODE_W}
                  height={NODE_H}
                  rx={6}
                />
                <text x={p.x + 8} y={p.y + NODE_H / 2 + 5}>
                  {short(n.label)}
                </text>
              </g>
            );
            return n.href ? (
              <a key={n.key} href={n.href} aria-label={`${n.label} (${n.detail})`}>
                {box}
              </a>
            ) : (
              box
            );
          })}
        </svg>
      </div>
      <details>
        <summary>Lineage as a list</summary>
        <ul>
          {versions.map((v) => (
            <li key={v.version}>
              {v.version}: trained on{' '}
              {v.lineage.datasets.map((d) => `${d.name} (${d.sha256.slice(0, 12)}…)`).join(', ') ||
                'no dataset recorded'}
              {v.lineage.featureSetVersion ? `; feature set ${v.lineage.featureSetVersion}` : ''}
              {v.features.length > 0 ? `; features ${v.features.join(', ')}` : ''}
              {'; '}
              {deployments
                .filter((d) => d.version === v.version)
                .map((d) => `${d.environment} ${d.target} (${d.trafficPercent} %)`)
                .join(', ') || 'not deployed'}
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}
