import { useEffect, useRef } from 'react';
import { captureDropNote } from '../format/capture-stats.js';
import { countOf } from '../format/format.js';
import { canReplay } from '../model/replay.js';
import { keyAction, moveSelection } from '../keyboard/keys.js';
import { COLUMN_IDS, COLUMNS } from '../model/columns.js';
import { scrollToReveal } from '../model/window.js';
import { addImportedToLive, clearTraffic, exportHar, importHarFile, resend } from '../store/commands.js';
import { activeModel, actions, useUi } from '../store/store.js';
import { DetailsPane } from './DetailsPane.js';
import { isTextField } from './dom.js';
import { FilterBar } from './FilterBar.js';
import { ROW_HEIGHT, TrafficList } from './TrafficList.js';

export function TrafficView() {
  const filterRef = useRef<HTMLInputElement>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const detailOpen = useUi((s) => s.detailOpen);
  useKeyboard(filterRef, scrollerRef);
  return (
    <div className={`traffic-view${detailOpen ? ' with-details' : ''}`}>
      <div className="traffic-main">
        <ImportedBanner />
        <div className="toolbar">
          <FilterBar ref={filterRef} />
          <TrafficToolbar />
        </div>
        <TrafficList scrollerRef={scrollerRef} />
      </div>
      {detailOpen && <DetailsPane />}
    </div>
  );
}

function ImportedBanner() {
  const imported = useUi((s) => s.imported);
  if (imported === null) return null;
  return (
    <div className="imported-banner" role="status">
      Viewing <strong>{imported.name}</strong> (imported HAR, read-only)
      {imported.errors.length > 0 && (
        <details>
          <summary>{countOf(imported.errors.length, 'entry', 'entries')} had problems</summary>
          <ul>
            {imported.errors.map((e) => (
              <li key={e} className="mono small">
                {e}
              </li>
            ))}
          </ul>
        </details>
      )}
      <button type="button" onClick={() => void addImportedToLive()} title="Adds these exchanges to the engine's traffic, where they can be resent">
        Add to live traffic
      </button>
      <button type="button" onClick={() => actions.backToLive()}>
        Back to live traffic
      </button>
    </div>
  );
}

function TrafficToolbar() {
  const follow = useUi((s) => s.follow);
  const columns = useUi((s) => s.columns);
  const imported = useUi((s) => s.imported !== null);
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <div className="toolbar-actions">
      {!imported && <CaptureDrops />}
      <label className="toggle">
        <input type="checkbox" checked={follow} onChange={(e) => actions.setFollow(e.target.checked)} aria-label="Live tail (follow newest)" />
        Live tail
      </label>
      <details className="columns-menu">
        <summary aria-label="Choose columns">Columns</summary>
        <div className="menu">
          {COLUMN_IDS.map((c) => (
            <label key={c}>
              <input type="checkbox" checked={columns.includes(c)} onChange={() => actions.toggleColumn(c)} aria-label={`Show column ${COLUMNS[c].label}`} /> {COLUMNS[c].label}
            </label>
          ))}
        </div>
      </details>
      {!imported && (
        <button type="button" onClick={() => void exportHar()}>
          Export HAR
        </button>
      )}
      <button type="button" onClick={() => fileRef.current?.click()}>
        Import HAR…
      </button>
      <input
        ref={fileRef}
        type="file"
        accept=".har,application/json"
        hidden
        aria-label="HAR file to import"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file !== undefined) void importHarFile(file);
          e.target.value = '';
        }}
      />
      {!imported && (
        <button type="button" onClick={() => void clearTraffic()}>
          Clear
        </button>
      )}
    </div>
  );
}

/** Shown only once capture has dropped something, so a missing request is never a mystery. */
function CaptureDrops() {
  const stats = useUi((s) => s.captureStats);
  const note = stats === null ? null : captureDropNote(stats);
  if (note === null) return null;
  return (
    <span className="capture-drops small" role="status" aria-label="Capture limits" title={note.title}>
      {note.text}
    </span>
  );
}

function useKeyboard(filterRef: React.RefObject<HTMLInputElement | null>, scrollerRef: React.RefObject<HTMLDivElement | null>) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        shiftKey: event.shiftKey,
        inTextField: isTextField(event.target),
      });
      if (action === null) return;
      const state = useUi.getState();
      const model = activeModel(state);
      const scroller = scrollerRef.current;
      const pageRows = Math.max(1, Math.floor((scroller?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
      switch (action) {
        case 'focusFilter':
          event.preventDefault();
          filterRef.current?.focus();
          filterRef.current?.select();
          return;
        case 'close':
          if (state.editorFor !== null) actions.openEditor(null);
          else if (state.detailOpen) actions.openDetail(false);
          return;
        case 'open':
          if (state.selectedId !== null && !(event.target instanceof HTMLButtonElement)) actions.openDetail(true);
          return;
        case 'resend': {
          const selected = state.selectedId === null ? undefined : model.get(state.selectedId);
          if (state.selectedId !== null && selected !== undefined && canReplay(selected, state.imported !== null)) {
            event.preventDefault();
            void resend(state.selectedId);
          }
          return;
        }
        case 'toggleTail':
          actions.setFollow(!state.follow);
          return;
        default: {
          event.preventDefault();
          const current = state.selectedId === null ? -1 : model.rowOf(state.selectedId);
          const next = moveSelection(current, action, model.viewSize, pageRows);
          const row = model.rowAt(next);
          if (row === undefined) return;
          actions.select(row.id);
          actions.setFollow(false);
          if (scroller !== null) {
            const top = scrollToReveal(next, scroller.scrollTop, scroller.clientHeight, ROW_HEIGHT);
            if (top !== null) scroller.scrollTop = top;
          }
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [filterRef, scrollerRef]);
}
