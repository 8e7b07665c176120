import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tables } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { serviceBusCommands, tableCommands, type BrokerConfig } from './az-commands.js';
import { k8sDir, repoRoot } from './layout.js';

const readme = readFileSync(path.join(k8sDir, 'README.md'), 'utf8');
const brokerConfig = JSON.parse(readFileSync(path.join(repoRoot, 'emulators', 'servicebus', 'config', 'parley.json'), 'utf8')) as BrokerConfig;

describe('serviceBusCommands', () => {
  it('maps Config.json properties to az flags, and refuses one it does not know', () => {
    const config: BrokerConfig = {
      UserConfig: { Namespaces: [{ Queues: [{ Name: 'q', Properties: { RequiresSession: true, MaxDeliveryCount: 3 } }], Topics: [{ Name: 't', Subscriptions: [{ Name: 's' }] }] }] },
    };
    expect(serviceBusCommands(config)).toEqual([
      'az servicebus queue create --resource-group "$RG" --namespace-name "$SB" --name q --enable-session true --max-delivery-count 3',
      'az servicebus topic create --resource-group "$RG" --namespace-name "$SB" --name t',
      'az servicebus topic subscription create --resource-group "$RG" --namespace-name "$SB" --topic-name t --name s',
    ]);
    const unknown: BrokerConfig = { UserConfig: { Namespaces: [{ Queues: [{ Name: 'q', Properties: { Shiny: true } }] }] } };
    expect(() => serviceBusCommands(unknown)).toThrow(/no az flag known for Shiny/);
  });
});

describe('k8s/README.md', () => {
  it("creates exactly the bus entities of Parley's Config.json", () => {
    const commands = serviceBusCommands(brokerConfig);
    expect(commands.join('\n')).toMatch(/--name chat-events[\s\S]*--topic-name chat-events --name chat-worker/);
    for (const line of commands) expect(readme).toContain(line);
    const inReadme = readme.split('\n').filter((l) => /^az servicebus (queue|topic|topic subscription) create /.test(l));
    expect(inReadme.sort()).toEqual([...commands].sort());
  });

  it('creates every table the contracts name', () => {
    for (const line of tableCommands(Object.values(Tables))) expect(readme).toContain(line);
  });

  it('sets up Azure Web PubSub with the hub event handler pointing at the gateway', () => {
    expect(readme).toContain('az webpubsub hub create --resource-group "$RG" --name "$WPS" --hub-name chat');
    expect(readme).toContain('url-template="https://$HOST/api/webpubsub/events" user-event-pattern="*"');
    expect(readme).toContain('system-event="connect" system-event="connected" system-event="disconnected"');
  });
});
