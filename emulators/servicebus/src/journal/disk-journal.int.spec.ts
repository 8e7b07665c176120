import { afterAll, describe, expect, it } from 'vitest';
import rhea from 'rhea';
import { parseMessage } from '../amqp/codec.js';
import { Deadlines } from '../broker/deadlines.js';
import { Namespace } from '../broker/namespace.js';
import type { BrokerContext } from '../broker/context.js';
import { parseBrokerConfig } from '../config/config-file.js';
import { silentLogger } from '../logger.js';
import { configJson, tempDir } from '../testing/harness.js';
import { openJournal, type DiskJournal } from './disk-journal.js';
import { memoryJournal } from './records.js';

const dir = tempDir('sbemu-journal');
afterAll(() => dir.remove());

async function open(): Promise<{ ns: Namespace; journal: DiskJournal; deadlines: Deadlines }> {
  const config = parseBrokerConfig(configJson({ queues: { q: {} } }));
  let journal: DiskJournal | undefined;
  const deadlines = new Deadlines(() => undefined);
  const ctx: BrokerContext = { get journal() { return journal ?? memoryJournal; }, deadlines, locks: new Map(), log: silentLogger() };
  const ns = new Namespace(config, ctx);
  await openJournal(dir.path, ns, silentLogger(), (j) => (journal = j));
  return { ns, journal: journal as DiskJournal, deadlines };
}

const message = (body: string) => parseMessage(rhea.message.encode({ body } as never) as Buffer);

describe('disk journal', () => {
  it('keeps every change across a compaction that runs while records are appended', async () => {
    const first = await open();
    const target = first.ns.target('q');
    if (!target) throw new Error('queue missing');
    first.ns.send(target, [message('a'), message('b')]);
    const synced = first.journal.sync();
    const compacting = first.journal.compact();
    first.ns.send(target, [message('c')]);
    const store = first.ns.store('q', undefined, false);
    store?.remove(store.messages.get(1) as never);
    await Promise.all([synced, compacting, first.journal.sync()]);
    await first.journal.close();
    first.deadlines.close();

    const second = await open();
    const bodies = [...(second.ns.store('q', undefined, false)?.messages.values() ?? [])].map((m) => [m.seq, (rhea.message.decode(m.parsed.raw) as unknown as { body: string }).body]);
    expect(bodies).toEqual([[2, 'b'], [3, 'c']]);
    expect(second.ns.target('q')?.nextSeq).toBe(4);
    await second.journal.close();
    second.deadlines.close();
  });
});
