import type { ExchangeDetail } from '../../../shared/traffic.js';
import { formatDuration } from '../format/format.js';
import { timingSegments } from '../format/timing.js';

export function TimingBar({ detail }: { detail: ExchangeDetail }) {
  const segments = timingSegments(detail.timings);
  const total = Math.max(detail.duration ?? 0, ...segments.map((s) => s.from + s.ms), 0.001);
  return (
    <section aria-label="Timing">
      <div className="timing-bar" role="img" aria-label={segments.map((s) => `${s.label} ${formatDuration(s.ms)}`).join(', ') || 'no timings'}>
        {segments.map((s) => (
          <span key={s.phase} className={`seg seg-${s.phase}`} style={{ left: `${(s.from / total) * 100}%`, width: `${Math.max(0.5, (s.ms / total) * 100)}%` }} title={`${s.label}: ${formatDuration(s.ms)}`} />
        ))}
      </div>
      <table className="timing-table">
        <tbody>
          {segments.map((s) => (
            <tr key={s.phase}>
              <th scope="row">
                <span className={`swatch seg-${s.phase}`} /> {s.label}
              </th>
              <td>{formatDuration(s.ms)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Total</th>
            <td>{formatDuration(detail.duration)}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted small">
        Client {detail.clientAddress ?? '?'} → service {detail.upstreamAddress ?? '?'} ({detail.clientProtocol} in, {detail.upstreamProtocol ?? '—'} upstream)
      </p>
    </section>
  );
}
