import type { WebSocketServiceConnection } from '@parley/contracts';
import { CliError, CliErrorCodes } from '../errors.js';
import { parseHubsSettings, type HubsSettings } from './event-handlers.js';
import { REQUEST_TIMEOUT_MS, UpstreamClient } from './manage-client.js';

/** The local WebSocket service's Web PubSub event handlers (emulators/websocket-service/src/manage/event-handlers.ts). */
export const EVENT_HANDLERS_PATH = '/manage/v1/webpubsub/event-handlers';

/** GET reads every hub's event handlers, PUT replaces them; same auth and error mapping as the seed manage route. */
export class EventHandlersClient extends UpstreamClient {
  constructor(connection: WebSocketServiceConnection, timeoutMs = REQUEST_TIMEOUT_MS) {
    super(connection, timeoutMs, EVENT_HANDLERS_PATH);
  }

  async getHandlers(): Promise<HubsSettings> {
    const parsed = parseHubsSettings(await this.call('GET', 'read the event handlers'), this.url);
    if (!parsed.ok) throw new CliError(CliErrorCodes.serviceFailed, `the service answered event handlers that are not {"Hubs":…}: ${parsed.reason}`);
    return parsed.settings;
  }

  async setHandlers(settings: HubsSettings): Promise<HubsSettings> {
    const parsed = parseHubsSettings(await this.call('PUT', 'replace the event handlers', settings), this.url);
    return parsed.ok ? parsed.settings : settings;
  }
}
