import net from 'node:net';

/** An error whose message is the one line a person needs; printed without a stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.once('listening', () => server.close(() => resolve(true)));
    server.listen(port, '127.0.0.1');
  });
  if (!free) {
    throw new StartupError(`Port ${port} is already in use, so ${what} cannot start: stop whatever uses it, or set ${variable} to another port.`);
  }
}
