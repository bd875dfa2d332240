import { forwardRef, useEffect, useRef, useState } from 'react';
import type { KnownValues } from '../filter/suggest.js';
import type { TrafficModel } from '../model/traffic-model.js';
import { activeModel, actions, useUi } from '../store/store.js';
import { SuggestInput } from './SuggestInput.js';

/** Methods, statuses, services, projects and hosts seen in captured traffic. */
export function knownValues(model: TrafficModel): KnownValues {
  return {
    methods: [...model.known.methods],
    statuses: [...model.known.statuses].sort((a, b) => a - b),
    services: [...model.known.services],
    projects: [...model.known.projects],
    hosts: [...model.known.hosts],
  };
}

/** Free text plus `key:value` terms, with suggestions and the number of matches. */
export const FilterBar = forwardRef<HTMLInputElement>(function FilterBar(_props, ref) {
  const filterText = useUi((s) => s.filterText);
  const errors = useUi((s) => s.filterErrors);
  useUi((s) => s.trafficVersion);
  const model = activeModel();
  const [text, setText] = useState(filterText);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setText(filterText), [filterText]);

  const commit = (value: string) => {
    setText(value);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => actions.setFilter(value), model.size > 20_000 ? 200 : 60);
  };

  const total = model.size;
  const shown = model.viewSize;
  return (
    <div className="filterbar">
      <SuggestInput
        ref={ref}
        value={text}
        onChange={commit}
        known={() => knownValues(model)}
        label="Filter traffic"
        listId="filter-suggestions"
        placeholder="Filter: text, method:POST status:5xx service:api path:/users duration>200ms has:error -host:x   ( / )"
      />
      <span className="match-count" role="status" aria-label="Matching exchanges" aria-live="polite" aria-busy={text !== filterText}>
        {text.trim() === '' ? `${total.toLocaleString()} exchanges` : `${shown.toLocaleString()} of ${total.toLocaleString()} match`}
      </span>
      {errors.length > 0 && (
        <div className="filter-errors" role="alert">
          {errors.map((e) => (
            <span key={`${e.start}-${e.message}`}>{e.message}</span>
          ))}
        </div>
      )}
    </div>
  );
});
