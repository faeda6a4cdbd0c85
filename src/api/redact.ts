/**
 * Secrets out of URLs before they are logged or echoed in a problem's `instance`. API keys are
 * only accepted in headers, but clients still put them in query strings (`?api_key=…`), and a
 * URL is written to the request log and returned in every error.
 */
const SECRET_PARAM = /(key|token|secret|password|passwd|auth)/i;
/** Our own key format, wherever it appears (path, any parameter). */
const API_KEY = /mbk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]+/g;

export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  const masked = url.replace(API_KEY, REDACTED);
  const q = masked.indexOf('?');
  if (q < 0) return masked;
  const params = masked
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAM.test(safeDecode(name)) ? `${name}=${REDACTED}` : pair;
    });
  return `${masked.slice(0, q)}?${params.join('&')}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
