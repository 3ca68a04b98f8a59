import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export const SMTP_USER = 'billfold-mailer';
export const SMTP_PASSWORD = 'smtp-Pa55word-never-logged';

/** A message as the server received it, with the headers a test asserts on decoded. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  headers: Map<string, string>;
  messageId: string;
  subject: string;
  text: string;
}

export interface TestSmtpServer {
  /** SMTP_URL for this server, with its user and password. */
  url: string;
  received: ReceivedMail[];
  /** How many connections were opened, delivered or not. */
  connections: () => number;
  /** Answer every message with this SMTP error (e.g. `451 4.3.0 …`) until set back to null. */
  rejectWith: (answer: string | null) => void;
  /** Hold each accepted message this long before answering, so a sender keeps its lock meanwhile. */
  delayAcceptance: (ms: number) => void;
  close: () => Promise<void>;
}

function readAll(stream: SMTPServerDataStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

// Enough MIME for the single-part text messages Billfold sends.
function parse(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'quoted-printable') {
    body = decodeURIComponent(
      body
        .replace(/=\r\n/g, '')
        .replace(/%/g, '%25')
        .replace(/=([0-9A-F]{2})/g, '%$1'),
    );
  } else if (encoding === 'base64') {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return { headers, text: body.replace(/\r\n/g, '\n').replace(/\n$/, '') };
}

/** A real SMTP server in the test process, on a free port, requiring SMTP_USER/SMTP_PASSWORD. */
export async function smtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let connections = 0;
  let rejection: string | null = null;
  let delayMs = 0;

  const server = new SMTPServer({
    // Plain text on loopback: TLS is nodemailer's business, not what these tests are about.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      void readAll(stream).then(async (raw) => {
        if (rejection) {
          const [, code = '451', message = 'rejected'] = /^(\d{3}) (.*)$/.exec(rejection) ?? [];
          callback(Object.assign(new Error(message), { responseCode: Number(code) }));
          return;
        }
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const { headers, text } = parse(raw);
        received.push({
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
          headers,
          messageId: headers.get('message-id') ?? '',
          subject: headers.get('subject') ?? '',
          text,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    received,
    connections: () => connections,
    rejectWith: (answer) => {
      rejection = answer;
    },
    delayAcceptance: (ms) => {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
