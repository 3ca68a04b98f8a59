import type http from 'node:http';

/** The sandbox's own admin endpoints (`/_sandbox/*`) answer JSON. */
export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * An admin request's JSON body (an empty body is `{}`). A body over `maxBytes` (4 KB unless
 * given) or that is not JSON is refused here, with the answer already sent: the caller then
 * returns.
 */
export async function readJsonBody(request: http.IncomingMessage, response: http.ServerResponse, { maxBytes = 4096 } = {}): Promise<{ ok: true; value: unknown } | { ok: false }> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > maxBytes) {
      sendJson(response, 413, { error: { message: 'Body too large.' } });
      return { ok: false };
    }
  }
  try {
    return { ok: true, value: text ? JSON.parse(text) : {} };
  } catch {
    sendJson(response, 400, { error: { message: 'The body must be JSON.' } });
    return { ok: false };
  }
}
