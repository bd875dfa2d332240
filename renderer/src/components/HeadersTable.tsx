import type { HeaderList } from '../../../shared/traffic.js';

/** Headers exactly as on the wire: raw order, names as sent, repeats kept. */
export function HeadersTable({ title, headers }: { title: string; headers: HeaderList }) {
  return (
    <section className="headers" aria-label={title}>
      <h4>
        {title} <span className="muted">({headers.length})</span>
      </h4>
      {headers.length === 0 ? (
        <p className="muted small">none</p>
      ) : (
        <table className="header-table mono">
          <tbody>
            {headers.map(([name, value], i) => (
              <tr key={i}>
                <th scope="row">{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
