export * from './errors.js';
export * from './logger.js';
export * from './config.js';
export * from './bus-client.js';
export * from './consumer.js';
export * from './ops-server.js';
export * from './shutdown.js';
