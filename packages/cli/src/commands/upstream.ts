import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CONNECTION_OPTIONS, parseFlags } from '../args.js';
import { CliError, CliErrorCodes, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { UpstreamClient } from '../upstream/manage-client.js';
import { buildTemplate, parseSettings, prependTemplate } from '../upstream/templates.js';
import { resolveDialect } from '../upstream/dialect.js';
import { webPubSubUpstream } from '../upstream/webpubsub-command.js';

export const UPSTREAM_HELP = `Usage: parley upstream get
       parley upstream set FILE        (FILE - reads stdin)
       parley upstream add --hub HUB --event EVENT --url URL [--category CATEGORY]
       parley upstream ... --service webpubsub [--system-events connect,connected,disconnected]

Seed dialect (default): reads or replaces the upstream templates of the local
service at run time through {endpoint}/manage/v1/ws/upstream (SIGNALR_CONNECTION_STRING
or --signalr). Settings are {"templates":[{"hubPattern","categoryPattern","eventPattern","urlTemplate"}]};
the first matching template wins, so add puts the new one in front.
Patterns: * (any), a comma list, or one name. URL placeholders: {hub} {category} {event}.

Web PubSub (--service webpubsub, WEBSOCKET_SERVICE=webpubsub, or a stack started
with --service webpubsub): the hubs' event handlers, {"Hubs":{"<hub>":{"EventHandlers":
[{"UrlTemplate","SystemEvents","EventPattern"}]}}} as in an appsettings.json. On the local
service they are read and changed through {endpoint}/manage/v1/webpubsub/event-handlers;
add puts a handler in front of the hub's others (--event is its user event pattern).
On Azure (an endpoint https://<name>.webpubsub.azure.com) nothing is changed: the
az webpubsub hub show/update command to run is printed instead.`;

export async function upstreamCommand(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(
    'upstream',
    args,
    {
      ...CONNECTION_OPTIONS,
      hub: { type: 'string' },
      event: { type: 'string' },
      category: { type: 'string' },
      url: { type: 'string' },
      service: { type: 'string' },
      'system-events': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(`${UPSTREAM_HELP}\n`);
    return;
  }
  const [action, ...rest] = positionals;
  const expected = action === 'set' ? 1 : 0;
  if (action !== 'get' && action !== 'set' && action !== 'add') {
    throw usageError(action ? `upstream: unknown action "${action}"; one of get, set, add` : 'upstream: an action is required: get, set FILE, add');
  }
  if (rest.length !== expected) throw usageError(action === 'set' ? 'upstream set: exactly one FILE is required (- for stdin)' : `upstream ${action}: unexpected argument "${rest[0]}"`);
  const templateFlags = (['hub', 'event', 'url', 'category', 'system-events'] as const).filter((flag) => values[flag] !== undefined);
  if (action !== 'add' && templateFlags.length > 0) throw usageError(`upstream ${action}: --${templateFlags[0]} belongs to upstream add`);
  if ((await resolveDialect(values.service, io.env, io.cwd)) === 'webpubsub') {
    await webPubSubUpstream(action, rest[0], values, io);
    return;
  }
  if (values['system-events'] !== undefined) throw usageError('upstream add: --system-events is for --service webpubsub');

  // Check all input before the first request.
  let input: ReturnType<typeof parseSettings> | undefined;
  if (action === 'set') input = parseSettings(await readJson(rest[0]!, io), rest[0] === '-' ? 'stdin' : rest[0]!);
  if (input && !input.ok) throw new CliError(CliErrorCodes.inputInvalid, input.reason);
  let template: ReturnType<typeof buildTemplate> | undefined;
  if (action === 'add') {
    const missing = (['hub', 'event', 'url'] as const).filter((flag) => values[flag] === undefined);
    if (missing.length > 0) throw usageError(`upstream add: ${missing.map((flag) => `--${flag}`).join(', ')} required`);
    template = buildTemplate({ hub: values.hub!, event: values.event!, url: values.url!, category: values.category });
    if (!template.ok) throw usageError(`upstream add: ${template.reason}`);
  }

  const { loadSettings } = await import('../config.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const client = new UpstreamClient(settings.signalr());
  switch (action) {
    case 'get':
      io.stdout.write(`${JSON.stringify(await client.get(), null, 2)}\n`);
      return;
    case 'set':
      if (input?.ok) {
        await client.set(input.settings);
        io.stderr.write(`upstream settings replaced: ${input.settings.templates.length} template(s) at ${client.url}\n`);
      }
      return;
    case 'add':
      if (template?.ok) {
        // Not atomic with a concurrent writer: the manage API has no etag; last write wins.
        const next = prependTemplate(await client.get(), template.template);
        await client.set(next);
        io.stdout.write(`${JSON.stringify(next, null, 2)}\n`);
        io.stderr.write(`upstream template added in front: ${next.templates.length} template(s) at ${client.url}\n`);
      }
      return;
  }
}

export async function readJson(file: string, io: CliIo): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new CliError(CliErrorCodes.inputInvalid, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(CliErrorCodes.inputInvalid, `${file === '-' ? 'stdin' : file} is not JSON: ${(error as Error).message}`);
  }
}
