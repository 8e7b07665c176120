import { ServiceBusClient } from '@azure/service-bus';
import { startChildBroker } from './src/testing/child-broker.ts';
const b = await startChildBroker(['--config', '/tmp/sbt/config.json', '--port', '0', '--data-dir', '/tmp/sbt/data']);
const c = new ServiceBusClient(b.connectionString);
await c.createSender('q1').sendMessages({ body: 1 });
await c.close();
b.child.kill('SIGTERM');
const r = await Promise.race([b.exited, new Promise(r => setTimeout(() => r('hang'), 5000))]);
console.log(r, b.lines.slice(-3));
if (r === 'hang') { b.child.kill('SIGKILL'); }
