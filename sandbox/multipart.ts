/**
 * `multipart/form-data` (RFC 7578) as the providers' file APIs take it: PayPal's Disputes API
 * (a JSON `input` part and files) and Stripe's File Upload API (`purpose` and one `file`). Parts
 * split on the boundary, each with its headers, a `Content-Disposition: form-data; name="…";
 * filename="…"`, and its bytes. Each provider words its own refusal (`malformed`).
 */

export interface MultipartPart {
  name: string;
  /** Present for a file part. */
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

export function isMultipart(contentType: string): boolean {
  return /^multipart\/form-data\s*;/i.test(contentType);
}

/** `name="input"` → input; quoted values may hold `;` and escaped quotes. */
function dispositionParameter(disposition: string, name: string): string | undefined {
  const found = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, 'i').exec(disposition);
  return found?.[1]?.replace(/\\(.)/g, '$1');
}

function boundaryOf(contentType: string, malformed: (description: string) => Error): string {
  const found = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = found?.[1] ?? found?.[2];
  if (!boundary || boundary.length > 70) throw malformed('The multipart/form-data request has no valid boundary.');
  return boundary;
}

export function parseMultipartParts(bytes: Buffer, contentType: string, malformed: (description: string) => Error): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundaryOf(contentType, malformed)}`);
  const parts: MultipartPart[] = [];
  let position = bytes.indexOf(delimiter);
  if (position < 0) throw malformed('The multipart/form-data body does not contain its boundary.');
  for (;;) {
    position += delimiter.length;
    // `--` after a delimiter closes the body.
    if (bytes.subarray(position, position + 2).toString() === '--') break;
    if (bytes.subarray(position, position + 2).toString() !== '\r\n') throw malformed('A multipart boundary is not followed by a line break.');
    position += 2;
    const headerEnd = bytes.indexOf('\r\n\r\n', position);
    const next = bytes.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), position);
    if (headerEnd < 0 || next < 0 || headerEnd > next) throw malformed('A multipart part is not terminated by the boundary.');
    const headers = new Map<string, string>();
    for (const line of bytes.subarray(position, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParameter(disposition, 'name');
    if (!/^form-data/i.test(disposition) || name === undefined) throw malformed('Every multipart part needs Content-Disposition: form-data with a name.');
    parts.push({
      name,
      filename: dispositionParameter(disposition, 'filename'),
      contentType: headers.get('content-type') ?? 'application/octet-stream',
      content: bytes.subarray(headerEnd + 4, next),
    });
    position = next + 2;
  }
  return parts;
}
