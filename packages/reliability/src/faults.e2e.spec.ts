import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { eventually } from '@parley/testkit';
import { COMPONENT_NAMES, isScalable, SERVICE_DIALECTS, type Stack } from '@parley/stack';
import { startTestStack, TWO_OF_EACH } from '@parley/stack/e2e';
import { countLosses, type LossCounts } from './loss-ledger.js';
import { isReady } from './readiness.js';
import { reportRow } from './report.js';
import { ResilientClient } from './resilient-client.js';
import { readConversation } from './history.js';

/** How long after its ack a message may take to be shown live: a restarted worker or notifier catching up. */
const LIVE_GRACE_MS = 20_000;
const TRAFFIC_EVERY_MS = 100;
/** Only the sender's own pace is its fault; every other refusal of a valid frame is a loss. */
const SENDER_FAULTS = new Set(['PARLEY_RATE_LIMITED']);

/** A killed copy's sessions wait for their locks to expire before the other copy takes them. */
const OTHER_COPY_SERVES_MS = 120_000;

for (const service of SERVICE_DIALECTS) {
  // Two copies of every service (the gateways behind one round-robin port): a service's kill -9 takes one copy while the other serves.
  describe(`kill -9 of each component under steady chat traffic, two copies of each service (${service})`, () => {
    let stack: Stack;
    let cleanup: () => Promise<void>;
    let logs: string[] = [];
    const room = `faults-${service}-${process.pid}`;
    const members: ResilientClient[] = [];
    const windows: Array<{ name: string; from: number; to: number }> = [];
    const outcome = new Map<string, { survived: boolean; readyAfterMs: number; note?: string }>();
    let traffic: NodeJS.Timeout | undefined;
    let seq = 0;
    const startedAt = Date.now();

    const startTraffic = () => {
      traffic ??= setInterval(() => {
        const sender = members[seq % members.length]!;
        const id = `${sender.user}-${seq++}`;
        sender.send({ type: 'send', id, room, text: `steady ${id}` });
      }, TRAFFIC_EVERY_MS);
    };
    const stopTraffic = () => {
      clearInterval(traffic);
      traffic = undefined;
    };
    const totalAcked = () => members.reduce((sum, client) => sum + client.acked.size, 0);
    const totalDeliveries = () => members.reduce((sum, client) => sum + client.deliveries.length, 0);
    /** Until every frame is acked and no message arrived for a while: the pipeline has drained. */
    async function drained(what: string) {
      await eventually(() => members.every((client) => client.pending.size === 0), `${what}: every frame acked`, 90_000);
      let last = -1;
      await eventually(() => {
        const now = totalDeliveries();
        const quiet = now === last;
        last = now;
        return quiet;
      }, `${what}: deliveries settled`, 60_000, 1_000);
    }

    beforeAll(async () => {
      // The default table store (emulators/tables) is durable before it acks, so a kill -9 of it may lose nothing.
      ({ stack, cleanup, logs } = await startTestStack({ inMemory: false, service, scale: TWO_OF_EACH }));
      for (const name of ['alice', 'bob', 'carol']) {
        const client = new ResilientClient(`fault-${name}-${service}`, () => stack.gatewayUrl);
        await client.connect();
        await client.ask({ type: 'join', id: `join-${client.user}`, room }, (f) => f.type === 'room' && f.room === room && f.user === client.user);
        members.push(client);
      }
      startTraffic();
    });

    afterAll(async () => {
      stopTraffic();
      for (const client of members) client.close();
      await cleanup?.();
      if (stack) reportRow({ kind: 'figure', name: `fault suite (${service})`, value: `${Math.round((Date.now() - startedAt) / 1000)} s including the stack start, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}` });
    });

    for (const component of COMPONENT_NAMES) {
      it(`survives kill -9 of ${component}: ready again, and a message sent after the restart is shown live and stored`, { timeout: 420_000 }, async () => {
        const from = Date.now();
        const previous = windows.at(-1);
        if (previous) previous.to = from;
        windows.push({ name: component, from, to: Number.POSITIVE_INFINITY });
        onTestFailed(() => console.log(logs.filter((line) => line.startsWith(`[${component}]`)).slice(-40).join('\n')));
        startTraffic();
        const before = totalAcked();
        await eventually(() => totalAcked() >= before + 10, 'traffic flowing', 60_000);

        // A service loses one copy; an emulator or store (one process each) goes down whole.
        const killedCopy = isScalable(component) ? 1 : undefined;
        await stack.kill(component, killedCopy);
        const killedAt = Date.now();
        const [sender, ...others] = members;
        let note: string | undefined;
        if (killedCopy !== undefined) {
          // The other copy serves before the killed one is back: a message sent now is shown live to every member.
          const id = `during-${component}`;
          const shown = others.map((member) => member.next((f) => f.type === 'message' && f.clientId === id, OTHER_COPY_SERVES_MS));
          sender!.send({ type: 'send', id, room, text: `while one ${component} copy is down` });
          await Promise.all(shown);
          expect(stack.isRunning(component, killedCopy), `${component} copy ${killedCopy} still down`).toBe(false);
          note = `shown live by the other copy ${Date.now() - killedAt} ms after the kill`;
        }
        // As a restart policy would: a start that did not come up in time is tried again.
        await eventually(() => stack.start(component).then(() => true), `${component} started again`, 180_000, 1_000);
        await eventually(() => isReady(stack, component), `${component} ready again`, 90_000, 100);
        const readyAfterMs = Date.now() - killedAt;

        // The probe is for the restart, not for a member still reconnecting: each member is back
        // (its connect handled, so its room memberships are restored ahead of the probe) first.
        await eventually(() => members.every((member) => member.connectedSince(killedAt)), 'every member connected again', 90_000, 100);
        const id = `probe-${component}`;
        const shown = others.map((member) => member.next((f) => f.type === 'message' && f.clientId === id, 90_000));
        sender!.send({ type: 'send', id, room, text: `after the restart of ${component}` });
        await Promise.all(shown);
        // Newest first: traffic sent meanwhile may push the probe past the first page.
        const stored = await readConversation(sender!, room, 10);
        const survived = stored.has(`${sender!.user}/${id}`);
        outcome.set(component, { survived, readyAfterMs, ...(note ? { note } : {}) });
        expect(survived, `${id} stored`).toBe(true);
      });
    }

    it('lost nothing: every acked message stored once and shown live once to every member connected throughout, no refusal', async () => {
      stopTraffic();
      // Counted and reported even when the pipeline did not drain: the table must show what was lost.
      const drainFailure = await drained('after the last fault').then(() => undefined, (error: unknown) => error);
      const endedAt = Date.now();
      windows.at(-1)!.to = endedAt;
      const stored = await readConversation(members[0]!, room);
      const frames = members.flatMap((client) =>
        [...client.firstSentAt].map(([id, sentAt]) => {
          const ackedAt = client.ackedAt.get(id);
          const refusedWith = client.refused.get(id);
          return { key: `${client.user}/${id}`, sentAt, ...(ackedAt ? { ackedAt } : {}), ...(refusedWith ? { refusedWith } : {}) };
        }),
      // Chat messages only: joins and history requests are acked too, but are neither stored nor shown.
      ).filter((frame) => !frame.key.includes('/join-') && !frame.key.includes('/history-'));
      const rows = countLosses({
        frames,
        live: members.flatMap((client) => client.deliveries.map((d) => ({ member: client.user, ...d }))),
        epochs: members.flatMap((client) => client.epochs.map((e) => ({ member: client.user, ...e }))),
        members: members.map((client) => client.user),
        stored,
        windows,
        liveGraceMs: LIVE_GRACE_MS,
        endedAt,
        senderFaults: SENDER_FAULTS,
      });
      for (const [component, counts] of rows) {
        const result = outcome.get(component) ?? { survived: false, readyAfterMs: -1 };
        reportRow({ kind: 'fault', name: `${component} (${service})`, ...counts, ...result });
      }
      const transient = members.map((m) => `${m.user}: ${[...m.transient].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}`);
      reportRow({ kind: 'figure', name: `transient refusals, resent (${service})`, value: transient.join('; ') });

      if (drainFailure) throw drainFailure;
      const zero = { missingFromHistory: 0, missedLive: 0, duplicates: 0, refusedNotSenderFault: 0 };
      for (const [component, counts] of rows) {
        expect(counts.acked, `${component}: acked messages in its window`).toBeGreaterThan(5);
        expect({ ...zero, ...pick(counts) }, `${component} (${service})`).toEqual(zero);
      }
      expect([...outcome.values()].every((o) => o.survived)).toBe(true);
    });
  });
}

const pick = ({ missingFromHistory, missedLive, duplicates, refusedNotSenderFault }: LossCounts) => ({
  missingFromHistory,
  missedLive,
  duplicates,
  refusedNotSenderFault,
});
