export * from './server.js';
export * from './users.js';
export * from './errors.js';
