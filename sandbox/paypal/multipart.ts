import { parseMultipartParts } from '../multipart';
import { PaypalApiError } from './errors';

export { isMultipart } from '../multipart';

/**
 * `multipart/form-data` as PayPal's Disputes API takes it (provide-evidence, appeal,
 * accept-claim, send-message): a part named `input` holding the JSON request, and files (PDF,
 * JPG, PNG, GIF) in parts of their own, read by the sandbox's one multipart parser
 * (../multipart.ts). The sandbox keeps what a file is (name, type, size), not its content.
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

function malformed(description: string): PaypalApiError {
  return new PaypalApiError(400, [{ issue: 'INVALID_PARAMETER_SYNTAX', description, location: 'body' }]);
}

export function parseMultipart(bytes: Buffer, contentType: string): MultipartBody {
  let input: unknown = {};
  const files: UploadedFile[] = [];
  for (const part of parseMultipartParts(bytes, contentType, malformed)) {
    // `input` is the JSON whether it came as a field or, as a FormData Blob sends it, as a file named "blob".
    if (part.name === 'input') {
      try {
        input = JSON.parse(part.content.toString('utf8')) as unknown;
      } catch {
        throw new PaypalApiError(400, [{ issue: 'MALFORMED_REQUEST_JSON', description: 'The request JSON is not well formed.', field: 'input', location: 'body' }], 'INVALID_REQUEST');
      }
    } else if (part.filename !== undefined) {
      files.push({ field: part.name, filename: part.filename, contentType: part.contentType, size: part.content.length });
    }
  }
  return new MultipartBody(input, files);
}
