import { forwardRef, useEffect, useMemo, useRef, useState } from 'react';
import { applySuggestion, suggest, type KnownValues, type Suggestions } from '../filter/suggest.js';
import { activeModel, actions, useUi } from '../store/store.js';

const EMPTY: Suggestions = { start: 0, end: 0, items: [] };

/** Free text plus `key:value` terms, with suggestions and the number of matches. */
export const FilterBar = forwardRef<HTMLInputElement>(function FilterBar(_props, ref) {
  const filterText = useUi((s) => s.filterText);
  const errors = useUi((s) => s.filterErrors);
  useUi((s) => s.trafficVersion);
  const model = activeModel();
  const [text, setText] = useState(filterText);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setText(filterText), [filterText]);

  const known: KnownValues = useMemo(
    () => ({
      methods: [...model.known.methods],
      statuses: [...model.known.statuses].sort((a, b) => a - b),
      services: [...model.known.services],
      projects: [...model.known.projects],
      hosts: [...model.known.hosts],
    }),
    // Recomputed when the suggestion list opens or the text changes, not on every batch.
    [model, open, text],
  );
  const suggestions = open ? suggest(text, cursor, known) : EMPTY;

  const commit = (value: string) => {
    setText(value);
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => actions.setFilter(value), model.size > 20_000 ? 200 : 60);
  };

  const choose = (index: number) => {
    const item = suggestions.items[index];
    if (item === undefined) return;
    const next = applySuggestion(text, suggestions, item);
    commit(next.value);
    setCursor(next.cursor);
    setActive(0);
    const input = (ref as React.RefObject<HTMLInputElement | null>).current;
    requestAnimationFrame(() => input?.setSelectionRange(next.cursor, next.cursor));
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const count = suggestions.items.length;
    if (e.key === 'ArrowDown' && count > 0) {
      e.preventDefault();
      setActive((a) => (a + 1) % count);
    } else if (e.key === 'ArrowUp' && count > 0) {
      e.preventDefault();
      setActive((a) => (a - 1 + count) % count);
    } else if ((e.key === 'Tab' || e.key === 'Enter') && count > 0 && open) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape') {
      // A search input clears itself on Escape by default; here Escape only closes the
      // suggestions or leaves the field, and the filter stays.
      e.preventDefault();
      if (open && count > 0) {
        e.stopPropagation();
        setOpen(false);
      } else {
        e.currentTarget.blur();
      }
    }
  };

  const total = model.size;
  const shown = model.viewSize;
  return (
    <div className="filterbar">
      <div className="filter-input-wrap">
        <input
          ref={ref}
          type="search"
          className="filter-input"
          aria-label="Filter traffic"
          role="combobox"
          aria-expanded={suggestions.items.length > 0}
          aria-controls="filter-suggestions"
          aria-autocomplete="list"
          placeholder="Filter: text, method:POST status:5xx service:api path:/users duration>200ms has:error -host:x   ( / )"
          spellCheck={false}
          value={text}
          onChange={(e) => {
            commit(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => setCursor(e.currentTarget.selectionStart ?? 0)}
          onClick={(e) => setCursor(e.currentTarget.selectionStart ?? 0)}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {suggestions.items.length > 0 && (
          <ul id="filter-suggestions" role="listbox" aria-label="Filter suggestions" className="suggestions">
            {suggestions.items.map((item, i) => (
              <li
                key={item.label}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(i);
                }}
              >
                <span className="mono">{item.label}</span>
                {item.hint !== '' && <span className="hint">{item.hint}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
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
