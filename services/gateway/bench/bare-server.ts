import fastify from 'fastify';

/** The baseline: a bare fastify route that answers 200, as cheap as an upstream can be. */
const app = fastify();
app.post('/api/messages', async (_request, reply) => reply.type('application/json').send('{"type":"ack","id":"b","ok":true}'));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(JSON.stringify({ msg: 'ready', port: typeof address === 'object' && address ? address.port : 0 }));
const stop = () => void app.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
