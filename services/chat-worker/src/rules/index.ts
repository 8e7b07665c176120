export * from './types.js';
export * from './reject.js';
export * from './send.js';
export * from './rooms.js';
export * from './history.js';
export * from './presence.js';
export * from './frames.js';
export * from './profile.js';
