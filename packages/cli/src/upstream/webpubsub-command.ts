import { readJson } from '../commands/upstream.js';
import { CliError, CliErrorCodes, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { webPubSubTarget } from './dialect.js';
import { EventHandlersClient } from './event-handlers-client.js';
import { azHubCommands, azHubShowCommand, buildHandler, parseHubsSettings, prependHandler, type HubsSettings } from './event-handlers.js';

interface Flags {
  readonly hub?: string | undefined;
  readonly event?: string | undefined;
  readonly url?: string | undefined;
  readonly category?: string | undefined;
  readonly signalr?: string | undefined;
  readonly servicebus?: string | undefined;
  readonly tables?: string | undefined;
  readonly 'system-events'?: string | undefined;
}

/** `parley upstream get|set|add` on Web PubSub: the local service's event handlers, or the az command for Azure. */
export async function webPubSubUpstream(action: 'get' | 'set' | 'add', file: string | undefined, values: Flags, io: CliIo): Promise<void> {
  if (values.category !== undefined) throw usageError('upstream add: --category is a seed-dialect template field; Web PubSub handlers have --event and --system-events');
  // Check all input before the first request.
  let input: HubsSettings | undefined;
  if (action === 'set') {
    const parsed = parseHubsSettings(await readJson(file!, io), file === '-' ? 'stdin' : file!);
    if (!parsed.ok) throw new CliError(CliErrorCodes.inputInvalid, parsed.reason);
    input = parsed.settings;
  }
  let added: { hub: string; handler: ReturnType<typeof buildHandler> } | undefined;
  if (action === 'add') {
    const missing = (['hub', 'url'] as const).filter((flag) => values[flag] === undefined);
    if (missing.length > 0) throw usageError(`upstream add: ${missing.map((flag) => `--${flag}`).join(', ')} required`);
    added = { hub: values.hub!, handler: buildHandler({ url: values.url!, event: values.event, systemEvents: values['system-events'] }) };
    if (!added.handler.ok) throw usageError(`upstream add: ${added.handler.reason}`);
  }

  const { loadSettings } = await import('../config.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const target = webPubSubTarget(io.env, () => settings.signalr());

  if (target.kind === 'azure') {
    // Azure's event handlers are ARM settings of the hub: this CLI does not pretend to change them.
    const hub = values.hub ?? settings.hub;
    const next = input ?? (added?.handler.ok ? { Hubs: { [added.hub]: { EventHandlers: [added.handler.handler] } } } : undefined);
    const lines = next ? azHubCommands(next, target.resource) : [azHubShowCommand(target.resource, hub)];
    io.stderr.write(
      `${target.endpoint} is Azure Web PubSub: this CLI changes nothing there. Run${next ? ' (it replaces the hub\'s event handlers; list the ones to keep as well)' : ''}:\n`,
    );
    io.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  const client = new EventHandlersClient(target.connection);
  switch (action) {
    case 'get':
      io.stdout.write(`${JSON.stringify(await client.getHandlers(), null, 2)}\n`);
      return;
    case 'set': {
      const applied = await client.setHandlers(input!);
      io.stderr.write(`event handlers replaced: ${Object.keys(applied.Hubs).length} hub(s) at ${client.url}\n`);
      return;
    }
    case 'add': {
      if (!added?.handler.ok) return;
      // Not atomic with a concurrent writer: the manage API has no etag; last write wins.
      const next = prependHandler(await client.getHandlers(), added.hub, added.handler.handler);
      const applied = await client.setHandlers(next);
      io.stdout.write(`${JSON.stringify(applied, null, 2)}\n`);
      io.stderr.write(`event handler added in front for hub ${added.hub} at ${client.url}\n`);
      return;
    }
  }
}
