// The emulator's modules take the logger type from here; the bin's logger is made in main.ts.
export { silentLogger, type Logger } from '@parley/emulator-lib';
