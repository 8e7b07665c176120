import { describe, expect, it } from 'vitest';
import { difference, parsePrometheus, total } from './prom-text.js';

const before = `# HELP parley_worker_table_requests_total Round trips
# TYPE parley_worker_table_requests_total counter
parley_worker_table_requests_total{type="message.send",table="messages",operation="transaction"} 10
parley_worker_table_requests_total{type="message.send",table="events",operation="insert"} 10
parley_gateway_bus_send_seconds_count{outcome="accepted"} 4
`;
const after = `parley_worker_table_requests_total{type="message.send",table="messages",operation="transaction"} 30
parley_worker_table_requests_total{type="message.send",table="events",operation="insert"} 31
parley_worker_table_requests_total{type="message.join",table="messages",operation="get"} 2
parley_gateway_bus_send_seconds_count{outcome="accepted"} 9
weird{label="a \\"quoted\\" value"} 1
`;

describe('Prometheus text', () => {
  it('given two scrapes, then the difference per series and its sums by label are the counts of the phase', () => {
    const delta = difference(parsePrometheus(before), parsePrometheus(after));
    expect(total(delta, 'parley_worker_table_requests_total', { type: 'message.send' })).toBe(41);
    expect(total(delta, 'parley_worker_table_requests_total', { type: 'message.join' })).toBe(2);
    expect(total(delta, 'parley_gateway_bus_send_seconds_count')).toBe(5);
    expect(parsePrometheus(after).find((s) => s.name === 'weird')?.labels).toEqual({ label: 'a "quoted" value' });
  });
});
