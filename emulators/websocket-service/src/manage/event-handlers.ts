import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError, ErrorCodes } from '../errors.js';
import { readBody, sendError, sendJson } from '../rest/http.js';
import type { ExtraRoute } from '../rest/router.js';
import { parseHubs, type WebPubSubSettings } from '../webpubsub/settings.js';

/**
 * The Web PubSub face's event handlers at run time (for `parley
 * upstream` in Web PubSub mode): GET answers the `WebPubSub` section's `Hubs`
 * in the shape of Microsoft's emulator's appsettings.json
 * (`{"Hubs":{"chat":{"EventHandlers":[{"UrlTemplate","SystemEvents","EventPattern"}]}}}`);
 * PUT or POST replaces them as a whole, checked by the same parser as the
 * config file, so a refused change (400 naming the field) leaves the old
 * handlers in force. Same JWT as the other manage route (`aud` = this URL).
 * Azure configures this with `az webpubsub hub update`; there is no REST twin.
 */
export const MANAGE_EVENT_HANDLERS_PATH = '/manage/v1/webpubsub/event-handlers';

export interface EventHandlersDeps {
  readonly current: () => WebPubSubSettings;
  readonly replace: (next: WebPubSubSettings) => void;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

/** The settings in appsettings.json shape (hub keys as stored: lower case, or `*`). */
export function toAppSettingsHubs(settings: WebPubSubSettings): { Hubs: Record<string, { EventHandlers: unknown[] }> } {
  const Hubs: Record<string, { EventHandlers: unknown[] }> = {};
  for (const [hub, handlers] of settings.hubs) {
    Hubs[hub] = { EventHandlers: handlers.map((h) => ({ UrlTemplate: h.urlTemplate, SystemEvents: [...h.systemEvents], EventPattern: h.eventPattern })) };
  }
  return { Hubs };
}

export function createEventHandlersRoute(deps: EventHandlersDeps): ExtraRoute {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, toAppSettingsHubs(deps.current()));
    if (req.method !== 'PUT' && req.method !== 'POST') {
      req.resume();
      return sendError(res, 405, ErrorCodes.methodNotAllowed, 'allowed methods: GET, PUT', { allow: 'GET, PUT, POST' });
    }
    const body = await readBody(req, deps.maxBodyBytes);
    if (!body) return sendError(res, 413, ErrorCodes.bodyTooLarge, `event handler settings are at most ${deps.maxBodyBytes} bytes`);
    let next: WebPubSubSettings;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new ConfigError('body', `is not valid JSON (${(error as Error).message})`, ErrorCodes.settingsInvalid);
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('Hubs' in raw)) {
        throw new ConfigError('body', 'must be {"Hubs":{"<hub>":{"EventHandlers":[…]}}}', ErrorCodes.settingsInvalid);
      }
      next = parseHubs((raw as { Hubs: unknown }).Hubs, 'Hubs');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      deps.logger.info({ code: ErrorCodes.settingsInvalid, field: error.field }, `event handlers refused: ${error.message}`);
      return sendJson(res, 400, { code: ErrorCodes.settingsInvalid, field: error.field, message: error.message });
    }
    const before = toAppSettingsHubs(deps.current());
    deps.replace(next);
    const after = toAppSettingsHubs(next);
    deps.logger.info({ before: before.Hubs, after: after.Hubs }, 'Web PubSub event handlers changed');
    sendJson(res, 200, after);
  };
}
