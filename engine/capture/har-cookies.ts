// Cookie lists for HAR entries, read from Cookie and Set-Cookie headers.
import type { HarCookie } from '../../shared/har.js';
import type { HeaderList } from '../../shared/traffic.js';
import { headerValues } from './headers.js';

/** `Cookie: a=1; b=2` → [{a,1},{b,2}] across every Cookie header. */
export function requestCookies(headers: HeaderList): HarCookie[] {
  const out: HarCookie[] = [];
  for (const value of headerValues(headers, 'cookie')) {
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (name === '') continue;
      out.push({ name, value: part.slice(eq + 1).trim() });
    }
  }
  return out;
}

/** One cookie per Set-Cookie header, with its attributes. */
export function responseCookies(headers: HeaderList): HarCookie[] {
  const out: HarCookie[] = [];
  for (const value of headerValues(headers, 'set-cookie')) {
    const [pair = '', ...attributes] = value.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const cookie: HarCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
    for (const attribute of attributes) {
      const aeq = attribute.indexOf('=');
      const key = (aeq === -1 ? attribute : attribute.slice(0, aeq)).trim().toLowerCase();
      const val = aeq === -1 ? '' : attribute.slice(aeq + 1).trim();
      if (key === 'path') cookie.path = val;
      else if (key === 'domain') cookie.domain = val;
      else if (key === 'expires') {
        const time = Date.parse(val);
        if (!Number.isNaN(time)) cookie.expires = new Date(time).toISOString();
      } else if (key === 'httponly') cookie.httpOnly = true;
      else if (key === 'secure') cookie.secure = true;
      else if (key === 'samesite') cookie.sameSite = val;
    }
    out.push(cookie);
  }
  return out;
}
