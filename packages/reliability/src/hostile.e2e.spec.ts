import { afterAll, beforeAll, describe } from 'vitest';
import { ChatClient, SERVICE_DIALECTS } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { edgeCases } from './hostile/edge.js';
import { frameCases } from './hostile/frames.js';
import { liveCases } from './hostile/live.js';
import { handshakeCases } from './hostile/handshakes.js';
import { propertyCases } from './hostile/properties.js';
import { raceCases } from './hostile/race.js';
import type { HostileContext } from './hostile/harness.js';
import { restCases } from './hostile/rest.js';
import { floodCase, ruleCases } from './hostile/rules.js';

const TOKEN_KEY = 'hostile-suite-token-signing-key-0123456789';

/**
 * Hostile input against the real stack, in each WebSocket service dialect.
 * The themes live in ./hostile/ and share one stack per dialect (a stack start
 * costs more than most cases). Every case asserts its exact refusal and, by a
 * positive marker on the same path, that nothing was stored or delivered.
 */
for (const service of SERVICE_DIALECTS) {
  describe(`hostile input against the real stack (${service})`, () => {
    // stack, alice and watcher are set by beforeAll, before any case runs.
    const ctx: HostileContext = { service, tokenKey: TOKEN_KEY, gatewayEnv: { TOKEN_SIGNING_KEY: TOKEN_KEY }, stack: undefined!, alice: undefined!, watcher: undefined! };
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const started = await startTestStack({ inMemory: true, service, env: { gateway: ctx.gatewayEnv } });
      ctx.stack = started.stack;
      cleanup = started.cleanup;
      ctx.alice = await ChatClient.connect(ctx.stack.gatewayUrl, `hostile-alice-${service}`);
      ctx.watcher = await ChatClient.connect(ctx.stack.gatewayUrl, `hostile-watcher-${service}`);
      await Promise.all([ctx.alice, ctx.watcher].map((client) => client.waitFor((f) => f.type === 'state')));
    });
    afterAll(async () => {
      await ctx.alice?.close();
      await ctx.watcher?.close();
      await cleanup?.();
    });

    frameCases(ctx);
    ruleCases(ctx);
    liveCases(ctx);
    handshakeCases(ctx);
    edgeCases(ctx);
    restCases(ctx);
    // Not hostile cases (no refusal to assert), but they need the same stack: kept out of the table.
    raceCases(ctx);
    propertyCases(ctx);
    floodCase(ctx);
  });
}
