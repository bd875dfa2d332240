import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ExchangeSummary } from '../../../shared/traffic.js';
import { COLUMNS, fitColumns, gridTemplate, type ColumnId } from '../model/columns.js';
import { rowWindow, scrollToCentre } from '../model/window.js';
import { absoluteUrl, formatBytes, formatClock, formatDuration, protocolLabel, statusText, statusTone } from '../format/format.js';
import { ruleFromExchange } from '../store/rule-commands.js';
import { activeModel, actions, useUi } from '../store/store.js';

export const ROW_HEIGHT = 24;

/** The last revealSelected the list acted on: a list mounted later must not jump again. */
let revealedJump = 0;

/** The virtualized list: only the visible rows (plus overscan) are in the DOM. */
export function TrafficList({ scrollerRef }: { scrollerRef: React.RefObject<HTMLDivElement | null> }) {
  useUi((s) => s.trafficVersion);
  const chosenColumns = useUi((s) => s.columns);
  const sort = useUi((s) => s.sort);
  const selectedId = useUi((s) => s.selectedId);
  const follow = useUi((s) => s.follow);
  const model = activeModel();
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(400);
  const [width, setWidth] = useState(Number.POSITIVE_INFINITY);
  const programmatic = useRef(false);
  const count = model.viewSize;

  useEffect(() => {
    const el = scrollerRef.current;
    if (el === null) return;
    const measure = () => {
      setViewport(el.clientHeight);
      setWidth(el.clientWidth);
    };
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, [scrollerRef]);

  // Live tail: keep the newest row in view (bottom when ascending, top when descending).
  // Uses the tracked viewport and scroll position, so no layout is forced mid-render.
  const followTarget = sort.direction === 'asc' ? Math.max(0, count * ROW_HEIGHT - viewport) : 0;
  useLayoutEffect(() => {
    const el = scrollerRef.current;
    if (!follow || el === null || Math.abs(scrollTop - followTarget) <= 1) return;
    programmatic.current = true;
    el.scrollTop = followTarget;
    setScrollTop(followTarget);
  }, [follow, followTarget, scrollTop, scrollerRef]);

  // A jump from a log line: bring the chosen exchange to the middle of the list, once per jump.
  const revealSelected = useUi((s) => s.revealSelected);
  useLayoutEffect(() => {
    const el = scrollerRef.current;
    if (revealSelected === revealedJump || el === null || selectedId === null) return;
    revealedJump = revealSelected;
    const row = model.rowOf(selectedId);
    if (row === -1) return;
    programmatic.current = true;
    const top = scrollToCentre(row, el.clientHeight, ROW_HEIGHT);
    el.scrollTop = top;
    setScrollTop(top);
  }, [revealSelected, selectedId, model, scrollerRef]);

  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atNewest = sort.direction === 'asc' ? el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT : el.scrollTop <= ROW_HEIGHT;
    if (atNewest !== follow) actions.setFollow(atNewest);
  };

  // While following, render the rows at the target right away instead of one frame late.
  const win = rowWindow(follow ? followTarget : scrollTop, viewport, ROW_HEIGHT, count);
  // With the details pane open the list is narrow: drop the least telling columns, never cut the last ones off.
  const columns = fitColumns(chosenColumns, width);
  const template = gridTemplate(columns);
  const rows: React.ReactNode[] = [];
  for (let row = win.first; row < win.last; row++) {
    const e = model.rowAt(row);
    if (e === undefined) continue;
    rows.push(<Row key={e.id} e={e} row={row} columns={columns} template={template} selected={e.id === selectedId} />);
  }

  return (
    <div className="traffic-list" role="grid" aria-label="Captured traffic" aria-rowcount={count + 1} aria-multiselectable="false">
      <div className="traffic-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }} title={hiddenColumnsHint(chosenColumns, columns)}>
        {columns.map((c) => (
          <div key={c} role="columnheader" aria-sort={sort.column === c ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
            <button type="button" className="col-sort" onClick={() => actions.sortBy(c)} aria-label={`Sort by ${COLUMNS[c].label}`}>
              {COLUMNS[c].label}
              {sort.column === c ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
            </button>
          </div>
        ))}
      </div>
      <div className="traffic-scroller" ref={scrollerRef} onScroll={onScroll} tabIndex={0} aria-label="Traffic rows">
        <div style={{ height: win.height, position: 'relative' }}>
          <div style={{ position: 'absolute', top: win.offset, left: 0, right: 0 }}>{rows}</div>
        </div>
        {count === 0 && <EmptyState />}
      </div>
    </div>
  );
}

function hiddenColumnsHint(chosen: readonly ColumnId[], shown: readonly ColumnId[]): string | undefined {
  const hidden = chosen.filter((c) => !shown.includes(c)).map((c) => COLUMNS[c].label);
  return hidden.length === 0 ? undefined : `Not shown, to fit: ${hidden.join(', ')}. Close the details or widen the window to see them.`;
}

function EmptyState() {
  const total = activeModel().size;
  return (
    <div className="empty">
      {total === 0 ? 'No traffic yet. Requests to your projects appear here as they happen.' : 'No exchange matches the filter.'}
    </div>
  );
}

interface RowProps {
  e: ExchangeSummary;
  row: number;
  columns: ColumnId[];
  template: string;
  selected: boolean;
}

function Row({ e, row, columns, template, selected }: RowProps) {
  const tone = statusTone(e);
  return (
    <div
      role="row"
      aria-rowindex={row + 2}
      aria-selected={selected}
      data-id={e.id}
      className={`traffic-row tone-${tone}${selected ? ' selected' : ''}${e.replayOf !== null ? ' replay' : ''}`}
      style={{ gridTemplateColumns: template, height: ROW_HEIGHT }}
      onClick={() => actions.select(e.id, true)}
      onContextMenu={(event) => {
        // Right-click: make a rule from this exchange (also a button in its details).
        if (e.earlier === true) return;
        event.preventDefault();
        void ruleFromExchange(e.id);
      }}
    >
      {columns.map((c) => (
        <div key={c} role="gridcell" className={`cell cell-${c}`}>
          {cell(c, e)}
        </div>
      ))}
    </div>
  );
}

function cell(column: ColumnId, e: ExchangeSummary): React.ReactNode {
  switch (column) {
    case 'time':
      return formatClock(e.start);
    case 'project':
      return e.project ?? '—';
    case 'service':
      return e.service ?? '—';
    case 'method':
      return e.method;
    case 'host':
      return <span title={absoluteUrl(e)}>{e.host}</span>;
    case 'path':
      return (
        <>
          {e.pinned && <span aria-label="pinned">📌 </span>}
          {e.replayOf !== null && <span className="badge">replay</span>}
          {e.pausedBy !== undefined && (
            <span className="badge paused" title="Held by a breakpoint: see the Paused tab">
              paused
            </span>
          )}
          {e.earlier === true && (
            <span className="badge earlier" title="Captured before locald last started (persisted traffic)">
              earlier
            </span>
          )}
          <span title={e.url}>{e.url}</span>
          {e.error !== null && (
            <span className="row-error" title={e.error.detail}>
              {' '}
              — {e.error.title}
            </span>
          )}
        </>
      );
    case 'status':
      return <span className="status">{statusText(e)}</span>;
    case 'protocol':
      return protocolLabel(e);
    case 'duration':
      return formatDuration(e.duration);
    case 'size':
      return formatBytes(e.responseSize);
  }
}
