import type { DocumentChart, DocumentTable, GovernanceDocument } from './document.types.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(t: DocumentTable): string {
  const head = `| ${t.columns.map(cell).join(' | ')} |`;
  const rule = `| ${t.columns.map(() => '---').join(' | ')} |`;
  const rows = t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  return [`**${t.caption}**`, '', head, rule, ...rows].join('\n');
}

/** Charts become tables of their points in Markdown. */
function chartAsTable(c: DocumentChart): DocumentTable {
  const xs = c.categories ?? c.x.map((x) => new Date(x * 1000).toISOString().slice(0, 16).replace('T', ' '));
  return {
    caption: `${c.title} (chart data)`,
    columns: [c.categories ? 'category' : 'time', ...c.series.map((s) => s.label)],
    rows: xs.map((x, i) => [
      x,
      ...c.series.map((s) => ((s.values[i] ?? null) === null ? '—' : String(s.values[i]))),
    ]),
  };
}

/** The document as GitHub-flavoured Markdown. */
export function renderMarkdown(doc: GovernanceDocument): string {
  const out: string[] = [`# ${doc.title}`, ''];
  for (const [label, value] of doc.facts) out.push(`- **${label}:** ${value}`);
  for (const s of doc.sections) {
    out.push('', `## ${s.title}`, '');
    const tags = [s.origin === 'human' ? 'written by people' : 'generated from records'];
    if (s.required) tags.push('required');
    if (s.status !== 'present') tags.push(s.status === 'missing' ? 'MISSING' : 'no data');
    out.push(`_${tags.join(' · ')}_`);
    if (s.authorship)
      out.push(
        '',
        `_Written by ${s.authorship.writtenBy} at ${s.authorship.writtenAt} (${s.authorship.source}, revision ${s.authorship.revision})._`,
      );
    for (const p of s.paragraphs) out.push('', p);
    for (const t of s.tables) out.push('', table(t));
    for (const c of s.charts) out.push('', table(chartAsTable(c)));
  }
  return `${out.join('\n')}\n`;
}
