import { forwardRef, useState } from 'react';
import { applySuggestion, suggest, type KnownValues, type Suggestions } from '../filter/suggest.js';

const EMPTY: Suggestions = { start: 0, end: 0, items: [] };

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Values seen in traffic, for the suggestions; a function so they are gathered only when the list opens. */
  known: () => KnownValues;
  label: string;
  placeholder?: string;
  /** Unique per page: the id of the suggestion list. */
  listId: string;
  type?: 'search' | 'text';
}

/** An input in the filter language with `key:value` suggestions (the traffic filter and the rule matcher). */
export const SuggestInput = forwardRef<HTMLInputElement, Props>(function SuggestInput({ value, onChange, known, label, placeholder, listId, type = 'search' }, ref) {
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const suggestions = open ? suggest(value, cursor, known()) : EMPTY;

  const choose = (index: number, input: HTMLInputElement) => {
    const item = suggestions.items[index];
    if (item === undefined) return;
    const next = applySuggestion(value, suggestions, item);
    onChange(next.value);
    setCursor(next.cursor);
    setActive(0);
    requestAnimationFrame(() => input.setSelectionRange(next.cursor, next.cursor));
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
      choose(active, e.currentTarget);
    } else if (e.key === 'Escape') {
      // A search input clears itself on Escape by default; here Escape only closes the
      // suggestions or leaves the field, and the text stays.
      e.preventDefault();
      if (open && count > 0) {
        e.stopPropagation();
        setOpen(false);
      } else {
        e.currentTarget.blur();
      }
    }
  };

  return (
    <div className="filter-input-wrap">
      <input
        ref={ref}
        type={type}
        className="filter-input"
        aria-label={label}
        role="combobox"
        aria-expanded={suggestions.items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        placeholder={placeholder}
        spellCheck={false}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
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
        <ul id={listId} role="listbox" aria-label={`${label} suggestions`} className="suggestions">
          {suggestions.items.map((item, i) => (
            <li
              key={item.label}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                const input = e.currentTarget.closest('.filter-input-wrap')?.querySelector('input');
                if (input) choose(i, input);
              }}
            >
              <span className="mono">{item.label}</span>
              {item.hint !== '' && <span className="hint">{item.hint}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
