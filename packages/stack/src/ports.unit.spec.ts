import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort } from '@parley/testkit';
import { PortInUseError, chooseOpsPorts } from './ports.js';

describe('fixed ports', () => {
  it('takes a free port named by its variable, and refuses a busy one with the variable to change', async () => {
    const port = await freePort();
    await expect(chooseOpsPorts(false, { PARLEY_GATEWAY_OPS_PORT: String(port) })).resolves.toEqual({ gateway: port });

    const holder = createServer();
    holder.listen(port, '127.0.0.1');
    await once(holder, 'listening');
    try {
      const refusal = await chooseOpsPorts(false, { PARLEY_GATEWAY_OPS_PORT: String(port) }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(PortInUseError);
      expect(refusal).toMatchObject({ code: 'PARLEY_PORT_IN_USE', component: 'gateway', port });
      expect((refusal as Error).message).toContain(`PARLEY_GATEWAY_OPS_PORT=<port>`);
    } finally {
      holder.close();
      await once(holder, 'close');
    }
  });

  it('rejects a variable that is not a TCP port', async () => {
    await expect(chooseOpsPorts(false, { PARLEY_GATEWAY_OPS_PORT: '70000' })).rejects.toThrow('PARLEY_GATEWAY_OPS_PORT must be a TCP port, got "70000"');
  });
});
