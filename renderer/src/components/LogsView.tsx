import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LogLine, LogStream } from '../../../shared/state.js';
import { countOf, formatClock } from '../format/format.js';
import { filterLogs, LOG_STREAMS, mergeByTime, nearestLineIndex, parseLogQuery, serviceColours, serviceKey } from '../model/log-view.js';
import { rowWindow, scrollToCentre } from '../model/window.js';
import { actions, useUi } from '../store/store.js';
import { isAtBottom, useStickToBottom } from './stick-to-bottom.js';

/** Lines do not wrap (they scroll sideways), so only the visible ones need to be in the DOM. */
const LINE_HEIGHT = 18;

const STREAM_LABELS: Record<LogStream, string> = { stdout: 'stdout', stderr: 'stderr', system: 'locald' };

/** Every project's service logs in one list, by time: search, filters, follow, and a jump to the traffic of a moment. */
export function LogsView() {
  const projects = useUi((s) => s.projects);
  const logs = useUi((s) => s.logs);
  const version = useUi((s) => s.logsVersion);
  const view = useUi((s) => s.logView);

  // Lines of a removed project stay in the buffer but not in the view.
  const merged = useMemo(() => mergeByTime(projects.map((p) => logs.lines(p.name))), [logs, version, projects]);
  const query = useMemo(() => parseLogQuery(view.query), [view.query]);
  const shown = useMemo(
    () => filterLogs(merged, { project: view.project, hiddenServices: new Set(view.hiddenServices), hiddenStreams: new Set(view.hiddenStreams), query }),
    [merged, view.project, view.hiddenServices, view.hiddenStreams, query],
  );
  const serviceKeys = useMemo(() => projects.flatMap((p) => p.services.map((s) => serviceKey({ project: p.name, service: s.name }))), [projects]);
  const colours = useMemo(() => serviceColours(serviceKeys), [serviceKeys]);
  const inView = view.project === null ? projects.map((p) => p.name) : [view.project];
  const dropped = inView.reduce((sum, p) => sum + logs.dropped(p), 0);

  return (
    <section className="logs-view" aria-label="Logs">
      <div className="logs-toolbar">
        <select value={view.project ?? ''} onChange={(e) => actions.setLogView({ project: e.target.value === '' ? null : e.target.value })} aria-label="Project">
          <option value="">all projects</option>
          {projects.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <SearchBox text={view.query} error={query.kind === 'invalid' ? query.message : null} />
        <StreamToggles hidden={view.hiddenStreams} />
        <span className="spacer" />
        {dropped > 0 && (
          <span className="capture-drops small" role="status" aria-label="Log limits" title={`The inspector keeps the newest ${logs.capacity.toLocaleString('en')} lines of each project.`}>
            {countOf(dropped, 'older line')} dropped
          </span>
        )}
        <span className="muted small" aria-label="Matching lines">
          {shown.length === merged.length ? countOf(shown.length, 'line') : `${shown.length.toLocaleString('en')} of ${countOf(merged.length, 'line')}`}
        </span>
      </div>
      <ServiceChips keys={serviceKeys.filter((k) => view.project === null || k.startsWith(`${view.project}/`))} colours={colours} hidden={view.hiddenServices} withProject={view.project === null} />
      <LogLines lines={shown} colours={colours} withProject={view.project === null && projects.length > 1} focusTime={view.focusTime} />
    </section>
  );
}

function SearchBox({ text, error }: { text: string; error: string | null }) {
  return (
    <span className="logs-search">
      <input
        type="search"
        value={text}
        onChange={(e) => actions.setLogView({ query: e.target.value })}
        placeholder="Search, or /regex/"
        aria-label="Search logs"
        aria-invalid={error !== null}
        aria-describedby={error !== null ? 'logs-search-error' : undefined}
        spellCheck={false}
      />
      {error !== null && (
        <span id="logs-search-error" className="error-text small" role="alert">
          Invalid regex: {error}
        </span>
      )}
    </span>
  );
}

function StreamToggles({ hidden }: { hidden: readonly LogStream[] }) {
  const toggle = (stream: LogStream) => actions.setLogView({ hiddenStreams: hidden.includes(stream) ? hidden.filter((s) => s !== stream) : [...hidden, stream] });
  return (
    <span className="stream-toggles" role="group" aria-label="Streams">
      {LOG_STREAMS.map((stream) => (
        <label key={stream} className="toggle" title={stream === 'system' ? "locald's own lines: starts, stops, readiness" : undefined}>
          <input type="checkbox" checked={!hidden.includes(stream)} onChange={() => toggle(stream)} aria-label={`Show ${STREAM_LABELS[stream]} lines`} />
          {STREAM_LABELS[stream]}
        </label>
      ))}
    </span>
  );
}

function ServiceChips({ keys, colours, hidden, withProject }: { keys: string[]; colours: Map<string, number>; hidden: readonly string[]; withProject: boolean }) {
  if (keys.length === 0) return null;
  const toggle = (key: string) => actions.setLogView({ hiddenServices: hidden.includes(key) ? hidden.filter((k) => k !== key) : [...hidden, key] });
  const only = (key: string) => actions.setLogView({ hiddenServices: keys.filter((k) => k !== key) });
  return (
    <div className="service-chips" role="group" aria-label="Services">
      {keys.map((key) => {
        const name = withProject ? key : key.slice(key.indexOf('/') + 1);
        return (
          <label key={key} className={`svc-chip${hidden.includes(key) ? ' off' : ''}`} title="Double-click to show only this service" onDoubleClick={() => only(key)}>
            <input type="checkbox" checked={!hidden.includes(key)} onChange={() => toggle(key)} aria-label={`Show service ${key}`} />
            <span className={`svc-dot svc-c${colours.get(key) ?? 0}`} aria-hidden="true" />
            {name}
          </label>
        );
      })}
      {hidden.length > 0 && (
        <button type="button" className="link small" onClick={() => actions.setLogView({ hiddenServices: [] })}>
          show all
        </button>
      )}
    </div>
  );
}

function LogLines({ lines, colours, withProject, focusTime }: { lines: LogLine[]; colours: Map<string, number>; withProject: boolean; focusTime: number | null }) {
  const ref = useRef<HTMLDivElement>(null);
  const following = useStickToBottom(ref, lines);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(400);
  const [followingShown, setFollowingShown] = useState(true);
  const [focusedSeq, setFocusedSeq] = useState<number | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    setViewport(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // A jump from an exchange: the line nearest that moment, in the middle, marked; following stops.
  useLayoutEffect(() => {
    const el = ref.current;
    if (focusTime === null || el === null) return;
    const at = nearestLineIndex(lines, focusTime);
    actions.setLogView({ focusTime: null });
    if (at === -1) return;
    setFocusedSeq(lines[at]?.seq ?? null);
    following.current = false;
    setFollowingShown(false);
    const top = scrollToCentre(at, el.clientHeight, LINE_HEIGHT);
    el.scrollTop = top;
    setScrollTop(top);
  }, [focusTime, lines, following]);

  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    setFollowingShown(isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight));
  };
  const followNewest = () => {
    const el = ref.current;
    if (el === null) return;
    following.current = true;
    el.scrollTop = el.scrollHeight;
  };

  // While following, render the last rows right away rather than one scroll event late.
  const win = rowWindow(following.current ? Number.MAX_SAFE_INTEGER : scrollTop, viewport, LINE_HEIGHT, lines.length);
  const rows: React.ReactNode[] = [];
  for (let i = win.first; i < win.last; i++) {
    const line = lines[i];
    if (line !== undefined) rows.push(<Line key={line.seq} line={line} colour={colours.get(serviceKey(line)) ?? 0} withProject={withProject} focused={line.seq === focusedSeq} />);
  }
  return (
    <div className="log-pane">
      <div ref={ref} className="log-scroller mono" role="log" aria-label="Log lines" aria-rowcount={lines.length} tabIndex={0} onScroll={onScroll}>
        <div style={{ height: win.height, position: 'relative' }}>
          <div style={{ position: 'absolute', top: win.offset, left: 0, minWidth: '100%' }}>{rows}</div>
        </div>
        {lines.length === 0 && <div className="empty">No log lines match.</div>}
      </div>
      {!followingShown && (
        <button type="button" className="follow-newest" onClick={followNewest}>
          ↓ Follow newest
        </button>
      )}
    </div>
  );
}

function Line({ line, colour, withProject, focused }: { line: LogLine; colour: number; withProject: boolean; focused: boolean }) {
  const clock = formatClock(line.time);
  return (
    <div className={`log-line log-${line.stream}${focused ? ' focused' : ''}`} style={{ height: LINE_HEIGHT }} aria-current={focused ? 'true' : undefined} data-seq={line.seq}>
      <button type="button" className="log-jump" onClick={() => actions.showTrafficNear(line)} aria-label={`Show traffic around ${clock}`} title="Show the traffic around this moment">
        ⇄
      </button>
      <span className="muted">{clock}</span> <span className={`log-svc svc-c${colour}`}>{withProject ? serviceKey(line) : line.service}</span> <span className="log-text">{line.text}</span>
    </div>
  );
}
