import { useState } from 'react';

const CHILD_PAGE = 200;

/** A collapsible JSON tree; values are text nodes, never markup. */
export function JsonTree({ value }: { value: unknown }) {
  return (
    <div className="json-tree mono" role="tree" aria-label="JSON body">
      <JsonNode name={null} value={value} depth={0} />
    </div>
  );
}

function JsonNode({ name, value, depth }: { name: string | null; value: unknown; depth: number }) {
  const label = name === null ? null : <span className="json-key">{name}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div role="treeitem" className="json-leaf">
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  return <JsonBranch name={name} value={value as Record<string, unknown> | unknown[]} depth={depth} />;
}

function JsonBranch({ name, value, depth }: { name: string | null; value: Record<string, unknown> | unknown[]; depth: number }) {
  const [open, setOpen] = useState(depth < 2);
  const [limit, setLimit] = useState(CHILD_PAGE);
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = isArray ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <div role="treeitem" aria-expanded={open}>
      <button type="button" className="json-toggle" onClick={() => setOpen(!open)} aria-label={`${open ? 'Collapse' : 'Expand'} ${name ?? 'root'}`}>
        {open ? '▾' : '▸'}
      </button>
      {name !== null && <span className="json-key">{name}: </span>}
      <span className="json-summary">{summary}</span>
      {open && (
        <div className="json-children" role="group">
          {entries.slice(0, limit).map(([k, v]) => (
            <JsonNode key={k} name={isArray ? k : JSON.stringify(k)} value={v} depth={depth + 1} />
          ))}
          {entries.length > limit && (
            <button type="button" className="link" onClick={() => setLimit(limit + CHILD_PAGE)}>
              Show {Math.min(CHILD_PAGE, entries.length - limit)} more of {entries.length - limit}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === 'string') return <span className="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return <span className="json-null">null</span>;
}
