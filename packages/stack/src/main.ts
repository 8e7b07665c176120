import { parseArgs } from 'node:util';
import { formatLine } from './log-format.js';
import { PortInUseError } from './ports.js';
import { Stack } from './stack.js';
import { isServiceDialect } from './dialect.js';
import { Supervisor } from './supervisor.js';
import { isStackAuth } from './oidc.js';
import { isTablesBackend } from './components.js';
import { DEFAULT_SCALE, parseScale, ScaleError, SCALABLE_COMPONENTS, type Scale } from './scale.js';

const usage = `Usage: npm start [-- --in-memory] [-- --data-dir DIR] [-- --quiet] [-- --service signalr|webpubsub] [-- --traces] [-- --tables emulator|azurite] [-- --scale gateway=3,chat-worker=3,notifier=2]
  --service     the WebSocket service dialect: signalr (the seed X-ASRS-* API, default) or webpubsub (Azure Web PubSub)
  --in-memory   keep the tables and the Service Bus broker in memory (nothing survives a stop)
  --tables      what serves the Table API: emulator (emulators/tables on SQLite, default) or azurite
  --data-dir    where data and stack.json live (default ./.parley)
  --quiet       show warnings and errors only
  --traces      keep the services' traces (last 500, in memory); show one with: npx parley trace <eventId|traceId>
  --auth        development (type any name, default) or oidc (sign in at the local OpenID provider, PARLEY_OIDC_PORT 7079)
  --scale       copies of each service (default 1 of each; at most 16): several gateways share the gateway port
                through a round-robin proxy, as a Kubernetes Service spreads calls; every copy is listed in stack.json
Ports: PARLEY_GATEWAY_PORT (7071), PARLEY_SIGNALR_PORT (8888), PARLEY_SERVICEBUS_PORT (5672),
       PARLEY_TABLES_PORT (10002; PARLEY_AZURITE_PORT also read), PARLEY_WORKER_PORT (7072), PARLEY_NOTIFIER_PORT (7073)`;

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    traces: { type: 'boolean', default: false },
    service: { type: 'string', default: 'signalr' },
    auth: { type: 'string', default: 'development' },
    tables: { type: 'string', default: 'emulator' },
    scale: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const service = values.service;
if (!isServiceDialect(service)) {
  console.error(`--service must be signalr or webpubsub, got "${service}"\n${usage}`);
  process.exit(2);
}

const auth = values.auth;
if (!isStackAuth(auth)) {
  console.error(`--auth must be development or oidc, got "${auth}"\n${usage}`);
  process.exit(2);
}

const tables = values.tables;
if (!isTablesBackend(tables)) {
  console.error(`--tables must be emulator or azurite, got "${tables}"\n${usage}`);
  process.exit(2);
}

let scale: Scale = DEFAULT_SCALE;
try {
  if (values.scale !== undefined) scale = parseScale(values.scale);
} catch (error) {
  if (!(error instanceof ScaleError)) throw error;
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}

const quietLevels = /"level":(40|50|60)/;
const onLine = (component: Parameters<typeof formatLine>[0], line: string, copy?: string) => {
  if (values.quiet && line.startsWith('{') && !quietLevels.test(line)) return;
  process.stdout.write(`${formatLine(copy ?? component, line)}\n`);
};

let stack: Stack | undefined;
let supervisor: Supervisor | undefined;
let stopping = false;
/** Ctrl-C / SIGTERM (exit 0), or a component in a crash loop (exit 1, with the supervisor's message). */
async function shutdown(reason: string, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  if (exitCode === 0) console.log(`\n${reason}: stopping Parley in order…`);
  else console.error(`\n${reason}`);
  await supervisor?.close();
  await stack?.stop();
  console.log('Parley stopped.');
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  const services = SCALABLE_COMPONENTS.map((name) => (scale[name] > 1 ? `${scale[name]} × ${name}` : name)).join(', ');
  console.log(`Starting Parley: tables (${tables}), Service Bus emulator, SignalR emulator, ${services}…`);
  stack = await Stack.start({
    inMemory: values['in-memory'],
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    onLine,
    detached: true,
    service,
    traces: values.traces,
    auth,
    tables,
    scale,
  });
  // A component that dies is named, restarted with back-off, and a crash loop stops everything (supervisor.ts).
  supervisor = new Supervisor(stack, {
    log: (line) => console.log(`${'[stack]'.padEnd(13)} ${line}`),
    onGiveUp: (_name, message) => void shutdown(message, 1),
  });
  const idp = stack.identityProvider;
  const home = idp ? `http://localhost:${stack.ports.gateway}/` : `http://localhost:${stack.ports.gateway}/api/home?name=alice`;
  console.log(`
  Parley is running.
    chat:        ${home}
${idp ? `    sign in:     at ${idp.issuer} as ${idp.users.map((u) => `${u.id}/${u.password}`).join(', ')} (another user: a private window)` : '    (another user: change name=alice to any name, in another browser window)'}
    WebSocket:   ${stack.signalrUrl}   Service Bus: 127.0.0.1:${stack.ports.servicebus}   Tables: 127.0.0.1:${stack.ports.tables}
    data:        ${values['in-memory'] ? 'in memory' : stack.dataDir}   connection strings and copies: ${stack.dataDir}/stack.json
${copiesLine(stack)}${stack.tracesUrl ? `    traces:      ${stack.tracesUrl} (OTLP/HTTP JSON); list them: npx parley trace; show one: npx parley trace <eventId|traceId>\n` : ''}  Ctrl-C stops everything.
`);
} catch (error) {
  if (error instanceof PortInUseError) console.error(`\n${error.message}\n`);
  else console.error('\nParley did not start:', error instanceof Error ? error.message : error);
  await stack?.stop();
  process.exit(1);
}

/** The copies of each scaled service with their ops ports, when any service runs more than one. */
function copiesLine(running: Stack): string {
  const scaled = SCALABLE_COMPONENTS.filter((name) => running.copies(name).length > 1);
  if (scaled.length === 0) return '';
  const lines = scaled.map((name) => `    ${name.padEnd(12)} ${running.copies(name).map((c) => `${c.name} (pid ${c.pid}, ops :${c.opsPort})`).join(', ')}`);
  return `${lines.join('\n')}\n${running.copies('gateway').length > 1 ? `    (the gateways share :${running.ports.gateway} through a round-robin proxy)\n` : ''}`;
}
