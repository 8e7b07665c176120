import { TableServiceClient, type ServiceProperties } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { devConnectionString } from '../testing/stand-ins.js';
import { raw } from './raw.js';
import { errorCode, failure, targets, useTarget } from './targets.js';

const rules: ServiceProperties = {
  cors: [
    {
      allowedOrigins: 'https://chat.example,https://admin.example',
      allowedMethods: 'GET,POST,PUT,MERGE,DELETE,OPTIONS',
      allowedHeaders: 'x-ms-meta-data*,x-ms-date,content-type',
      exposedHeaders: 'x-ms-request-id,x-ms-error-code',
      maxAgeInSeconds: 100,
    },
    { allowedOrigins: '*', allowedMethods: 'GET', allowedHeaders: 'x-ms-date', exposedHeaders: 'x-ms-request-id', maxAgeInSeconds: 5 },
  ],
};

/** Service properties (with CORS applied), statistics on the secondary endpoint. */
describe.each(targets)('service properties and statistics on $name', (target) => {
  const h = useTarget(target);

  it('stores service properties, CORS rules included, and answers them back', async () => {
    await h.service.setProperties({
      ...rules,
      logging: { version: '1.0', read: true, write: false, delete: true, retentionPolicy: { enabled: true, days: 3 } },
      hourMetrics: { version: '1.0', enabled: true, includeAPIs: false, retentionPolicy: { enabled: false } },
    });
    const got = await h.service.getProperties();
    expect(got.cors).toHaveLength(2);
    expect(got.cors![0]).toMatchObject({ allowedOrigins: rules.cors![0]!.allowedOrigins, allowedMethods: rules.cors![0]!.allowedMethods, maxAgeInSeconds: 100 });
    expect(got.logging).toMatchObject({ read: true, write: false, delete: true, retentionPolicy: { enabled: true, days: 3 } });
    expect(got.hourMetrics).toMatchObject({ enabled: true, includeAPIs: false });
    // Leaving Cors out keeps the rules; an empty list removes them.
    await h.service.setProperties({ minuteMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } } });
    expect((await h.service.getProperties()).cors).toHaveLength(2);
    await h.service.setProperties({ cors: [] });
    expect((await h.service.getProperties()).cors ?? []).toHaveLength(0);
    await h.service.setProperties(rules);
  });

  it('answers a CORS preflight from the stored rules and refuses one no rule allows', async () => {
    await h.service.setProperties(rules);
    const ok = await fetch(`http://127.0.0.1:${h.stand.port}/devstoreaccount1/Tables`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://chat.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-ms-date,content-type' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://chat.example');
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')).toBe('x-ms-date,content-type');
    expect(ok.headers.get('access-control-max-age')).toBe('100');
    const wrongOrigin = await fetch(`http://127.0.0.1:${h.stand.port}/devstoreaccount1/Tables`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(wrongOrigin.status).toBe(403);
    const wrongHeader = await fetch(`http://127.0.0.1:${h.stand.port}/devstoreaccount1/Tables`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://chat.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-not-allowed' },
    });
    expect(wrongHeader.status).toBe(403);
    const noMethod = await fetch(`http://127.0.0.1:${h.stand.port}/devstoreaccount1/Tables`, { method: 'OPTIONS', headers: { Origin: 'https://chat.example' } });
    expect(noMethod.status).toBe(400);
  });

  it('names a refused preflight CorsPreflightFailure', async () => {
    await h.service.setProperties(rules);
    const res = await fetch(`http://127.0.0.1:${h.stand.port}/devstoreaccount1/Tables`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' },
    });
    expect(res.headers.get('x-ms-error-code')).toBe('CorsPreflightFailure');
  });

  it('adds the CORS headers of the matching rule to table responses', async () => {
    await h.service.setProperties(rules);
    const t = await h.table();
    const seen: Headers[] = [];
    const capture = { onResponse: (r: { headers: { toJSON(): Record<string, string> } }) => seen.push(new Headers(r.headers.toJSON())) };
    await t.createEntity({ partitionKey: 'p', rowKey: 'r' }, { requestOptions: { customHeaders: { Origin: 'https://chat.example' } }, ...capture });
    expect(seen[0]!.get('access-control-allow-origin')).toBe('https://chat.example');
    expect(seen[0]!.get('access-control-allow-credentials')).toBe('true');
    expect(seen[0]!.get('access-control-expose-headers')?.toLowerCase()).toContain('x-ms-request-id');
    expect(seen[0]!.get('vary')).toBe('Origin');
    // GET is allowed for any origin by the second rule: the answer is `*`.
    await t.getEntity('p', 'r', { requestOptions: { customHeaders: { Origin: 'https://anyone.example' } }, ...capture });
    expect(seen[1]!.get('access-control-allow-origin')).toBe('*');
    // POST from an origin no rule allows gets no Allow-Origin: the browser withholds the answer.
    await t.createEntity({ partitionKey: 'p', rowKey: 'r2' }, { requestOptions: { customHeaders: { Origin: 'https://anyone.example' } }, ...capture });
    expect(seen[2]!.get('access-control-allow-origin')).toBeNull();
  });

  it('serves statistics on the -secondary endpoint only', async () => {
    const secondary = TableServiceClient.fromConnectionString(devConnectionString(h.stand.port).replace('/devstoreaccount1;', '/devstoreaccount1-secondary;'), {
      allowInsecureConnection: true,
    });
    const stats = await secondary.getStatistics();
    expect(stats.geoReplication?.status).toBe('live');
    expect(stats.geoReplication?.lastSyncTime).toBeInstanceOf(Date);
    const primary = await failure(h.service.getStatistics());
    expect(primary.statusCode).toBe(400);
    if (target.name === 'emulator') expect(errorCode(primary)).toBe('InvalidQueryParameterValue');
  });

  it('[Azure behaviour] refuses malformed service properties with 400 and keeps the stored ones', async (ctx) => {
    if (target.name === 'azurite') ctx.skip();
    await h.service.setProperties(rules);
    const sixRules = { cors: Array.from({ length: 6 }, () => rules.cors![1]!) };
    expect((await failure(h.service.setProperties(sixRules))).statusCode).toBe(400);
    const badMethod = { cors: [{ ...rules.cors![1]!, allowedMethods: 'FETCH' }] };
    expect(errorCode(await failure(h.service.setProperties(badMethod)))).toBe('InvalidXmlNodeValue');
    const notXml = await raw(h.stand, 'PUT', '?restype=service&comp=properties', { body: '<StorageServiceProperties><Cors>', headers: { 'Content-Type': 'application/xml' } });
    expect(notXml.status).toBe(400);
    expect(notXml.headers.get('x-ms-error-code')).toBe('InvalidXmlDocument');
    expect((await h.service.getProperties()).cors).toHaveLength(2);
  });
});
