import type { AddressInfo, Server } from 'node:net';

/**
 * Listens on host:port (0 picks a free port) and resolves to the port it got. A
 * failure (EADDRINUSE, EACCES) rejects with the server's own error instead of
 * reaching the 'error' event, where nobody listens and it would end the process.
 */
export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
