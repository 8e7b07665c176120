import { describe, expect, it } from 'vitest';
import { announceReady } from './logger.js';
import { recordingLogger } from './testing.js';

describe('announceReady', () => {
  it('writes one ready line with the fields', () => {
    const { log, lines } = recordingLogger('info');
    announceReady(log, { port: 5672, connectionString: 'Endpoint=sb://127.0.0.1:5672;' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'ready', port: 5672, connectionString: 'Endpoint=sb://127.0.0.1:5672;' });
  });

  it.each(['warn', 'error', 'silent'])('writes it at LOG_LEVEL=%s too, where other info lines are dropped', (level) => {
    const { log, lines } = recordingLogger(level);
    log.info('dropped');
    announceReady(log, { port: 1 });
    expect(lines.map((l) => l.msg)).toEqual(['ready']);
  });
});
