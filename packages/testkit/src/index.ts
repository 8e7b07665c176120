export * from './free-port.js';
export * from './process.js';
export * from './stand-ins.js';
export * from './tables.js';
export * from './temp-dir.js';
export * from './web-pubsub.js';
