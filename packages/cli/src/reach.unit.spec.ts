import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { CliErrorCodes } from './errors.js';
import { busTarget, networkCode, probe, serviceError, urlTarget } from './reach.js';

describe('targets', () => {
  it('finds the broker port: the emulator default 5672, AMQPS 5671, or the one given', () => {
    expect(busTarget({ kind: 'connectionString', connectionString: 'Endpoint=sb://127.0.0.1;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=true;' })).toMatchObject({ host: '127.0.0.1', port: 5672 });
    expect(busTarget({ kind: 'connectionString', connectionString: 'Endpoint=sb://localhost:5673;UseDevelopmentEmulator=true' })).toMatchObject({ host: 'localhost', port: 5673 });
    expect(busTarget({ kind: 'connectionString', connectionString: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b' })).toMatchObject({ port: 5671 });
    expect(busTarget({ kind: 'namespace', namespace: 'ns.servicebus.windows.net' })).toMatchObject({ host: 'ns.servicebus.windows.net', port: 5671 });
    expect(urlTarget('Table Storage', 'https://acct.table.core.windows.net')).toMatchObject({ port: 443, display: 'https://acct.table.core.windows.net' });
  });
});

describe('probe', () => {
  it('passes when something listens and names service and place when nothing does', async () => {
    const server = createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    await probe({ service: 'X', host: '127.0.0.1', port, display: `x://127.0.0.1:${port}` });
    server.close();
    await once(server, 'close');
    await expect(probe({ service: 'Service Bus', host: '127.0.0.1', port, display: `sb://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: CliErrorCodes.serviceUnreachable,
      exitCode: 2,
      message: `Service Bus unreachable at sb://127.0.0.1:${port} (connection refused)`,
    });
  });
});

describe('serviceError', () => {
  const target = urlTarget('SignalR service', 'http://127.0.0.1:9');
  it('sees network codes in causes (fetch wraps them)', () => {
    const error = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(networkCode(error)).toBe('ECONNREFUSED');
    expect(serviceError(target, 'read', error)).toMatchObject({ code: CliErrorCodes.serviceUnreachable, exitCode: 2 });
  });
  it('turns anything else into a service failure', () => {
    expect(serviceError(target, 'read', new Error('boom'))).toMatchObject({ code: CliErrorCodes.serviceFailed, message: expect.stringContaining('boom') });
  });
});
