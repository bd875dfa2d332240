import type { ExchangeDetail, GrpcFrame, WebSocketMessage } from '../../../shared/traffic.js';
import { base64ToBytes, hexDump } from '../body/bytes.js';
import { formatBytes, formatClock } from '../format/format.js';
import { messagePreview } from '../format/websocket.js';
import { HeadersTable } from './HeadersTable.js';

const OPCODES: Record<number, string> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

export function MessagesView({ detail }: { detail: ExchangeDetail }) {
  return (
    <div className="messages">
      {(detail.kind === 'websocket' || detail.websocketMessages.length > 0) && <WebSocketTable messages={detail.websocketMessages} />}
      {(detail.kind === 'sse' || detail.sseEvents.length > 0) && (
        <section aria-label="Server-sent events">
          <h4>Server-sent events ({detail.sseEvents.length})</h4>
          <table className="msg-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>id</th>
                <th>event</th>
                <th>data</th>
              </tr>
            </thead>
            <tbody>
              {detail.sseEvents.map((e, i) => (
                <tr key={i}>
                  <td>{formatClock(e.time)}</td>
                  <td className="mono">{e.id ?? ''}</td>
                  <td className="mono">{e.event ?? 'message'}</td>
                  <td className="mono pre">{e.data}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {(detail.kind === 'grpc' || detail.kind === 'grpc-web' || detail.grpcFrames.length > 0) && (
        <>
          <GrpcTable frames={detail.grpcFrames} />
          <HeadersTable title="Response trailers" headers={detail.responseTrailers} />
          {detail.requestTrailers.length > 0 && <HeadersTable title="Request trailers" headers={detail.requestTrailers} />}
        </>
      )}
    </div>
  );
}

function WebSocketTable({ messages }: { messages: WebSocketMessage[] }) {
  return (
    <section aria-label="WebSocket messages">
      <h4>WebSocket messages ({messages.length})</h4>
      <table className="msg-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Dir</th>
            <th>Type</th>
            <th>Size</th>
            <th>Payload</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m, i) => (
            <tr key={i} className={`dir-${m.direction}`}>
              <td>{formatClock(m.time)}</td>
              <td aria-label={m.direction === 'client' ? 'sent by client' : 'sent by server'}>{m.direction === 'client' ? '↑' : '↓'}</td>
              <td>{OPCODES[m.opcode] ?? `op ${m.opcode}`}</td>
              <td>{formatBytes(m.size)}</td>
              <td className="mono pre">
                {messagePreview(m.opcode, m.payload)}
                {m.truncated && ' …(truncated)'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function GrpcTable({ frames }: { frames: GrpcFrame[] }) {
  return (
    <section aria-label="gRPC frames">
      <h4>gRPC messages ({frames.length})</h4>
      <table className="msg-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Dir</th>
            <th>Size</th>
            <th>Payload (protobuf bytes)</th>
          </tr>
        </thead>
        <tbody>
          {frames.map((f, i) => (
            <tr key={i}>
              <td>{formatClock(f.time)}</td>
              <td aria-label={f.direction === 'client' ? 'sent by client' : 'sent by server'}>{f.direction === 'client' ? '↑' : '↓'}</td>
              <td>
                {formatBytes(f.size)}
                {f.compressed ? ' (compressed)' : ''}
              </td>
              <td className="mono pre">{hexDump(base64ToBytes(f.payload).subarray(0, 64), 4).join('\n')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
