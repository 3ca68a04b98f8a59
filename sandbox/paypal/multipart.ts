import { PaypalApiError } from './errors';

/**
 * `multipart/form-data` as PayPal's Disputes API takes it (provide-evidence, appeal,
 * accept-claim, send-message): a part named `input` holding the JSON request, and files (PDF,
 * JPG, PNG, GIF) in parts of their own. No multipart library is a dependency of the project,
 * so this reads RFC 7578 directly: parts split on the boundary, each with its headers, a
 * `Content-Disposition: form-data; name="…"; filename="…"`, and its bytes. The sandbox keeps
 * what a file is (name, type, size), not its content.
 */

export interface UploadedFile {
  /** The form field the file came in (`evidence-file`, `accept-claim-document`, …). */
  field: string;
  filename: string;
  contentType: string;
  size: number;
}

export class MultipartBody {
  constructor(
    /** The parsed `input` part (`{}` when there is none). */
    readonly input: unknown,
    readonly files: UploadedFile[],
  ) {}
}

export function isMultipart(contentType: string): boolean {
  return /^multipart\/form-data\s*;/i.test(contentType);
}

function malformed(description: string): PaypalApiError {
  return new PaypalApiError(400, [{ issue: 'INVALID_PARAMETER_SYNTAX', description, location: 'body' }]);
}

/** `name="input"` → input; quoted values may hold `;` and escaped quotes. */
function dispositionParameter(disposition: string, name: string): string | undefined {
  const found = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, 'i').exec(disposition);
  return found?.[1]?.replace(/\\(.)/g, '$1');
}

function boundaryOf(contentType: string): string {
  const found = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = found?.[1] ?? found?.[2];
  if (!boundary || boundary.length > 70) throw malformed('The multipart/form-data request has no valid boundary.');
  return boundary;
}

export function parseMultipart(bytes: Buffer, contentType: string): MultipartBody {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  let input: unknown = {};
  const files: UploadedFile[] = [];
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
    const content = bytes.subarray(headerEnd + 4, next);
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParameter(disposition, 'name');
    if (!/^form-data/i.test(disposition) || name === undefined) throw malformed('Every multipart part needs Content-Disposition: form-data with a name.');
    const filename = dispositionParameter(disposition, 'filename');
    // `input` is the JSON whether it came as a field or, as a FormData Blob sends it, as a file named "blob".
    if (name === 'input') {
      try {
        input = JSON.parse(content.toString('utf8')) as unknown;
      } catch {
        throw new PaypalApiError(400, [{ issue: 'MALFORMED_REQUEST_JSON', description: 'The request JSON is not well formed.', field: 'input', location: 'body' }], 'INVALID_REQUEST');
      }
    } else if (filename !== undefined) {
      files.push({ field: name, filename, contentType: headers.get('content-type') ?? 'application/octet-stream', size: content.length });
    }
    position = next + 2;
  }
  return new MultipartBody(input, files);
}
