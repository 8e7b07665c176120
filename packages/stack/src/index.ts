export * from './stack.js';
export * from './ports.js';
export * from './dialect.js';
export type { TablesBackend } from './components.js';
export * from './supervisor.js';
export { formatLine } from './log-format.js';
export * from './chat-client.js';
export * from './traces/index.js';
