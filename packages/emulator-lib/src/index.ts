export { EmulatorError } from './errors.js';
export { createEmulatorLogger, silentLogger, announceReady, type Logger } from './logger.js';
export { stopOnSignals, closeOnce, type Closable, type SignalTarget, type StopOnSignalsOptions } from './shutdown.js';
export { parseLongOptions, portFromText, type LongOptions, type LongOptionSpec } from './cli.js';
export { listenOn } from './listen.js';
export { runEmulator, type RunEmulatorOptions, type StartedEmulator } from './main.js';
export { loadTls, localTls, generatedTlsFiles, trustLine, httpsBanner, type TlsMaterial, type TlsInvalid, type LocalTlsOptions } from './tls.js';
